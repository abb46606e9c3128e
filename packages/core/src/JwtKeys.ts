/**
 * The key rules of a JWT backend, written once for both Effect lines: the algorithm families (a key's family is
 * pinned, never `none`), the HMAC secret's minimum length (RFC 7518 §3.2), the options checked at start-up, and the
 * check of a key in each pinned algorithm, made once. A wrong option throws a `TypeError`, at start-up.
 *
 * @since 0.3.0
 */
import { Buffer } from "node:buffer"
import { KeyObject } from "node:crypto"
import * as JwtVerify from "./JwtVerify.js"

const hmac = ["HS256", "HS384", "HS512"] as const

const asymmetric = [
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
  "Ed25519",
  "ML-DSA-44",
  "ML-DSA-65",
  "ML-DSA-87"
] as const

/**
 * The MAC algorithms: the key is a shared secret.
 *
 * @since 0.3.0
 * @category models
 */
export type HmacAlgorithm = typeof hmac[number]

/**
 * The signature algorithms: the key is a public key (or a key set of them). `ML-DSA-*` need a runtime that has them.
 *
 * @since 0.3.0
 * @category models
 */
export type AsymmetricAlgorithm = typeof asymmetric[number]

/**
 * The MAC algorithms.
 *
 * @since 0.3.0
 * @category models
 */
export const hmacAlgorithms: ReadonlySet<string> = new Set<HmacAlgorithm>(hmac)

/**
 * The signature algorithms.
 *
 * @since 0.3.0
 * @category models
 */
export const asymmetricAlgorithms: ReadonlySet<string> = new Set<AsymmetricAlgorithm>(asymmetric)

/**
 * Checks the pinned algorithms: at least one, all of `family` (`what` names the key in the message).
 *
 * @since 0.3.0
 * @category checks
 */
export const checkAlgorithms = (algorithms: ReadonlyArray<string>, family: ReadonlySet<string>, what: string): void => {
  // options come typed, but also from config files and JavaScript: a wrong one is a bug to report at start-up
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new TypeError("Jwt: `algorithms` must list at least one algorithm")
  }
  for (const algorithm of algorithms) {
    if (!family.has(algorithm)) throw new TypeError(`Jwt: algorithm ${String(algorithm)} cannot be used with ${what}`)
  }
}

/**
 * Whether a key (unwrapped from any `Redacted`) is a shared secret: bytes, a secret `KeyObject` or `CryptoKey`, or
 * an `oct` JWK.
 *
 * @since 0.3.0
 * @category checks
 */
export const isSecret = (key: unknown): boolean =>
  key instanceof Uint8Array ||
  (typeof key === "object" && key !== null && (
    (key as { readonly type?: unknown }).type === "secret" || (key as { readonly kty?: unknown }).kty === "oct"
  ))

// base64url without padding: 4 characters for 3 bytes
const base64urlBytes = (text: string): number => Math.floor(text.replace(/=+$/, "").length * 3 / 4)

/**
 * A secret's length in bytes: a string's UTF-8 bytes, bytes, an `oct` JWK's decoded `k`, a `KeyObject`'s
 * `symmetricKeySize`, an HMAC `CryptoKey`'s `algorithm.length`; `undefined` when the key does not tell.
 *
 * @since 0.3.0
 * @category checks
 */
export const secretBytes = (key: unknown): number | undefined => {
  if (typeof key === "string") return Buffer.byteLength(key, "utf8")
  if (key instanceof Uint8Array) return key.byteLength
  if (typeof key !== "object" || key === null) return undefined
  const { algorithm, k, kty, symmetricKeySize } = key as {
    readonly algorithm?: { readonly length?: unknown } | undefined
    readonly k?: unknown
    readonly kty?: unknown
    readonly symmetricKeySize?: unknown
  }
  if (kty === "oct") return typeof k === "string" ? base64urlBytes(k) : 0
  if (typeof symmetricKeySize === "number") return symmetricKeySize // a KeyObject
  if (typeof algorithm?.length === "number") return Math.floor(algorithm.length / 8) // an HMAC CryptoKey, in bits
  return undefined
}

// RFC 7518 §3.2: an HMAC key MUST be at least as long as the hash's output. A shorter secret is the usual weak
// point of HS* tokens: one token is enough to brute-force it offline, and then to sign any claims.
const minSecretBytes: Readonly<Record<HmacAlgorithm, number>> = { HS256: 32, HS384: 48, HS512: 64 }

/**
 * Checks a secret of `bytes` bytes against every pinned HMAC algorithm (nothing to check when `undefined`).
 *
 * @since 0.3.0
 * @category checks
 */
export const checkSecretLength = (bytes: number | undefined, algorithms: ReadonlyArray<string>): void => {
  if (bytes === undefined) return
  for (const algorithm of algorithms) {
    const min = minSecretBytes[algorithm as HmacAlgorithm]
    if (bytes < min) {
      throw new TypeError(
        `Jwt: a secret for ${algorithm} must be at least ${min} bytes, not ${bytes}: RFC 7518 §3.2 requires a key ` +
          `at least as long as the hash's output, and a shorter one can be brute-forced from a single token ` +
          `(use ${min} random bytes or more)`
      )
    }
  }
}

/**
 * Checks the numeric options every backend takes, whatever its key.
 *
 * @since 0.3.0
 * @category checks
 */
export const checkNumbers = (options: {
  readonly clockTolerance?: number | undefined
  readonly cacheSize?: number | undefined
}): void => {
  const tolerance = options.clockTolerance
  if (tolerance !== undefined && !(Number.isFinite(tolerance) && tolerance >= 0)) {
    throw new TypeError("Jwt: `clockTolerance` must be a number of seconds, 0 or more")
  }
  const cacheSize = options.cacheSize
  if (cacheSize !== undefined && !(Number.isSafeInteger(cacheSize) && cacheSize >= 0)) {
    throw new TypeError("Jwt: `cacheSize` must be an integer, 0 or more")
  }
}

/**
 * Reads a JWKS URL: an absolute URL.
 *
 * @since 0.3.0
 * @category checks
 */
export const jwksUrl = (url: string): URL => {
  try {
    return new URL(url)
  } catch {
    throw new TypeError("Jwt: `jwksUrl` must be an absolute URL")
  }
}

/**
 * How a token's signature is checked in one algorithm with one key: synchronously with `node:crypto` (the key
 * imported once), never (the key cannot sign in that algorithm), or by the caller's fallback (jose: a JWK, or an
 * algorithm `node:crypto` lacks here), with the key as given.
 *
 * @since 0.3.0
 * @category models
 */
export type KeyCheck<K> =
  | { readonly _tag: "Sync"; readonly verify: JwtVerify.Verifier }
  | { readonly _tag: "Refused"; readonly reason: string }
  | { readonly _tag: "Fallback"; readonly key: K }

const isCryptoKey = (key: unknown): key is CryptoKey =>
  typeof globalThis.CryptoKey === "function" && key instanceof globalThis.CryptoKey

/**
 * The check of a key in one algorithm.
 *
 * @since 0.3.0
 * @category constructors
 */
export const checkOf = <K>(alg: string, key: K): KeyCheck<K> => {
  if (key instanceof KeyObject || isCryptoKey(key)) {
    const imported = JwtVerify.importKey(alg, key)
    if (typeof imported === "function") return { _tag: "Sync", verify: imported }
    if (imported !== undefined) return { _tag: "Refused", reason: imported.reason }
  }
  // a JWK is left to the fallback (jose imports it, and also applies its `use`, `key_ops` and `alg` members)
  return { _tag: "Fallback", key }
}

/**
 * The checks of a key known at start-up, one per pinned algorithm, made once.
 *
 * @since 0.3.0
 * @category constructors
 */
export const local = <K>(algorithms: ReadonlyArray<string>, key: K): ReadonlyMap<string, KeyCheck<K>> =>
  new Map(algorithms.map((alg) => [alg, checkOf(alg, key)]))

// the keys of a key set (one object per key and algorithm, kept by the set), made into checks once each: the WeakMap
// lets them go with the set
const imported = new WeakMap<object, Map<string, KeyCheck<any>>>()

/**
 * The check of a key from a key set, made once per key object and algorithm.
 *
 * @since 0.3.0
 * @category constructors
 */
export const fromKeySet = <K extends object>(alg: string, key: K): KeyCheck<K> => {
  let checks = imported.get(key)
  if (checks === undefined) {
    checks = new Map()
    imported.set(key, checks)
  }
  let check = checks.get(alg)
  if (check === undefined) {
    check = checkOf(alg, key)
    checks.set(alg, check)
  }
  return check
}
