import * as Context from "effect/Context"

// Effect 4's tracer (`HttpMiddleware.tracer`) writes the server span's URL and header attributes when the request
// ends, redacting the names of `UrlParams.CurrentRedactedNames` and `Headers.CurrentRedactedNames` and the names
// the request added to its own state, which outlives the handler's context (a name provided in a scope the handler
// runs in is gone by then). The platform adds to that state from `HttpApiBuilder` only, through an internal module;
// the service is read here by its key, the runtime identity of a service in Effect 4.

interface RequestState {
  redactedUrlParamNames: ReadonlyArray<string | RegExp>
  redactedHeaderNames: ReadonlyArray<string | RegExp>
}

const CurrentRequestState = Context.Service<RequestState>("effect/http/HttpEffect/CurrentRequestState")

/**
 * Adds query parameter and header names to those the server span of the current request redacts: the span then
 * records `REDACTED` for those parameters' values (`url.full`, `url.query`) and `<redacted>` for those headers. Outside
 * a request served by the platform (no request state), nothing happens.
 */
export const redactInServerSpan = (
  context: Context.Context<never>,
  urlParamNames: ReadonlyArray<string>,
  headerNames: ReadonlyArray<string>
): void => {
  const state = Context.getOrUndefined(context, CurrentRequestState)
  if (state === undefined) return
  if (urlParamNames.length > 0) state.redactedUrlParamNames = [...state.redactedUrlParamNames, ...urlParamNames]
  if (headerNames.length > 0) state.redactedHeaderNames = [...state.redactedHeaderNames, ...headerNames]
}
