/**
 * Where a state-changing request comes from, written once for the CSRF checks of both Effect lines: what the browser
 * says (`Sec-Fetch-Site`) first, else the page's `Origin`, else nothing a page could have sent.
 *
 * @since 0.3.0
 */

/**
 * Why a state-changing request is refused for where it comes from, for logs (the `Sec-Fetch-Site` or `Origin` header
 * as sent), or `undefined` when it may go on to the token check. An `Origin` among `origins` (lower-cased) passes;
 * else `Sec-Fetch-Site` decides (`same-origin`, or `none` for what the user typed); else an `Origin` must be the
 * site's own (`isSameOrigin`, given it lower-cased); a request without either (curl, a server) passes: the token
 * decides.
 *
 * @since 0.3.0
 * @category checks
 */
export const refusal = (
  origin: string | undefined,
  site: string | undefined,
  origins: ReadonlySet<string>,
  isSameOrigin: (origin: string) => boolean
): string | undefined => {
  if (origin !== undefined && origins.has(origin.toLowerCase())) return undefined
  if (site !== undefined) {
    // a browser that says where a request comes from cannot be made to lie by a page
    return site === "same-origin" || site === "none" ? undefined : `Sec-Fetch-Site: ${site}`
  }
  // no browser page sent it (curl, a server), or a browser too old to say: the token decides
  if (origin === undefined) return undefined
  // scheme, host and port, as the browser would compare them
  return isSameOrigin(origin.toLowerCase()) ? undefined : `Origin: ${origin}`
}
