import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import type { AuthCredentials } from "../AuthCredentials.js"
import { CurrentCredentials, CurrentUser } from "../CurrentUser.js"

/**
 * `self` with `CurrentUser` and `CurrentCredentials` added to its context: what `Effect.provideService` does twice,
 * for less. The context is copied once for both services, and the fiber's context is set and restored directly:
 * `provideService` goes through `FiberRef` locally's acquire/use/release (an uninterruptible region and an exit
 * value per request), which the benchmark showed to be most of the middleware's cost. The one difference: when the
 * fiber is interrupted inside `self`, its context is not restored, so the finalizers that run while it unwinds still
 * see the user (they belong to the same request).
 *
 * @internal
 */
export const provideAuth = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  credentials: AuthCredentials,
  user: Context.Tag.Service<CurrentUser>
): Effect.Effect<A, E, Exclude<R, CurrentUser | CurrentCredentials>> =>
  Effect.withFiberRuntime((fiber) => {
    const previous = fiber.currentContext
    const map = new Map(previous.unsafeMap)
    map.set(CurrentCredentials.key, credentials)
    map.set(CurrentUser.key, user)
    const restore = FiberRef.set(FiberRef.currentContext, previous)
    return Effect.zipRight(
      FiberRef.set(FiberRef.currentContext, Context.unsafeMake(map)),
      Effect.matchCauseEffect(self as Effect.Effect<A, E>, {
        onFailure: (cause) => Effect.zipRight(restore, Effect.failCause(cause)),
        onSuccess: (value) => Effect.as(restore, value)
      })
    )
  })
