import type * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerRespondable from "@effect/platform/HttpServerRespondable"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { AuthenticationBackend } from "../../AuthenticationBackend.js"
import { isRenderable } from "../../ErrorResponse.js"
import { readService } from "../context.js"
import { appendNoStore, withNoStore } from "../noStore.js"
import { isPersonal, makeAuthenticate, service } from "./authenticate.js"
import * as guards from "./guards.js"
import { schemeMismatch } from "./schemes.js"

/**
 * The middleware `tag` implemented with the `AuthenticationBackend`, and the guard of each guarded endpoint of `api`,
 * built once at start-up. Dies when the schemes `tag` declares cannot be what the backend reads, or when a guarded
 * endpoint is not behind the middleware (see `guards.guards`).
 */
export const context = (
  tag: HttpApiMiddleware.TagClassAny,
  api: HttpApi.HttpApi.AnyWithProps
): Effect.Effect<Context.Context<never>, never, AuthenticationBackend> =>
  Effect.gen(function*() {
    const backend = yield* AuthenticationBackend
    const services = yield* Effect.context<never>()
    if (HttpApiMiddleware.isSecurity(tag)) {
      const mismatch = schemeMismatch(tag.key, tag.security, backend.challenges)
      if (mismatch !== undefined) return yield* Effect.dieMessage(mismatch)
    }
    const endpointGuards = yield* Effect.try({
      try: () => guards.guards(api, tag.key),
      catch: (error) => error
    }).pipe(Effect.orDie)
    // the middleware's service is its handler, or one per scheme, as `service` builds it for `tag`
    let context: Context.Context<any> = Context.make(
      tag as Context.Tag<any, any>,
      service(tag, makeAuthenticate(backend))
    )
    for (const guard of endpointGuards) {
      context = Context.add(
        context,
        // a middleware without security is an Effect, run before the endpoint's group's middleware
        guard as Context.Tag<any, any>,
        guards.tell(guards.endpointRequirement(guard[guards.GuardTypeId], services))
      )
    }
    return context
  })

/**
 * Renders effect-auth's errors as they render everywhere (headers included), before HttpApi encodes them by schema
 * (their error type stays `unknown` for HttpApi: what is not ours goes on to its schema encoding), and marks the
 * response to a request whose credentials the backend accepted `Cache-Control: no-store`: the response in hand, or,
 * for an error HttpApi renders further out, through a pre-response handler.
 */
export const renderErrors = HttpApiBuilder.middleware((app) =>
  readService(HttpServerRequest.HttpServerRequest, (request) =>
    Effect.matchCauseEffect(app, {
      onFailure: (cause) => {
        const failure = Cause.failureOrCause(cause)
        const personal = isPersonal(request)
        if (failure._tag === "Left" && isRenderable(failure.left)) {
          const rendered = HttpServerRespondable.toResponse(failure.left)
          return personal ? Effect.map(rendered, withNoStore) : rendered
        }
        return personal ? Effect.zipRight(appendNoStore, Effect.failCause(cause)) : Effect.failCause(cause)
      },
      onSuccess: (response) => Effect.succeed(isPersonal(request) ? withNoStore(response) : response)
    })) as HttpApiBuilder.MiddlewareFn<never> extends (app: any) => infer A ? A : never
  // HttpApi's middleware type wants its app back as it was: the errors that were not ours still fail it
)
