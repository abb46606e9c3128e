import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import { hasProperty } from "effect/Predicate"

const forwardedHttps = (header: string | undefined): boolean => {
  if (header === undefined) return false
  const comma = header.indexOf(",")
  return (comma === -1 ? header : header.slice(0, comma)).trim().toLowerCase() === "https"
}

/**
 * Whether the request came over TLS: a Node TLS socket, a web `Request` for an `https:` URL, or a first
 * `x-forwarded-proto` of `https` (trusted as it comes: a client that forges it only makes its own cookies stricter).
 */
export const isTls = (request: HttpServerRequest.HttpServerRequest): boolean => {
  if (forwardedHttps(request.headers["x-forwarded-proto"])) return true
  const source = request.source
  // Node's IncomingMessage over a TLSSocket
  if (hasProperty(source, "socket") && hasProperty(source.socket, "encrypted")) return source.socket.encrypted === true
  // a web Request (Bun, Deno, workers)
  if (typeof Request !== "undefined" && source instanceof Request) return source.url.startsWith("https:")
  return false
}
