import * as HttpApp from "@effect/platform/HttpApp"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"

// a response computed for a user, or a refusal of credentials, must not be stored by a cache, shared or not; a
// response that says how it may be cached already (a public asset) keeps its own word
const noStore = (
  _request: HttpServerRequest.HttpServerRequest,
  response: HttpServerResponse.HttpServerResponse
): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  Effect.succeed(
    response.headers["cache-control"] === undefined
      ? HttpServerResponse.setHeader(response, "cache-control", "no-store")
      : response
  )

/**
 * Marks the request's response `Cache-Control: no-store` (unless it sets its own): one pre-response handler per
 * request, so that it reaches the final response, whether the handler built it, an error rendered it outside
 * (`requires`, the backend's refusal) or `onError` did. Run for authenticated requests and refusals of credentials.
 */
export const appendNoStore = HttpApp.appendPreResponseHandler(noStore)
