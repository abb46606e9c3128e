import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type { AuthCredentials } from "../AuthCredentials.js"
import { CurrentCredentials, CurrentUser } from "../CurrentUser.js"

type Provided<R> = Exclude<R, CurrentUser | CurrentCredentials>

/**
 * `self` with `CurrentUser` and `CurrentCredentials` added to its context, as `Effect.provideService` twice would,
 * with one copy of the context for both.
 *
 * @internal
 */
export const provideAuth = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  credentials: AuthCredentials,
  user: Context.Tag.Service<CurrentUser>
): Effect.Effect<A, E, Provided<R>> =>
  Effect.mapInputContext(self, (context: Context.Context<Provided<R>>) => {
    const map = new Map(context.unsafeMap)
    map.set(CurrentCredentials.key, credentials)
    map.set(CurrentUser.key, user)
    return Context.unsafeMake(map)
  })

const requestKey = HttpServerRequest.HttpServerRequest.key

/**
 * The middleware's way to give a request its user: `provideAuth`, for less.
 *
 * Any way of providing a service goes through the fiber's context `FiberRef`; setting it and restoring it costs
 * about as much as everything else the middleware does (the benchmark's profile: a FiberRefs copy, hashing and
 * comparing contexts, an acquire/use/release). But the context the middleware runs in already belongs to this one
 * request: every server (Node's, `HttpApp.toWebHandler`) provides the `HttpServerRequest` per request, which makes a
 * fresh context, and the platform's tracer makes another. So the two services are written into that context instead,
 * and stay there for the rest of the request (fibers forked by the handler keep seeing them, as they would with a
 * copy). Both are always written, so nothing of an earlier request can remain.
 *
 * Where that is not certain, it falls back to `provideAuth`: when the context holds no request (not an HttpApp's
 * context), or already holds a user (a second middleware inside the first: the outer one's user must come back once
 * the inner app is done).
 *
 * @internal
 */
export const attachAuth = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  credentials: AuthCredentials,
  user: Context.Tag.Service<CurrentUser>
): Effect.Effect<A, E, Provided<R>> =>
  Effect.withFiberRuntime((fiber) => {
    const map = fiber.currentContext.unsafeMap
    if (!map.has(requestKey) || map.has(CurrentUser.key)) return provideAuth(self, credentials, user)
    map.set(CurrentCredentials.key, credentials)
    map.set(CurrentUser.key, user)
    return self as Effect.Effect<A, E, Provided<R>>
  })
