import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Scope from "effect/Scope"
import type { Authentication, CurrentCredentials, CurrentUser } from "../CurrentUser.js"
import { CurrentAuthentication } from "../CurrentUser.js"

/**
 * `self` with the request's one authentication entry in its context, for the time `self` runs: Effect 4's
 * `Effect.provideService` adds it to a copy of the fiber's context (the caller's context is never written to),
 * installs the copy, and puts the caller's back when `self` ends, however it ends.
 */
export const provideAuthentication = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  authentication: Authentication
): Effect.Effect<A, E, Exclude<R, CurrentUser | CurrentCredentials>> =>
  Effect.provideService(self, CurrentAuthentication, authentication)

/**
 * `provideAuthentication`, then `onSuccess` applied to the value, and `onFailure` run before a failure goes on (the
 * middleware marks its response there).
 */
export const provideAuthenticationThen = <A, E, R, R2>(
  self: Effect.Effect<A, E, R>,
  authentication: Authentication,
  onSuccess: (value: A) => A,
  onFailure: Effect.Effect<void, never, R2>
): Effect.Effect<A, E, Exclude<R, CurrentUser | CurrentCredentials> | R2> =>
  Effect.matchCauseEffect(provideAuthentication(self, authentication), {
    onFailure: (cause) => Effect.andThen(onFailure, Effect.failCause(cause)),
    onSuccess: (value) => Effect.succeed(onSuccess(value))
  })

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
  const given = Context.omit(Scope.Scope, Layer.CurrentMemoMap)(captured as Context.Context<any>) as Context.Context<
    never
  >
  // keys made once: a request's check is then raw look-ups (its context's `mapUnsafe` would copy every service)
  const services = Array.from(given.mapUnsafe, ([key, service]) => [Context.Service<any, any>(key), service] as const)
  if (services.length === 0) return f as (...args: Args) => Effect.Effect<A, E>
  const holdsAll = (current: Context.Context<never>): boolean => {
    for (let i = 0; i < services.length; i++) {
      const [key, service] = services[i]!
      if (Context.getOrUndefined(current, key) !== service) return false
    }
    return true
  }
  // the missing services go into a copy of the request's context, installed for the time `f` runs
  return (...args) =>
    Effect.withFiber((fiber) =>
      holdsAll(fiber.context as Context.Context<never>)
        ? f(...args) as Effect.Effect<A, E>
        : Effect.provideContext(f(...args), given) as Effect.Effect<A, E>
    )
}
