/**
 * Whose page a request comes from, written once for both Effect lines: the site's own origin (scheme, `Host`, port),
 * an `Origin` compared with it, and the allow-list a backend puts on the websockets that carry its credentials.
 *
 * @since 0.3.0
 */
import type { Proto } from "./Forwarded.js"

/**
 * The site's own origin, as a browser writes it in `Origin`: the client's scheme, the `Host` header, the scheme's
 * default port left out. `undefined` without a `Host`, or with one that is no host.
 *
 * @since 0.3.0
 * @category origins
 */
export const siteOrigin = (scheme: Proto, host: string | undefined): string | undefined => {
  if (host === undefined) return undefined
  try {
    return new URL(`${scheme}://${host}`).origin
  } catch {
    return undefined
  }
}

/**
 * Whether `origin` (an `Origin` header) is the site's own: the same scheme, host and port (`https://host` is another
 * origin than `http://host`). A request without `Host`, or an `Origin` that is no URL (`null`), is not.
 *
 * @since 0.3.0
 * @category origins
 */
export const isSameOrigin = (origin: string, scheme: Proto, host: string | undefined): boolean => {
  const own = siteOrigin(scheme, host)
  if (own === undefined) return false
  try {
    return new URL(origin).origin === own
  } catch {
    return false
  }
}

/**
 * Whether an `X-Forwarded-Proto` header's first value says `https` (what a cookie's `secure: "auto"` follows: a
 * client that forges it only makes its own cookies stricter).
 *
 * @since 0.3.0
 * @category origins
 */
export const claimsHttps = (header: string | undefined): boolean => {
  if (header === undefined) return false
  const comma = header.indexOf(",")
  return (comma === -1 ? header : header.slice(0, comma)).trim().toLowerCase() === "https"
}

/**
 * The origins allowed to open websockets with a backend's credentials: the site's own (`sameOrigin`), and a list
 * (lower-cased), worked out once.
 *
 * @since 0.3.0
 * @category models
 */
export interface Check {
  readonly sameOrigin: boolean
  readonly origins: ReadonlySet<string>
}

/**
 * The {@link Check} of a backend's `websocketOrigins` option: `"same-origin"`, or a list of origins.
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeCheck = (origins: "same-origin" | ReadonlyArray<string>): Check =>
  origins === "same-origin"
    ? { sameOrigin: true, origins: new Set() }
    : { sameOrigin: false, origins: new Set(origins.map((origin) => origin.toLowerCase())) }

/**
 * The check of several backends tried in turn (`firstOf`): a websocket may carry any one's credentials, so it is
 * restricted if any backend restricts it, to what any of them allows; `undefined` when none restricts.
 *
 * @since 0.3.0
 * @category combinators
 */
export const mergeChecks = (checks: ReadonlyArray<Check | undefined>): Check | undefined => {
  const given = checks.filter((check): check is Check => check !== undefined)
  return given.length === 0 ? undefined : {
    sameOrigin: given.some((check) => check.sameOrigin),
    origins: new Set(given.flatMap((check) => Array.from(check.origins)))
  }
}

/**
 * Whether a request is a websocket handshake from a page whose `Origin` `check` does not allow: a handshake without
 * `Origin` comes from no browser page and is not refused; `isSameOrigin` is asked only when the list does not decide.
 *
 * @since 0.3.0
 * @category origins
 */
export const isForeignWebSocket = (
  upgrade: string | undefined,
  origin: string | undefined,
  check: Check,
  isSameOrigin: (origin: string) => boolean
): boolean => {
  if (upgrade === undefined || upgrade.toLowerCase() !== "websocket") return false
  if (origin === undefined) return false
  const normalized = origin.toLowerCase()
  if (check.origins.has(normalized)) return false
  return !(check.sameOrigin && isSameOrigin(normalized))
}
