import type * as Duration from "effect/Duration"
import * as Cookies from "effect/http/Cookies"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { isSecureCookie } from "./client.js"

// One cookie of ours (the session's, the CSRF nonce's, the throttle's device cookie), its attributes written once: its
// name, set and expired with the same Path, Domain, SameSite and Secure (or the browser keeps the original), and read.

/** What a cookie is, checked once by {@link make}. */
export interface Options {
  /** Who owns the cookie, for the start-up errors (`"Session"`). */
  readonly owner: string
  readonly name: string
  /**
   * Whether the cookie takes the `__Host-` prefix when it is `Secure` (a browser accepts such a cookie only from the
   * host itself, `Secure`, for `Path=/` and without `Domain`, so that no sibling site can set it); only that name is
   * read then. Over plain HTTP it keeps the plain name.
   */
  readonly hostPrefix: boolean
  /** `"auto"`: `Secure` when the request came over TLS or says so (see `isSecureCookie`). */
  readonly secure: boolean | "auto"
  readonly sameSite: "lax" | "strict" | "none"
  readonly path: string
  readonly domain?: string | undefined
  /** The cookie's `Max-Age` when set; none: a browser-session cookie. */
  readonly maxAge?: Duration.Duration | undefined
}

/** A cookie's operations, per request, with nothing left to check or allocate but the response. */
export interface CookieJar {
  /** Whether the cookie is `Secure` for this request. */
  readonly isSecure: (request: HttpServerRequest.HttpServerRequest) => boolean
  /** The cookie's name for this request (the `__Host-` one when it is `Secure` and `hostPrefix`). */
  readonly nameOf: (request: HttpServerRequest.HttpServerRequest) => string
  /** The request's value of the cookie (of its name for this request). */
  readonly read: (request: HttpServerRequest.HttpServerRequest) => string | undefined
  /** `response` with the cookie set to `value`. */
  readonly set: (
    request: HttpServerRequest.HttpServerRequest,
    response: HttpServerResponse.HttpServerResponse,
    value: string
  ) => HttpServerResponse.HttpServerResponse
  /** `response` with the cookie expired, with the attributes it was set with. */
  readonly expire: (
    request: HttpServerRequest.HttpServerRequest,
    response: HttpServerResponse.HttpServerResponse
  ) => HttpServerResponse.HttpServerResponse
}

/**
 * A cookie from options checked here, once (an invalid name, path, domain or `Max-Age`, or `sameSite: "none"` with
 * `secure: false`, throws), so that the per-request path sets it unchecked.
 */
export const make = (options: Options): CookieJar => {
  const { owner, secure } = options
  if (options.sameSite === "none" && secure === false) {
    throw new Error(`${owner}: \`sameSite: "none"\` needs \`secure\``)
  }
  const base = {
    path: options.path,
    httpOnly: true,
    sameSite: options.sameSite,
    ...(options.domain === undefined ? {} : { domain: options.domain })
  } as const
  const withMaxAge = options.maxAge === undefined ? base : { ...base, maxAge: options.maxAge }
  const names = { secure: options.hostPrefix ? `__Host-${options.name}` : options.name, plain: options.name }
  for (const name of options.hostPrefix ? [names.secure, names.plain] : [names.plain]) {
    const checked = Cookies.makeCookie(name, "", withMaxAge)
    if (checked._tag === "Failure") {
      // the reason as Effect 3 named it (`InvalidName`, `InvalidPath`, …), so that both lines throw the same message
      const reason = checked.failure.reason._tag.replace("Cookie", "")
      throw new Error(`${owner}: invalid cookie name or options (${reason})`)
    }
  }
  const setOptions = { secure: { ...withMaxAge, secure: true }, plain: { ...withMaxAge, secure: false } }
  const expireOptions = { secure: { ...base, secure: true }, plain: { ...base, secure: false } }
  const isSecure = secure === "auto" ? isSecureCookie : () => secure
  const nameOf = options.hostPrefix
    ? (request: HttpServerRequest.HttpServerRequest) => isSecure(request) ? names.secure : names.plain
    : () => names.plain
  return {
    isSecure,
    nameOf,
    read: options.hostPrefix
      ? (request) => request.cookies[nameOf(request)]
      // one name: no TLS check to read it
      : (request) => request.cookies[names.plain],
    set: (request, response, value) =>
      isSecure(request)
        ? HttpServerResponse.setCookieUnsafe(response, names.secure, value, setOptions.secure)
        : HttpServerResponse.setCookieUnsafe(response, names.plain, value, setOptions.plain),
    expire: (request, response) =>
      isSecure(request)
        ? HttpServerResponse.expireCookieUnsafe(response, names.secure, expireOptions.secure)
        : HttpServerResponse.expireCookieUnsafe(response, names.plain, expireOptions.plain)
  }
}
