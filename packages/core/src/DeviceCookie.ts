/**
 * The device cookie's format (OWASP's "Slow down online guessing attacks with device cookies"), written once for both
 * Effect lines: `v1.<nonce>.<expires>.<mac>`, where the nonce is 16 random bytes (base64url), `expires` the end of its
 * validity in epoch seconds, and the MAC an HMAC-SHA256 (base64url) over the normalized username, the nonce and
 * `expires`. It proves that its holder logged in as that username on this device, and nothing else: it is no session.
 *
 * @since 0.3.0
 */
import type { KeyObject } from "node:crypto"
import * as Signing from "./Signing.js"
import { normalizeUsername } from "./ThrottleKey.js"

// 128 bits: a nonce nobody guesses, and the key of the device's own budget
const nonceBytes = 16
const domain = "effect-auth/device-cookie/v1\u0000"
// 22 characters of nonce, 1 to 12 digits of seconds (up to year 33658), 43 characters of MAC
const format = /^v1\.([A-Za-z0-9_-]{22})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/

const messageOf = (username: string, nonce: string, expires: string): string =>
  `${normalizeUsername(username)}\u0000${nonce}\u0000${expires}`

/**
 * A device cookie's value for `username`, valid until `expires` (epoch milliseconds, rounded up to a second), with a
 * new random nonce unless one is given.
 *
 * @since 0.3.0
 * @category signing
 */
export const sign = (
  key: KeyObject,
  username: string,
  expires: number,
  nonce: string = Signing.random(nonceBytes)
): string => {
  const seconds = String(Math.ceil(expires / 1000))
  return `v1.${nonce}.${seconds}.${Signing.mac(key, domain, messageOf(username, nonce, seconds))}`
}

/**
 * What a presented device cookie is: valid for the username (with its nonce), or not, and why.
 *
 * @since 0.3.0
 * @category models
 */
export type Verified =
  | { readonly _tag: "Valid"; readonly nonce: string }
  | { readonly _tag: "Invalid"; readonly reason: "malformed" | "forged" | "expired" }

/**
 * Checks `value` for `username` at `now` (epoch milliseconds): its MAC compared in constant time, then its expiry. A
 * cookie of another username, another key, or altered in any way is `forged`; past its `expires`, `expired`.
 *
 * @since 0.3.0
 * @category signing
 */
export const verify = (key: KeyObject, username: string, value: string, now: number): Verified => {
  const parts = format.exec(value)
  if (parts === null) return { _tag: "Invalid", reason: "malformed" }
  const [, nonce, expires, mac] = parts as unknown as readonly [string, string, string, string]
  // compared as text (see `Signing.verify`): a MAC written another way is no MAC, so that a cookie has one spelling
  if (!Signing.verify([key], domain, messageOf(username, nonce, expires), mac)) {
    return { _tag: "Invalid", reason: "forged" }
  }
  if (Number(expires) * 1000 <= now) return { _tag: "Invalid", reason: "expired" }
  return { _tag: "Valid", nonce }
}
