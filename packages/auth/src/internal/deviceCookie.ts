// The device cookie's format (OWASP's "Slow down online guessing attacks with device cookies"), in plain TypeScript
// (no `effect`): `v1.<nonce>.<expires>.<mac>`, where the nonce is 16 random bytes (base64url), `expires` the end of
// its validity in epoch seconds, and the MAC an HMAC-SHA256 (base64url) over the normalized username, the nonce and
// `expires`. It proves that its holder logged in as that username on this device, and nothing else: it is no session.
import type { KeyObject } from "node:crypto"
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import { normalizeUsername } from "@effect-auth/core/ThrottleKey"

// 128 bits: a nonce nobody guesses, and the key of the device's own budget
const nonceBytes = 16
// the MAC's input starts with what it is for, so that no other HMAC under the same key can be replayed as one
const domain = "effect-auth/device-cookie/v1\u0000"
// 22 characters of nonce, 1 to 12 digits of seconds (up to year 33658), 43 characters of MAC
const format = /^v1\.([A-Za-z0-9_-]{22})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/

const macOf = (key: KeyObject, username: string, nonce: string, expires: string): string =>
  createHmac("sha256", key).update(`${domain}${normalizeUsername(username)}\u0000${nonce}\u0000${expires}`, "utf8")
    .digest("base64url")

/** A device cookie's value for `username`, valid until `expires` (epoch milliseconds, rounded up to a second). */
export const sign = (
  key: KeyObject,
  username: string,
  expires: number,
  nonce: string = randomBytes(nonceBytes).toString("base64url")
): string => {
  const seconds = String(Math.ceil(expires / 1000))
  return `v1.${nonce}.${seconds}.${macOf(key, username, nonce, seconds)}`
}

/** What a presented device cookie is: valid for the username (with its nonce), or not, and why. */
export type Verified =
  | { readonly _tag: "Valid"; readonly nonce: string }
  | { readonly _tag: "Invalid"; readonly reason: "malformed" | "forged" | "expired" }

/**
 * Checks `value` for `username` at `now` (epoch milliseconds): its MAC compared in constant time, then its expiry. A
 * cookie of another username, another key, or altered in any way is `forged`; past its `expires`, `expired`.
 */
export const verify = (key: KeyObject, username: string, value: string, now: number): Verified => {
  const parts = format.exec(value)
  if (parts === null) return { _tag: "Invalid", reason: "malformed" }
  const [, nonce, expires, mac] = parts as unknown as readonly [string, string, string, string]
  // compared as text, 43 ASCII characters both: a MAC written another way (the last character's spare bits) is
  // no MAC, so that a cookie has one spelling
  if (!timingSafeEqual(Buffer.from(mac, "latin1"), Buffer.from(macOf(key, username, nonce, expires), "latin1"))) {
    return { _tag: "Invalid", reason: "forged" }
  }
  if (Number(expires) * 1000 <= now) return { _tag: "Invalid", reason: "expired" }
  return { _tag: "Valid", nonce }
}
