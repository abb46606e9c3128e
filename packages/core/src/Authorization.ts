/**
 * The credentials a request presents, read strictly: the `Authorization` header's Basic and Bearer schemes, and an
 * API key's raw value, written once for both Effect lines. Each reader answers `undefined` when the request does not
 * present its credential (another backend may want it), the credential when it is well-formed, and a shared
 * {@link Malformed} (or {@link Empty}) otherwise; each line wraps the secret into its `Redacted` and the refusal into
 * its typed error.
 *
 * @since 0.3.0
 */
import { Buffer, isUtf8 } from "node:buffer"

/**
 * The answer for a credential that is there but not well-formed: one value, shared by every such request, that no
 * credential can be (`parsed === malformed` tells it apart).
 *
 * @since 0.3.0
 * @category models
 */
export const malformed: unique symbol = Symbol.for("@effect-auth/core/Authorization/malformed")

/**
 * @since 0.3.0
 * @category models
 */
export type Malformed = typeof malformed

/**
 * The answer for an API key that is there but empty: one value, shared by every such request.
 *
 * @since 0.3.0
 * @category models
 */
export const empty: unique symbol = Symbol.for("@effect-auth/core/Authorization/empty")

/**
 * @since 0.3.0
 * @category models
 */
export type Empty = typeof empty

/**
 * What follows `scheme` (lower-case) in an `Authorization` header value, trimmed (`""` when nothing does), or
 * `undefined` when there is no header or it names another scheme (matched case-insensitively): then another backend
 * may want it.
 *
 * @since 0.3.0
 * @category parsing
 */
export const credentialsFor = (scheme: string, authorization: string | undefined): string | undefined => {
  if (authorization === undefined) return undefined
  const value = authorization.trim()
  // the scheme ends at the first space or tab
  let end = 0
  while (end < value.length && value.charCodeAt(end) !== 32 && value.charCodeAt(end) !== 9) end++
  if (end !== scheme.length || value.slice(0, end).toLowerCase() !== scheme) return undefined
  return end === value.length ? "" : value.slice(end).trim()
}

// RFC 7617 §2: neither the user-id nor the password may contain control characters (CTL: U+0000–U+001F, U+007F)
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const control = /[\u0000-\u001f\u007f]/
// strict base64: the alphabet, and padding only where it belongs
const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

// the decoded text, or `undefined` when it is not UTF-8 or holds a control character. The usual pair is ASCII:
// `atob`'s one byte per character is then the text already, checked in the same pass; other bytes are decoded as
// UTF-8 by Buffer, which refuses what is not
const decode = (token: string): string | undefined => {
  const binary = atob(token)
  for (let i = 0; i < binary.length; i++) {
    const code = binary.charCodeAt(i)
    if (code >= 0x80) {
      const bytes = Buffer.from(binary, "latin1")
      if (!isUtf8(bytes)) return undefined
      const text = bytes.toString("utf8")
      return control.test(text) ? undefined : text
    }
    if (code < 0x20 || code === 0x7f) return undefined
  }
  return binary
}

/**
 * Reads a Basic `Authorization` header value (RFC 7617): `undefined` when there is none or it names another scheme;
 * `make(username, password)` for a well-formed one; {@link malformed} otherwise. The scheme matches
 * case-insensitively; the base64 must be strict (alphabet and padding); the decoded bytes must be UTF-8 without
 * control characters and hold a `:`, where the username ends (the password may hold more `:`). `make` builds the
 * caller's own shape (its password `Redacted`), so that a request allocates one credential, not two.
 *
 * @since 0.3.0
 * @category parsing
 */
export const basic = <A>(
  authorization: string | undefined,
  make: (username: string, password: string) => A
): A | Malformed | undefined => {
  const token = credentialsFor("basic", authorization)
  if (token === undefined) return undefined
  if (token.length === 0 || !base64.test(token)) return malformed
  // the alphabet and padding are checked above, so the platform's lenient decoders see only strict base64
  const decoded = decode(token)
  if (decoded === undefined) return malformed
  const colon = decoded.indexOf(":")
  if (colon === -1) return malformed
  return make(decoded.slice(0, colon), decoded.slice(colon + 1))
}

// RFC 6750 §2.1's b64token
const b64token = /^[A-Za-z0-9\-._~+/]+=*$/

/**
 * Reads a Bearer `Authorization` header value (RFC 6750): `undefined` when there is none or it names another scheme;
 * the token when it is a `b64token` (`[A-Za-z0-9-._~+/]+=*`); {@link malformed} otherwise. The scheme matches
 * case-insensitively.
 *
 * @since 0.3.0
 * @category parsing
 */
export const bearer = (authorization: string | undefined): string | Malformed | undefined => {
  const token = credentialsFor("bearer", authorization)
  if (token === undefined) return undefined
  return b64token.test(token) ? token : malformed
}

// visible ASCII, no spaces: what generated keys are made of. A repeated header arrives joined with ", ", so it fails
// here too
const visible = /^[\x21-\x7e]+$/

/**
 * Reads an API key's raw value(s), a header's, a cookie's or a query parameter's: `undefined` when it is absent;
 * the key when it is one key of visible ASCII characters; {@link empty} for an empty key; {@link malformed} for one
 * with other characters (spaces, controls, non-ASCII) or for a query parameter given more than once.
 *
 * @since 0.3.0
 * @category parsing
 */
export const apiKey = (
  value: string | ReadonlyArray<string> | undefined
): string | Malformed | Empty | undefined => {
  if (value === undefined) return undefined
  if (typeof value !== "string") {
    if (value.length === 0) return undefined
    if (value.length > 1) return malformed
    return apiKey(value[0]!)
  }
  if (value.length === 0) return empty
  return visible.test(value) ? value : malformed
}
