/**
 * A compact JWS checked synchronously with `node:crypto`, written once for both Effect lines: the token split and
 * decoded, its header checked (`alg` pinned, `crit`), its signature checked with a key imported once.
 *
 * @since 0.3.0
 */
import { Buffer } from "node:buffer"
import type { webcrypto } from "node:crypto"
import { constants, createHmac, KeyObject, timingSafeEqual, verify } from "node:crypto"

/**
 * A token split into what its signature covers and what it says: the header decoded, the payload still encoded (it
 * is read only once the signature holds).
 *
 * @since 0.3.0
 * @category models
 */
export interface Compact {
  readonly _tag: "Compact"
  readonly header: { readonly [parameter: string]: unknown }
  /** What the signature covers: the header and the payload as written (ASCII). */
  readonly signingInput: string
  readonly payload: string
  readonly signature: Buffer
}

/**
 * Why a token is refused: a short code for the debug log, never for the client.
 *
 * @since 0.3.0
 * @category models
 */
export interface Refused {
  readonly _tag: "Refused"
  readonly reason: string
}

const refused = (reason: string): Refused => ({ _tag: "Refused", reason })

const compactJws = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/**
 * Whether a token is a compact JWS whose signature is written canonically: base64url leaves some low bits of the last
 * character unused and decoders ignore them, so without this check one token would have several spellings (4 for
 * HS256, 16 for RS256), and a denylist keyed on the token text could be walked around.
 *
 * @since 0.3.0
 * @category guards
 */
export const isCanonical = (token: string): boolean => {
  if (!compactJws.test(token)) return false
  const signature = token.slice(token.lastIndexOf(".") + 1)
  return Buffer.from(signature, "base64url").toString("base64url") === signature
}

// jose's rule: a header or a claims set is a plain JSON object (not an array, not null)
const isPlainObject = (value: unknown): value is { readonly [key: string]: unknown } =>
  typeof value === "object" && value !== null && !Array.isArray(value)

// invalid UTF-8 is refused, not replaced (a replacement character would give two texts one meaning)
const utf8 = new TextDecoder("utf-8", { fatal: true })

/**
 * Parses base64url-encoded JSON into a plain object: `undefined` when it is not one.
 *
 * @since 0.3.0
 * @category parsing
 */
export const decodeJson = (encoded: string): { readonly [key: string]: unknown } | undefined => {
  try {
    const parsed: unknown = JSON.parse(utf8.decode(Buffer.from(encoded, "base64url")))
    return isPlainObject(parsed) ? parsed : undefined
  } catch {
    return undefined
  }
}

/**
 * Splits a canonical compact JWS and decodes its header.
 *
 * @since 0.3.0
 * @category parsing
 */
export const decode = (token: string): Compact | Refused => {
  if (!isCanonical(token)) return refused("ERR_JWS_INVALID")
  const first = token.indexOf(".")
  const last = token.lastIndexOf(".")
  const header = decodeJson(token.slice(0, first))
  if (header === undefined) return refused("ERR_JWS_INVALID")
  return {
    _tag: "Compact",
    header,
    signingInput: token.slice(0, last),
    payload: token.slice(first + 1, last),
    signature: Buffer.from(token.slice(last + 1), "base64url")
  }
}

/**
 * Checks a header against the pinned algorithms: its `alg` one of them (so never `none`), and every `crit` extension
 * understood (only `b64`, and only `true`: a JWT's payload is always encoded). Answers the algorithm.
 *
 * @since 0.3.0
 * @category guards
 */
export const checkHeader = (
  header: { readonly [parameter: string]: unknown },
  algorithms: ReadonlyArray<string>
): string | Refused => {
  const { alg, crit } = header
  if (typeof alg !== "string" || alg.length === 0) return refused("ERR_JWS_INVALID")
  if (crit !== undefined) {
    if (!Array.isArray(crit) || crit.length === 0 || new Set(crit).size !== crit.length) {
      return refused("ERR_JWS_INVALID")
    }
    for (const parameter of crit) {
      if (parameter !== "b64") return refused("ERR_JOSE_NOT_SUPPORTED")
    }
    if (typeof header["b64"] !== "boolean") return refused("ERR_JWS_INVALID")
  }
  if (!algorithms.includes(alg)) return refused("ERR_JOSE_ALG_NOT_ALLOWED")
  if (header["b64"] === false && Array.isArray(crit)) return refused("ERR_JWT_INVALID")
  return alg
}

/**
 * Checks one signature over its input: `true` only for a genuine one.
 *
 * @since 0.3.0
 * @category models
 */
export type Verifier = (signingInput: string, signature: Buffer) => boolean

const hashOf = (alg: string): string => `sha${alg.slice(-3)}`

// RFC 7518 §3.4: an ECDSA signature is R and S, each as long as the curve's order, one after the other
const ecdsa: { readonly [alg: string]: { readonly curve: string; readonly bytes: number } } = {
  ES256: { curve: "prime256v1", bytes: 64 },
  ES384: { curve: "secp384r1", bytes: 96 },
  ES512: { curve: "secp521r1", bytes: 132 }
}
const webCurves: { readonly [curve: string]: string } = { "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" }

// RFC 7518 §3.3 and §3.5: an RSA key of 2048 bits or more (jose refuses shorter ones; so do we)
const minRsaBits = 2048

/** The WebCrypto description a CryptoKey must have for an algorithm (jose's rule: a CryptoKey is bound to it). */
const fitsCryptoKey = (alg: string, key: webcrypto.CryptoKey): boolean => {
  const algorithm = key.algorithm as {
    readonly name: string
    readonly hash?: { readonly name?: string }
    readonly namedCurve?: string
  }
  if (!key.usages.includes("verify")) return false
  const hash = `SHA-${alg.slice(-3)}`
  switch (alg.slice(0, 2)) {
    case "HS":
      return algorithm.name === "HMAC" && algorithm.hash?.name === hash
    case "RS":
      return algorithm.name === "RSASSA-PKCS1-v1_5" && algorithm.hash?.name === hash
    case "PS":
      return algorithm.name === "RSA-PSS" && algorithm.hash?.name === hash
    case "ES":
      return algorithm.name === "ECDSA" && webCurves[algorithm.namedCurve ?? ""] === alg
    default:
      return (alg === "EdDSA" || alg === "Ed25519") && algorithm.name === "Ed25519"
  }
}

/** Whether a KeyObject is of the kind an algorithm signs with (the type, the curve, the RSA modulus). */
const fitsKeyObject = (alg: string, key: KeyObject): boolean => {
  if (alg.startsWith("HS")) return key.type === "secret"
  if (key.type !== "public") return false
  const kind = key.asymmetricKeyType
  const details = key.asymmetricKeyDetails
  switch (alg.slice(0, 2)) {
    case "RS":
    case "PS":
      return (kind === "rsa" || (kind === "rsa-pss" && alg.startsWith("PS"))) &&
        (details?.modulusLength ?? 0) >= minRsaBits
    case "ES":
      return kind === "ec" && details?.namedCurve === ecdsa[alg]?.curve
    default:
      return (alg === "EdDSA" || alg === "Ed25519") && kind === "ed25519"
  }
}

/** The signature check of one algorithm with a key of the right kind. */
const verifierOf = (alg: string, key: KeyObject): Verifier => {
  const hash = hashOf(alg)
  switch (alg.slice(0, 2)) {
    case "HS":
      return (input, signature) => {
        const mac = createHmac(hash, key).update(input).digest()
        // the length is public (the algorithm's); the bytes are compared in constant time
        return mac.length === signature.length && timingSafeEqual(mac, signature)
      }
    case "RS":
      return (input, signature) => verify(hash, Buffer.from(input), key, signature)
    case "PS": {
      const options = { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(-3)) / 8 }
      return (input, signature) => verify(hash, Buffer.from(input), options, signature)
    }
    case "ES": {
      const options = { key, dsaEncoding: "ieee-p1363" as const }
      const bytes = ecdsa[alg]!.bytes
      return (input, signature) => signature.length === bytes && verify(hash, Buffer.from(input), options, signature)
    }
    default:
      return (input, signature) => verify(null, Buffer.from(input), key, signature)
  }
}

/**
 * The algorithms `node:crypto` checks here; others (`ML-DSA-*`) are left to the caller's fallback.
 *
 * @since 0.3.0
 * @category models
 */
export const supported: ReadonlySet<string> = new Set([
  "HS256",
  "HS384",
  "HS512",
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519"
])

/**
 * Imports a key once for one algorithm: its signature check, `Refused` when the key cannot sign in that algorithm
 * (a public key for HS256, a P-256 key for ES384, an RSA key under 2048 bits: every token in it is then refused), or
 * `undefined` when `node:crypto` cannot take it here (the caller falls back). A failed check of a malformed
 * signature is `false`, never an exception.
 *
 * @since 0.3.0
 * @category constructors
 */
export const importKey = (
  alg: string,
  key: KeyObject | webcrypto.CryptoKey
): Verifier | Refused | undefined => {
  if (!supported.has(alg)) return undefined
  let keyObject: KeyObject
  if (key instanceof KeyObject) {
    keyObject = key
  } else {
    if (!fitsCryptoKey(alg, key)) return refused("ERR_INVALID_KEY")
    try {
      keyObject = KeyObject.from(key)
    } catch {
      return undefined
    }
  }
  if (!fitsKeyObject(alg, keyObject)) return refused("ERR_INVALID_KEY")
  const check = verifierOf(alg, keyObject)
  return (input, signature) => {
    try {
      return check(input, signature)
    } catch {
      return false
    }
  }
}
