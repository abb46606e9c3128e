import * as Effect from "effect/Effect"
import * as HttpServerRespondable from "effect/http/HttpServerRespondable"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import { ServiceUnavailable } from "../AuthenticationError.js"

// a store that is down is nobody's fault and may be back soon: 503, retry in a second; the store's message (a host,
// a query) stays in the log
const retryAfter = 1

/**
 * How every library edge answers a store that failed (the session backend, the throttle guard): the failure logged
 * with its cause, the request answered `ServiceUnavailable` (503, `Retry-After: 1`) whose reason names the store,
 * never the store's message. Made once per edge, so that a request allocates nothing for it.
 */
export const storeFailure = (store: string): (error: unknown) => Effect.Effect<never, ServiceUnavailable> => {
  const reason = `${store} unavailable`
  const failure = Effect.fail(new ServiceUnavailable({ reason, retryAfter }))
  return (error) => Effect.andThen(Effect.logError(reason, error), failure)
}

// the same answer, for a store's error that app code leaves unhandled in a handler (see `StoreError`)
const unhandled = new ServiceUnavailable({ reason: "store unavailable", retryAfter })

/** The response of a store's error left unhandled in a handler: the one {@link storeFailure} answers. */
export const response = (): Effect.Effect<HttpServerResponse.HttpServerResponse> =>
  HttpServerRespondable.toResponse(unhandled)
