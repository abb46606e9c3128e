import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as RuntimeFlags from "effect/RuntimeFlags"
import * as Scope from "effect/Scope"
import type { Authentication, CurrentCredentials, CurrentUser } from "../CurrentUser.js"
import { CurrentAuthentication } from "../CurrentUser.js"

// FiberRuntime's own setter, which `Effect.locally` uses underneath; it is not on the public fiber type
interface FiberRefSetter {
  setFiberRef<X>(fiberRef: FiberRef.FiberRef<X>, value: X): void
  readonly currentRuntimeFlags: RuntimeFlags.RuntimeFlags
}

const key = CurrentAuthentication.key

/**
 * `self` with the request's one authentication entry in its context, for the time `self` runs: the fiber's context
 * is copied once, the entry added to the copy, and the copy installed; the context the caller had is never written
 * to, and is back when `self` ends, however it ends (success, failure, defect, interruption).
 *
 * This is `Effect.provideService` (or `Effect.locally` on the context, as `HttpRouter` does per route) with less
 * machinery: one frame restores the context, where those go through `acquireUseRelease`, and the interruption mask
 * they need is skipped when the fiber is uninterruptible already (as every request served by the platform is).
 */
export const provideAuthentication = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  authentication: Authentication
): Effect.Effect<A, E, Exclude<R, CurrentUser | CurrentCredentials>> =>
  Effect.withFiberRuntime<A, E, Exclude<R, CurrentUser | CurrentCredentials>>((fiber) =>
    // the platform serves every request uninterruptibly: no mask is needed then, and none is paid for
    RuntimeFlags.interruptible((fiber as unknown as FiberRefSetter).currentRuntimeFlags)
      ? Effect.uninterruptibleMask((restore) => Effect.suspend(() => install(fiber, restore(self), authentication)))
      : install(fiber, self, authentication)
  )

// copies the fiber's context, adds the entry, installs the copy, and takes it back when `self` ends; to be called
// where no interruption can land between installing the copy and the frame that takes it back
const install = <A, E, R>(
  fiber: Fiber.RuntimeFiber<A, E>,
  self: Effect.Effect<A, E, R>,
  authentication: Authentication
): Effect.Effect<A, E, Exclude<R, CurrentUser | CurrentCredentials>> => {
  const setter = fiber as unknown as FiberRefSetter
  const outer = fiber.getFiberRef(FiberRef.currentContext)
  const map = new Map<string, unknown>()
  // a forEach copy is cheaper than `new Map(map)` for the dozen entries a request's context holds
  outer.unsafeMap.forEach((value, name) => map.set(name, value))
  map.set(key, authentication)
  setter.setFiberRef(FiberRef.currentContext, Context.unsafeMake(map) as Context.Context<never>)
  return Effect.matchCauseEffect(self as Effect.Effect<A, E>, {
    onFailure: (cause) => {
      setter.setFiberRef(FiberRef.currentContext, outer)
      return Exit.failCause(cause)
    },
    onSuccess: (value) => {
      setter.setFiberRef(FiberRef.currentContext, outer)
      return Exit.succeed(value)
    }
  })
}

/**
 * `f` of a service in the fiber's context: `Effect.flatMap(tag, f)` without the intermediate effect, for the
 * per-request path. A missing service is a defect, as with the tag.
 */
export const withService = <I, S, A, E, R>(
  tag: Context.Tag<I, S>,
  f: (service: S) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R | I> =>
  Effect.withFiberRuntime<A, E, R | I>((fiber) => f(Context.unsafeGet(fiber.currentContext, tag as Context.Tag<I, S>)))

const buildOnly: ReadonlySet<string> = new Set([Scope.Scope.key, "effect/Layer/CurrentMemoMap"])

/**
 * What a backend's `verify` needs, given per request: the context captured when the backend was built. Nothing is
 * provided when the request's context already holds every one of those services as they are (the usual case: the
 * backend's Layer and the server are built from the same services), so that only a backend whose services are not
 * the app's pays for a context copy.
 */
export const withContext = <Args extends ReadonlyArray<any>, A, E, R>(
  f: (...args: Args) => Effect.Effect<A, E, R>,
  context: Context.Context<R>
): (...args: Args) => Effect.Effect<A, E> => {
  // a Layer is built with its own Scope and memo map in its context: those belong to the build, never to a request
  const entries = Array.from(context.unsafeMap).filter(([key]) => !buildOnly.has(key))
  if (entries.length === 0) return f as (...args: Args) => Effect.Effect<A, E>
  const given = Context.unsafeMake(new Map(entries)) as Context.Context<R>
  return (...args) =>
    Effect.withFiberRuntime((fiber) => {
      const current = fiber.currentContext.unsafeMap
      for (let i = 0; i < entries.length; i++) {
        const [key, service] = entries[i]!
        if (current.get(key) !== service) return Effect.provide(f(...args), given)
      }
      return f(...args) as Effect.Effect<A, E>
    })
}
