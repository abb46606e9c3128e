import * as Duration from "effect/Duration"
import * as Redacted from "effect/Redacted"
import type { KeyInput } from "jose"
import type { AsymmetricAlgorithm, HmacAlgorithm, LocalKeyOptions, RemoteKeySetOptions } from "../Jwt.js"
import type * as jwks from "./jwks.js"

const hmac: ReadonlySet<string> = new Set<HmacAlgorithm>(["HS256", "HS384", "HS512"])
const asymmetric: ReadonlySet<string> = new Set<AsymmetricAlgorithm>([
  "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
  "EdDSA", "Ed25519", "ML-DSA-44", "ML-DSA-65", "ML-DSA-87"
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

/** @internal */
export const localKey = <A, I>(options: LocalKeyOptions<A, I>): KeyInput => {
  const key = options.key as unknown
  if (key === undefined || key === null) throw new TypeError("Jwt: give either `key` or `jwksUrl`")
  checkAlgorithms(
    options.algorithms,
    isSecret(key) ? hmac : asymmetric,
    isSecret(key) ? "a secret key" : "a public key"
  )
  if (!Redacted.isRedacted(key)) return key as KeyInput
  const secret = Redacted.value(key as Redacted.Redacted<string | Uint8Array>)
  return typeof secret === "string" ? new TextEncoder().encode(secret) : secret
}

/** @internal */
export const remoteKeySet = <A, I>(options: RemoteKeySetOptions<A, I>): jwks.RemoteKeySetOptions => {
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

/** @internal */
export const checkClockTolerance = (tolerance: number | undefined): void => {
  if (tolerance !== undefined && !(Number.isFinite(tolerance) && tolerance >= 0)) {
    throw new TypeError("Jwt: `clockTolerance` must be a number of seconds, 0 or more")
  }
}
