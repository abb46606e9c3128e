/**
 * HMAC-SHA256 signing for cookies and tokens, written once for both Effect lines: the rule a secret must meet, its key,
 * a MAC and its constant-time check, and random base64url values.
 *
 * Domain separation: a format's MAC input starts with a domain naming what it is for, `"effect-auth/<purpose>\u0000"`
 * (`"effect-auth/csrf\u0000"`), so that no MAC made under a key for one format is accepted by another that shares
 * the key. The session cookie's signature predates the convention and keeps the empty domain, so that the cookies
 * already out there stay valid.
 *
 * @since 0.3.0
 */
import type { KeyObject } from "node:crypto"
import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from "node:crypto"

/**
 * The fewest bytes a secret may have: HMAC-SHA256's own output length, since a shorter key is easier to guess than
 * the MAC it makes (RFC 2104 §3).
 *
 * @since 0.3.0
 * @category keys
 */
export const minSecretBytes = 32

/**
 * How long a MAC is: 32 bytes of HMAC-SHA256 are 43 base64url characters, without padding.
 *
 * @since 0.3.0
 * @category models
 */
export const macLength = 43

const macPattern = /^[A-Za-z0-9_-]{43}$/

/**
 * The key of a secret (its UTF-8 bytes), refused when shorter than {@link minSecretBytes}: `what` names it in the
 * error, which says how long it is and how to make a good one (thrown at start-up, never per request).
 *
 * @example
 * ```ts
 * import { secretKey } from "@effect-auth/core/Signing"
 *
 * const key = secretKey(process.env["SESSION_SECRET"] ?? "", "Session: a `secret` key")
 * ```
 *
 * @since 0.3.0
 * @category keys
 */
export const secretKey = (secret: string, what: string): KeyObject => {
  const bytes = Buffer.from(secret, "utf8")
  if (bytes.length < minSecretBytes) {
    throw new Error(
      `${what} has ${bytes.length} bytes; it needs ${minSecretBytes} or more (HMAC-SHA256's output length), or ` +
        `its MACs can be guessed. Use e.g. \`openssl rand -base64 48\`.`
    )
  }
  return createSecretKey(bytes)
}

/**
 * A new random key of {@link minSecretBytes} bytes, for a process that makes and checks its own MACs.
 *
 * @since 0.3.0
 * @category keys
 */
export const randomKey = (): KeyObject => createSecretKey(randomBytes(minSecretBytes))

/**
 * `bytes` random bytes from `node:crypto`, base64url without padding: nonces, ids and secrets.
 *
 * @since 0.3.0
 * @category random
 */
export const random = (bytes: number): string => randomBytes(bytes).toString("base64url")

/**
 * The base64url HMAC-SHA256 (43 characters) of `domain` then `message`, both UTF-8.
 *
 * @since 0.3.0
 * @category signing
 */
export const mac = (key: KeyObject, domain: string, message: string): string =>
  createHmac("sha256", key).update(domain + message, "utf8").digest("base64url")

/**
 * Whether two strings of ASCII characters are equal, compared in constant time: the time taken depends on their
 * contents, never on where they differ (their lengths are public: strings of different lengths are unequal at once).
 *
 * @since 0.3.0
 * @category signing
 */
export const equals = (a: string, b: string): boolean =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, "latin1"), Buffer.from(b, "latin1"))

/**
 * Whether `given` is the MAC of `domain` and `message` under one of `keys`. Every key is tried, so the time taken does
 * not say which one matched, and each comparison is in constant time. The canonical base64url text is compared (not
 * the bytes it decodes to), so a variant of the last character whose unused low bits a decoder would ignore is no
 * MAC: a signed value has one spelling.
 *
 * @since 0.3.0
 * @category signing
 */
export const verify = (
  keys: ReadonlyArray<KeyObject>,
  domain: string,
  message: string,
  given: string
): boolean => {
  if (!macPattern.test(given)) return false
  const givenBytes = Buffer.from(given, "latin1")
  let valid = false
  for (const key of keys) {
    if (timingSafeEqual(givenBytes, Buffer.from(mac(key, domain, message), "latin1"))) valid = true
  }
  return valid
}
