/**
 * Where to send a user back to: a `next` that always stays on this site, and a login URL carrying one, written once
 * for both Effect lines.
 *
 * @since 0.3.0
 */

// what the WHATWG URL parser ignores: every tab and newline, anywhere, and leading C0 controls and spaces. Removed
// first, so that the checks below see what a browser will read.
const ignoredAnywhere = /[\t\n\r]/g
// eslint-disable-next-line no-control-regex -- control characters are what this is about
const ignoredLeading = /^[\x00-\x20]+/
// a browser reads `//`, `/\`, `\/` or `\\` at the start of a URL as the start of a host (a backslash is a slash in
// http and https): the whole leading run is folded into one `/`
const leadingSlashes = /^[/\\]+/
const startsWithSlash = /^[/\\]/
// `encodeURIComponent` throws on a lone surrogate: make it the replacement character a UTF-8 decoder would give
const loneSurrogate = /\p{Cs}/gu
// what a `Location` header may not hold as it is (Node refuses anything but Latin-1, a browser reads the bytes as
// UTF-8): spaces, controls and every non-ASCII character, percent-encoded as UTF-8 as `encodeURI` does; and a `%`
// that starts no escape, so that the result is a URL and encoding it again changes nothing
const unsafe = /[^\x21-\x7e]|%(?![0-9A-Fa-f]{2})/gu

/**
 * A path on this site for `path`, for a `next` parameter or a redirect back: always one `/` and then anything but
 * another `/` or `\`, so that resolved against any page of this site it stays on this site. Tabs and newlines are
 * dropped (a browser ignores them), leading slashes and backslashes folded, and an absolute URL (an absolute-form
 * request target, or a `next` a client made up) is cut to its path and query; anything else that is no path is `/`.
 * Spaces, controls and non-ASCII characters are percent-encoded (UTF-8), so that the result is always a valid header
 * value (`/é` becomes `/%C3%A9`); escapes already there are kept. A `next` read back from a request (a login form's)
 * must go through this again before it is used.
 *
 * @since 0.3.0
 * @category redirects
 */
export const safeNext = (path: string): string => {
  let next = path.replace(ignoredAnywhere, "").replace(ignoredLeading, "")
  if (!startsWithSlash.test(next)) {
    try {
      const url = new URL(next)
      // a non-special scheme (`a:b`, `a:\\host`) keeps its path as is: folded and prefixed below like any other
      next = url.pathname + url.search
    } catch {
      return "/"
    }
  }
  return `/${next.replace(leadingSlashes, "")}`.replace(loneSurrogate, "\uFFFD").replace(
    unsafe,
    (character) => encodeURIComponent(character)
  )
}

/**
 * `target` with `next` set to the request's path and query (`originalUrl`, the request target as received), made
 * safe by {@link safeNext}: always a path on this site, whatever the request target held (`//host`, `/\host`, tabs,
 * an absolute URL).
 *
 * @since 0.3.0
 * @category redirects
 */
export const withNext = (target: string, originalUrl: string): string => {
  const next = safeNext(originalUrl)
  const hash = target.indexOf("#")
  const base = hash === -1 ? target : target.slice(0, hash)
  const fragment = hash === -1 ? "" : target.slice(hash)
  const separator = base.includes("?") ? (base.endsWith("?") || base.endsWith("&") ? "" : "&") : "?"
  return `${base}${separator}next=${encodeURIComponent(next)}${fragment}`
}
