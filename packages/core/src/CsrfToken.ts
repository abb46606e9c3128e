/**
 * The CSRF token's format, written once for both Effect lines: `<nonce>.<HMAC>` of a random nonce kept in a cookie
 * and, when the request carries one, of its session cookie's value (the signed double-submit pattern).
 *
 * @since 0.3.0
 */
import type { KeyObject } from "node:crypto"
import * as Signing from "./Signing.js"

// 32 random bytes: beyond guessing, as many as the HMAC that covers them; 43 base64url characters
const nonceBytes = 32
const noncePattern = /^[A-Za-z0-9_-]{43}$/
// `<nonce>.<mac>`: 43 base64url characters each
const tokenLength = 87
const tokenPattern = /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/
const domain = "effect-auth/csrf\u0000"
// what follows the nonce when the token is bound to a session: the nonce has a fixed length and no NUL, so an
// anonymous message (which ends with the nonce) is never the prefix-free encoding of a bound one, and back
const sessionTag = "\u0000session\u0000"

/**
 * A new nonce for the cookie: 32 random bytes from `node:crypto`, base64url (43 characters).
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeNonce = (): string => Signing.random(nonceBytes)

/**
 * Whether a cookie value is a nonce {@link makeNonce} made (43 base64url characters).
 *
 * @since 0.3.0
 * @category guards
 */
export const isNonce = (value: string): boolean => noncePattern.test(value)

// the nonce is base64url (a cookie's, checked by `isNonce`, or a new one): its UTF-8 is its Latin-1, as before
const mac = (key: KeyObject, nonce: string, session: string | undefined): string =>
  Signing.mac(key, domain, session === undefined ? nonce : nonce + sessionTag + session)

/**
 * The token for a nonce (a cookie's, see {@link isNonce}) and the session the request carries (the session cookie's
 * value, `undefined` for none): `<nonce>.<base64url HMAC-SHA256(key, domain ‖ nonce ‖ session)>`.
 *
 * @since 0.3.0
 * @category signing
 */
export const sign = (key: KeyObject, nonce: string, session: string | undefined): string =>
  `${nonce}.${mac(key, nonce, session)}`

/**
 * What a token sent back is worth against the request's nonce and session: `"valid"`; `"mismatch"` for a malformed
 * token or one of another nonce (another cookie's, an attacker's own); `"other session"` for one of this nonce whose
 * MAC is not this session's (minted before a login, for another session, or anonymous). Both parts are compared in
 * constant time, and the MAC is computed whatever the nonce, so that the time taken tells neither.
 *
 * @since 0.3.0
 * @category signing
 */
export const verify = (
  key: KeyObject,
  token: string,
  nonce: string,
  session: string | undefined
): "valid" | "mismatch" | "other session" => {
  const expected = sign(key, nonce, session)
  // 87 ASCII characters both, or no match at all
  if (token.length !== tokenLength || !tokenPattern.test(token)) return "mismatch"
  const sameNonce = Signing.equals(token.slice(0, 43), expected.slice(0, 43))
  const sameMac = Signing.equals(token.slice(44), expected.slice(44))
  return !sameNonce ? "mismatch" : sameMac ? "valid" : "other session"
}

/**
 * How many cookies named `name` a `Cookie` header holds, its pairs read as `@effect/platform`'s `Cookies.parseHeader`
 * reads them (split at `;`, the name trimmed, up to the first `=`): that parser keeps the first of two, and a second
 * one is what a sibling site that tossed its own cookie in adds. Counts to 2 at most.
 *
 * @since 0.3.0
 * @category parsing
 */
export const countCookies = (header: string | undefined, name: string): 0 | 1 | 2 => {
  if (header === undefined || !header.includes(name)) return 0
  let count: 0 | 1 | 2 = 0
  let start = 0
  while (start <= header.length) {
    let end = header.indexOf(";", start)
    if (end === -1) end = header.length
    const equals = header.indexOf("=", start)
    if (equals !== -1 && equals < end && header.slice(start, equals).trim() === name) {
      if (count === 1) return 2
      count = 1
    }
    start = end + 1
  }
  return count
}
