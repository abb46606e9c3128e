import type { Proto } from "@effect-auth/core/Forwarded"
import * as Origin from "@effect-auth/core/Origin"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { hasProperty } from "effect/Predicate"

// the scheme a trusted proxy gave, per request; keyed by the request's source (Node's IncomingMessage, a web
// Request), which every `request.modify` (a router's prefix, ProxyHeaders itself) keeps, and which a pre-response
// handler (where a cookie may be set, after the middleware has returned) still sees
const trusted = new WeakMap<object, Proto>()

const keyOf = (request: HttpServerRequest.HttpServerRequest): object =>
  typeof request.source === "object" && request.source !== null ? request.source : request

/** Records the scheme a trusted proxy said the client used (only `ProxyHeaders` calls it, only for a trusted peer). */
export const recordProto = (request: HttpServerRequest.HttpServerRequest, proto: Proto): void => {
  trusted.set(keyOf(request), proto)
}

/**
 * The scheme the client used: what a trusted proxy said, else `https` over a Node TLS socket or for a web `Request`
 * of an `https:` URL, else `http`. A forwarding header from a peer that is not trusted counts for nothing.
 */
export const schemeOf = (request: HttpServerRequest.HttpServerRequest): Proto => {
  const forwarded = trusted.get(keyOf(request))
  if (forwarded !== undefined) return forwarded
  const source = request.source
  // Node's IncomingMessage over a TLSSocket
  if (hasProperty(source, "socket") && hasProperty(source.socket, "encrypted")) {
    return source.socket.encrypted === true ? "https" : "http"
  }
  // a web Request (Bun, Deno, workers)
  if (typeof Request !== "undefined" && source instanceof Request) {
    return source.url.startsWith("https:")
      ? "https"
      : "http"
  }
  return "http"
}

/** Whether the client came over TLS (see {@link schemeOf}): what may be trusted, as for a websocket's `Origin`. */
export const isTls = (request: HttpServerRequest.HttpServerRequest): boolean => schemeOf(request) === "https"

/**
 * Whether cookies set for the request get `Secure` (`secure: "auto"`): over TLS (see {@link isTls}), or when a first
 * `x-forwarded-proto` says `https` even from a peer that is not trusted: a client that forges it only makes its own
 * cookies stricter, and an app behind a TLS proxy keeps `Secure` cookies without `ProxyHeaders`.
 */
export const isSecureCookie = (request: HttpServerRequest.HttpServerRequest): boolean =>
  isTls(request) || Origin.claimsHttps(request.headers["x-forwarded-proto"])

/**
 * Whether `origin` (an `Origin` header) is the site's own: the same scheme (TLS, or a trusted proxy's word: never a
 * header from anyone else), host (`Host`) and port (`https://host` is another origin than `http://host`). A request
 * without `Host`, or an `Origin` that is no URL (`null`), is not.
 */
export const isSameOrigin = (request: HttpServerRequest.HttpServerRequest, origin: string): boolean =>
  Origin.isSameOrigin(origin, schemeOf(request), request.headers["host"])
