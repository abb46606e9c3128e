import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as HttpApi from "effect/http-api/HttpApi"
import * as HttpApiMiddleware from "effect/http-api/HttpApiMiddleware"
import * as HttpServerRespondable from "effect/http/HttpServerRespondable"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import { AuthenticationBackend } from "../../AuthenticationBackend.js"
import { isRenderable } from "../../ErrorResponse.js"
import { makeAuthenticate, service } from "./authenticate.js"
import * as guards from "./guards.js"
import { schemeMismatch } from "./schemes.js"

/**
 * A guard's service: the endpoint's own effect-auth errors (a handler's `requires`, a `Forbidden` it fails with)
 * answered as they render everywhere, headers included (`WWW-Authenticate`, `Location`), where HttpApi's encoding
 * by schema would send the body alone. What the endpoint requires is checked by the authentication middleware, which
 * runs outside or inside it, in whichever order the endpoint lists them.
 */
const guardService = <E, R>(
  httpEffect: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R> =>
  Effect.catch(
    httpEffect,
    (error): Effect.Effect<HttpServerResponse.HttpServerResponse, E> =>
      isRenderable(error) ? HttpServerRespondable.toResponse(error) : Effect.fail(error)
  )

/**
 * The middleware `tag` implemented with the `AuthenticationBackend`, and the guard of each guarded endpoint of `api`,
 * built once at start-up. Dies when the schemes `tag` declares cannot be what the backend reads, or when a guarded
 * endpoint is not behind the middleware (see `guards.guards`).
 */
export const context = (
  tag: HttpApiMiddleware.AnyService,
  api: HttpApi.Top
): Effect.Effect<Context.Context<never>, never, AuthenticationBackend> =>
  Effect.gen(function*() {
    const backend = yield* AuthenticationBackend
    const services = yield* Effect.context<never>()
    if (!HttpApiMiddleware.isSecurity(tag)) {
      return yield* Effect.die(new Error(`HttpApiAuthentication: "${tag.key}" declares no security scheme`))
    }
    const mismatch = schemeMismatch(tag.key, tag.security, backend.challenges)
    if (mismatch !== undefined) return yield* Effect.die(new Error(mismatch))
    const endpointGuards = yield* Effect.try({
      try: () => guards.guards(api, tag.key),
      catch: (error) => error
    }).pipe(Effect.orDie)
    const requirements = new Map<guards.GuardTag, guards.EndpointRequirement>()
    const entries = new Map<string, unknown>()
    for (const guard of endpointGuards) {
      requirements.set(guard, guards.endpointRequirement(guard[guards.GuardTypeId], services))
      entries.set(guard.key, guardService)
    }
    entries.set(tag.key, service(Object.keys(tag.security), makeAuthenticate(backend, requirements)))
    return Context.makeUnsafe<never>(entries)
  })
