import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"

/**
 * `target` with `next` set to the request's path and query. `next` is always a path on this site: an absolute-form
 * request target is cut to its path, and leading slashes are folded so `//host` cannot become a protocol-relative URL.
 */
export const withNext = (target: string, request: HttpServerRequest.HttpServerRequest): string => {
  let next = request.originalUrl
  if (!next.startsWith("/")) {
    try {
      const url = new URL(next)
      next = url.pathname + url.search
    } catch {
      next = "/"
    }
  }
  next = next.replace(/^\/{2,}/, "/")
  const hash = target.indexOf("#")
  const base = hash === -1 ? target : target.slice(0, hash)
  const fragment = hash === -1 ? "" : target.slice(hash)
  const separator = base.includes("?") ? (base.endsWith("?") || base.endsWith("&") ? "" : "&") : "?"
  return `${base}${separator}next=${encodeURIComponent(next)}${fragment}`
}
