/**
 * The session token's format, written once for both Effect lines: a cookie holds `<id>.<secret>` (a public id and a
 * random secret), a store keeps only the secret's SHA-256, and a session cookie may carry the token signed.
 *
 * @since 0.3.0
 */
import type { KeyObject } from "node:crypto"
import * as crypto from "node:crypto"
import * as Signing from "./Signing.js"

// 16 bytes (128 bits) are enough for an id that must not collide; it needs to be neither secret nor unguessable
const idBytes = 16
const idLength = 22
// 32 bytes (256 bits) of secret: beyond guessing online or offline, and as many as its SHA-256 keeps
const secretBytes = 32
// base64url without padding: 16 bytes are 22 characters, 32 bytes 43, and the token 22 + 1 + 43
const tokenLength = 66
// a signed token: the token, a dot and its MAC
const signedLength = tokenLength + 1 + Signing.macLength
const tokenPattern = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$/
// the session cookie's signature predates the domain convention (see `Signing`): cookies out there keep working
const signatureDomain = ""

// SHA-256 of a text's latin1 bytes, as latin1 text (32 characters): `crypto.hash`, a one-shot call several times
// cheaper than a `Hash` object for a few bytes (Node 20.12 and later; a `Buffer` result would cost twice a text
// one), or the object where it is missing
const sha256: (text: string) => string = typeof crypto.hash === "function"
  ? (text) => crypto.hash("sha256", Buffer.from(text, "latin1"), "binary")
  : (text) => crypto.createHash("sha256").update(text, "latin1").digest("binary")

// a latin1 digest's bytes, for a constant-time comparison
const bytesOf = (digest: string): Buffer => Buffer.from(digest, "latin1")

/**
 * A fresh token: a 16-byte public id and a 32-byte secret from `node:crypto`, base64url without padding, as
 * `[id, secret, token]` where the token, for the cookie, is `<id>.<secret>`.
 *
 * @since 0.3.0
 * @category constructors
 */
export const make = (): readonly [id: string, secret: string, token: string] => {
  const id = Signing.random(idBytes)
  const secret = Signing.random(secretBytes)
  return [id, secret, `${id}.${secret}`]
}

/**
 * The id and secret of a well-formed token (`<22 base64url>.<43 base64url>`), or `undefined`.
 *
 * @since 0.3.0
 * @category parsing
 */
export const parse = (token: string): readonly [id: string, secret: string] | undefined => {
  const match = token.length === tokenLength ? tokenPattern.exec(token) : null
  return match === null ? undefined : [match[1]!, match[2]!]
}

/**
 * The SHA-256 of a secret as a store keeps it (64 hex digits), so that a leaked table opens no session. The text is
 * hashed, not the bytes it decodes to, so a variant of its last character that decodes alike does not match.
 *
 * @since 0.3.0
 * @category hashing
 */
export const hashSecret = (secret: string): string => bytesOf(sha256(secret)).toString("hex")

/**
 * Whether `secret` hashes to `storedHash` (see {@link hashSecret}), compared in constant time.
 *
 * @since 0.3.0
 * @category hashing
 */
export const secretMatches = (secret: string, storedHash: string): boolean => {
  const expected = Buffer.from(storedHash, "hex")
  const given = bytesOf(sha256(secret))
  return expected.length === given.length && crypto.timingSafeEqual(expected, given)
}

/**
 * A cookie value signed: `<value>.<base64url HMAC-SHA256 of the value>`.
 *
 * @since 0.3.0
 * @category signing
 */
export const sign = (key: KeyObject, value: string): string => `${value}.${Signing.mac(key, signatureDomain, value)}`

/**
 * The value in a signed cookie value (`<value>.<43 base64url>`) whose MAC, compared in constant time, was made with
 * one of `keys` (every key tried, see `Signing.verify`); `undefined` otherwise.
 *
 * @since 0.3.0
 * @category signing
 */
export const verify = (keys: ReadonlyArray<KeyObject>, signed: string | undefined): string | undefined => {
  if (signed === undefined || signed.length <= Signing.macLength + 1) return undefined
  const dot = signed.length - Signing.macLength - 1
  if (signed.charCodeAt(dot) !== 0x2e /* . */) return undefined
  const value = signed.slice(0, dot)
  return Signing.verify(keys, signatureDomain, value, signed.slice(dot + 1)) ? value : undefined
}

/**
 * {@link verify} over `keys`, remembering the signed tokens it accepted, so that a session's later requests cost one
 * SHA-256 instead of an HMAC per key: per session id (public), the SHA-256 of the signed token last accepted, never
 * the token, compared in constant time; anything else is verified in full. At most `size` ids are kept (10,000
 * unless given; the oldest go first). Made once per list of keys: a new list (a rotated key) starts with nothing
 * remembered, so that a token only an old key signed is refused.
 *
 * @since 0.3.0
 * @category signing
 */
export const verifier = (
  keys: ReadonlyArray<KeyObject>,
  size = 10_000
): (signed: string | undefined) => string | undefined => {
  const accepted = new Map<string, Buffer>()
  return (signed) => {
    // only a signed token is remembered (an id, its secret, its MAC); other values are verified every time
    if (signed === undefined || signed.length !== signedLength) return verify(keys, signed)
    const id = signed.slice(0, idLength)
    const digest = bytesOf(sha256(signed))
    const known = accepted.get(id)
    if (known !== undefined && crypto.timingSafeEqual(known, digest)) return signed.slice(0, tokenLength)
    const value = verify(keys, signed)
    if (value !== undefined) {
      accepted.delete(id)
      accepted.set(id, digest)
      if (accepted.size > size) accepted.delete(accepted.keys().next().value!)
    }
    return value
  }
}
