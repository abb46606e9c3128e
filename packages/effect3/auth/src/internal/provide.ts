import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import type * as FiberStatus from "effect/FiberStatus"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as RuntimeFlags from "effect/RuntimeFlags"
import * as Scope from "effect/Scope"
import type { Authentication, CurrentCredentials, CurrentUser } from "../CurrentUser.js"
import { CurrentAuthentication } from "../CurrentUser.js"

/**
 * `self` with the request's one authentication entry in its context, for the time `self` runs: a copy of the
 * fiber's context with the entry added (`Context.add` allocates it; the caller's context is never written to) is
 * installed, and the caller's is put back when `self` ends, however it ends (success, failure, defect,
 * interruption).
 *
 * This is `Effect.provideService` (or `Effect.locally` on the context, as `HttpRouter` does per route) with less
 * machinery: the context is read from the fiber as `HttpRouter` reads it, one frame puts it back, where those go
 * through `acquireUseRelease`, and the interruption mask they need is skipped when the fiber is uninterruptible
 * already (as every request served by the platform is).
 */
export const provideAuthentication = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  authentication: Authentication
): Effect.Effect<A, E, Exclude<R, CurrentUser | CurrentCredentials>> =>
  Effect.withFiberRuntime((fiber, status) => {
    const outer = fiber.getFiberRef(FiberRef.currentContext)
    return install(outer, Context.add(outer, CurrentAuthentication, authentication), self, status)
  }) as Effect.Effect<A, E, Exclude<R, CurrentUser | CurrentCredentials>>

/**
 * `provideAuthentication`, and, in the frame that puts the caller's context back, `onSuccess` applied to the value
 * and `onFailure` run before a failure goes on (the middleware marks its response there, at no extra step).
 */
export const provideAuthenticationThen = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  authentication: Authentication,
  onSuccess: (value: A) => A,
  onFailure: Effect.Effect<void>
): Effect.Effect<A, E, Exclude<R, CurrentUser | CurrentCredentials>> =>
  Effect.withFiberRuntime((fiber, status) => {
    const outer = fiber.getFiberRef(FiberRef.currentContext)
    return install(outer, Context.add(outer, CurrentAuthentication, authentication), self, status, onSuccess, onFailure)
  }) as Effect.Effect<A, E, Exclude<R, CurrentUser | CurrentCredentials>>

// `self` with `inner` (a context just allocated) as the fiber's context while it runs, `outer` put back when it
// ends; no interruption can land between the two writes
const install = <A, E, R>(
  outer: Context.Context<never>,
  inner: Context.Context<never>,
  self: Effect.Effect<A, E, R>,
  status: FiberStatus.Running,
  onSuccess?: (value: A) => A,
  onFailure?: Effect.Effect<void>
): Effect.Effect<A, E, R> =>
  RuntimeFlags.interruption(status.runtimeFlags)
    ? Effect.uninterruptibleMask((restore) => swap(outer, inner, restore(self), onSuccess, onFailure))
    : swap(outer, inner, self, onSuccess, onFailure)

const swap = <A, E, R>(
  outer: Context.Context<never>,
  inner: Context.Context<never>,
  self: Effect.Effect<A, E, R>,
  onSuccess: ((value: A) => A) | undefined,
  onFailure: Effect.Effect<void> | undefined
): Effect.Effect<A, E, R> => {
  const back = FiberRef.set(FiberRef.currentContext, outer)
  return Effect.zipRight(
    FiberRef.set(FiberRef.currentContext, inner),
    Effect.matchCauseEffect(self, {
      onFailure: (cause) =>
        Effect.zipRight(
          back,
          onFailure === undefined ? Effect.failCause(cause) : Effect.zipRight(onFailure, Effect.failCause(cause))
        ),
      onSuccess: (value) => Effect.as(back, onSuccess === undefined ? value : onSuccess(value))
    })
  )
}

/**
 * What a backend's `verify` needs, given per request: the context captured when the backend was built (less the
 * build's own Scope and memo map, which never belong to a request). Nothing is provided when the request's context
 * already holds every one of those services as they are (the usual case: the backend's Layer and the server are
 * built from the same services), so that only a backend whose services are not the app's pays for a context copy.
 */
export const withContext = <Args extends ReadonlyArray<any>, A, E, R>(
  f: (...args: Args) => Effect.Effect<A, E, R>,
  captured: Context.Context<R>
): (...args: Args) => Effect.Effect<A, E> => {
  const given = Context.omit(Scope.Scope, Layer.CurrentMemoMap)(captured as Context.Context<any>) as Context.Context<R>
  // one tag per captured service, to look each up in the request's context
  const services = Array.from(given.unsafeMap, ([key, service]) => [Context.GenericTag<unknown>(key), service] as const)
  if (services.length === 0) return f as (...args: Args) => Effect.Effect<A, E>
  const holdsAll = (current: Context.Context<never>): boolean => {
    for (let i = 0; i < services.length; i++) {
      const [tag, service] = services[i]!
      const found = Context.getOption(current, tag)
      if (Option.isNone(found) || found.value !== service) return false
    }
    return true
  }
  // the missing services go into a copy of the request's context, installed as the request's entry is
  return (...args) =>
    Effect.withFiberRuntime((fiber, status) => {
      const current = fiber.getFiberRef(FiberRef.currentContext)
      return holdsAll(current)
        ? f(...args) as Effect.Effect<A, E>
        : install(
          current,
          Context.merge(current, given as Context.Context<never>),
          f(...args) as Effect.Effect<A, E>,
          status
        )
    })
}
