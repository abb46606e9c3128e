/**
 * Your body, our headers: the response an error renders by default, with the body you choose.
 *
 * @since 1.0.0
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Headers from "effect/http/Headers"
import * as HttpServerRespondable from "effect/http/HttpServerRespondable"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { isAuthenticationError, isServiceUnavailable, isTooManyRequests } from "./AuthenticationError.js"
import * as Outcome from "./internal/outcome.js"
import { isPermissionDenied } from "./PermissionDenied.js"

/**
 * What renders itself: every refusal of credentials, every denial, `ServiceUnavailable` and `TooManyRequests`.
 *
 * @since 1.0.0
 * @category models
 */
export type Renderable = Outcome.Guarded<typeof isRenderable>

/**
 * Whether `u` is one of effect-auth's errors that render themselves: the one list of them, from which
 * {@link Renderable} is derived and which the HttpApi adapter renders.
 *
 * @since 1.0.0
 * @category guards
 */
export const isRenderable = Outcome.union(
  isAuthenticationError,
  isPermissionDenied,
  isServiceUnavailable,
  isTooManyRequests
)

/**
 * The body to send: `{ json }` (compact JSON, `application/json`) or `{ text }` (`text/plain`).
 *
 * @since 1.0.0
 * @category models
 */
export type Body = { readonly json: unknown } | { readonly text: string }

/**
 * The error's own response (its status and its headers: `WWW-Authenticate`, `Location`, `Retry-After`), with `body`
 * instead of the default one. A `json` value that `JSON.stringify` cannot encode (a cycle, a `bigint`) is a defect.
 *
 * @example
 * ```ts
 * import { requires } from "effect-auth"
 * import * as ErrorResponse from "effect-auth/ErrorResponse"
 * import { HttpServerResponse } from "effect/http"
 * import { Effect } from "effect"
 *
 * const feed = HttpServerResponse.text("feed").pipe(
 *   requires("authenticated"),
 *   // a 401 keeps its WWW-Authenticate, a 303 its Location
 *   Effect.catchTag("PermissionDenied", (denied) => ErrorResponse.withBody(denied, { json: { status: denied.status } }))
 * )
 * ```
 *
 * @since 1.0.0
 * @category constructors
 */
export const withBody: {
  (body: Body): (error: Renderable) => Effect.Effect<HttpServerResponse.HttpServerResponse>
  (error: Renderable, body: Body): Effect.Effect<HttpServerResponse.HttpServerResponse>
} = dual(
  2,
  (error: Renderable, body: Body): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
    // the default response is the one source of the status and headers: what it sends, this sends
    Effect.map(error[HttpServerRespondable.symbol](), (response) => {
      // the default body's own headers go with it (a stale content-length would cut the new body)
      const options = {
        status: response.status,
        headers: Headers.removeMany(response.headers, bodyHeaders),
        cookies: response.cookies
      }
      return "json" in body
        ? HttpServerResponse.jsonUnsafe(body.json, options)
        : HttpServerResponse.text(body.text, options)
    })
)

const bodyHeaders = ["content-type", "content-length"]
