import * as Duration from "effect/Duration"
import * as Redacted from "effect/Redacted"
import type { KeyInput } from "jose"
import { Buffer } from "node:buffer"
import { createSecretKey } from "node:crypto"
import type { AsymmetricAlgorithm, HmacAlgorithm, JwksOptions, Options } from "../Jwt.js"
import type * as jwks from "./jwks.js"
import type * as verify from "./verify.js"

const hmac: ReadonlySet<string> = new Set<HmacAlgorithm>(["HS256", "HS384", "HS512"])
const asymmetric: ReadonlySet<string> = new Set<AsymmetricAlgorithm>([
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
])

// Options come typed, but also from config files and JavaScript: a wrong one is a bug to report at start-up.
const checkAlgorithms = (algorithms: ReadonlyArray<string>, family: ReadonlySet<string>, what: string): void => {
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new TypeError("Jwt: `algorithms` must list at least one algorithm")
  }
  for (const algorithm of algorithms) {
    if (!family.has(algorithm)) throw new TypeError(`Jwt: algorithm ${String(algorithm)} cannot be used with ${what}`)
  }
}

const isSecret = (key: unknown): boolean =>
  Redacted.isRedacted(key) || key instanceof Uint8Array ||
  (typeof key === "object" && key !== null && (
    (key as { readonly type?: unknown }).type === "secret" || (key as { readonly kty?: unknown }).kty === "oct"
  ))

// RFC 7518 §3.2: an HMAC key MUST be at least as long as the hash's output. A shorter secret is the usual weak
// point of HS* tokens: one token is enough to brute-force it offline, and then to sign any claims.
const minSecretBytes: Readonly<Record<HmacAlgorithm, number>> = { HS256: 32, HS384: 48, HS512: 64 }

// base64url without padding: 4 characters for 3 bytes
const base64urlBytes = (text: string): number => Math.floor(text.replace(/=+$/, "").length * 3 / 4)

// the secret's length in bytes, or undefined when the key does not tell (a CryptoKey without `algorithm.length`)
const secretBytes = (key: unknown): number | undefined => {
  if (Redacted.isRedacted(key)) {
    const secret = Redacted.value(key as Redacted.Redacted<unknown>)
    if (typeof secret === "string") return new TextEncoder().encode(secret).byteLength
    return secret instanceof Uint8Array ? secret.byteLength : 0
  }
  if (key instanceof Uint8Array) return key.byteLength
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

const checkSecretLength = (key: unknown, algorithms: ReadonlyArray<string>): void => {
  const bytes = secretBytes(key)
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

/** @internal */
export const localKey = <A, I>(options: Options<A, I>): KeyInput => {
  const key = options.key as unknown
  if (key === undefined || key === null) throw new TypeError("Jwt: give either `key` or `jwksUrl`")
  checkAlgorithms(
    options.algorithms,
    isSecret(key) ? hmac : asymmetric,
    isSecret(key) ? "a secret key" : "a public key"
  )
  if (isSecret(key)) checkSecretLength(key, options.algorithms)
  // jose imports a Uint8Array secret with WebCrypto on every verification, but keeps what it makes of a KeyObject:
  // the secret becomes a KeyObject once, here
  if (key instanceof Uint8Array) return createSecretKey(key)
  if (!Redacted.isRedacted(key)) return key as KeyInput
  const secret = Redacted.value(key as Redacted.Redacted<string | Uint8Array>)
  return createSecretKey(typeof secret === "string" ? Buffer.from(secret, "utf8") : secret)
}

/** @internal */
export const remoteKeySet = <A, I>(options: JwksOptions<A, I>): jwks.RemoteKeySetOptions => {
  checkAlgorithms(options.algorithms, asymmetric, "a key set")
  let url: URL
  try {
    url = new URL(options.jwksUrl)
  } catch {
    throw new TypeError("Jwt: `jwksUrl` must be an absolute URL")
  }
  return {
    url,
    cacheMaxAge: Duration.decode(options.cacheMaxAge ?? Duration.minutes(10)),
    cooldown: Duration.decode(options.cooldown ?? Duration.seconds(30)),
    timeout: Duration.seconds(5)
  }
}

/** The options every backend checks at start-up, whatever its key: answers them. @internal */
export const checkSettings = <S extends verify.VerifyOptions<any, any>>(settings: S): S => {
  const tolerance = settings.clockTolerance
  if (tolerance !== undefined && !(Number.isFinite(tolerance) && tolerance >= 0)) {
    throw new TypeError("Jwt: `clockTolerance` must be a number of seconds, 0 or more")
  }
  const cacheSize = settings.cacheSize
  if (cacheSize !== undefined && !(Number.isSafeInteger(cacheSize) && cacheSize >= 0)) {
    throw new TypeError("Jwt: `cacheSize` must be an integer, 0 or more")
  }
  if (settings.maxTokenAge !== undefined) {
    const maxTokenAge = Duration.decodeUnknown(settings.maxTokenAge)
    if (maxTokenAge._tag === "None" || !Duration.isFinite(maxTokenAge.value)) {
      throw new TypeError("Jwt: `maxTokenAge` must be a finite duration")
    }
  }
  return settings
}
