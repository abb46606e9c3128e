import * as Effect from "effect/Effect"
import * as HttpEffect from "effect/http/HttpEffect"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"

/**
 * `response` marked `Cache-Control: no-store`, unless it says how it may be cached already (a public asset keeps its
 * own word): a response computed for a user, or a refusal of credentials, must not be stored by a cache, shared or
 * not. For a response in hand; {@link appendNoStore} reaches one rendered later.
 */
export const withNoStore = (
  response: HttpServerResponse.HttpServerResponse
): HttpServerResponse.HttpServerResponse =>
  response.headers["cache-control"] === undefined
    ? HttpServerResponse.setHeader(response, "cache-control", "no-store")
    : response

const noStore = (
  _request: HttpServerRequest.HttpServerRequest,
  response: HttpServerResponse.HttpServerResponse
): Effect.Effect<HttpServerResponse.HttpServerResponse> => Effect.succeed(withNoStore(response))

/**
 * Marks the request's response `Cache-Control: no-store` (unless it sets its own): one pre-response handler per
 * request, so that it reaches the final response, whether the handler built it, an error rendered it outside
 * (`requires`, the backend's refusal) or `onError` did. Run for authenticated requests and refusals of credentials.
 */
export const appendNoStore: Effect.Effect<void, never, HttpServerRequest.HttpServerRequest> = HttpEffect
  .appendPreResponseHandler(noStore)
