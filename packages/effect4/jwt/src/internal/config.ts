import * as JwtKeys from "@effect-auth/core/JwtKeys"
import * as Duration from "effect/Duration"
import * as Redacted from "effect/Redacted"
import type { KeyInput } from "jose"
import { Buffer } from "node:buffer"
import { createSecretKey } from "node:crypto"
import type { JwksOptions, Options } from "../Jwt.js"
import type * as jwks from "./jwks.js"
import type * as verify from "./verify.js"

// a Redacted secret is measured by what it holds: a string's UTF-8 bytes, bytes, or nothing (0: refused)
const secretBytes = (key: unknown): number | undefined => {
  if (!Redacted.isRedacted(key)) return JwtKeys.secretBytes(key)
  const secret = Redacted.value(key as Redacted.Redacted<unknown>)
  return typeof secret === "string" || secret instanceof Uint8Array ? JwtKeys.secretBytes(secret) : 0
}

/** The key of a backend with a key known at start-up, its algorithms and length checked (a wrong one throws). @internal */
export const localKey = <A, I>(options: Options<A, I>): KeyInput => {
  const key = options.key as unknown
  if (key === undefined || key === null) throw new TypeError("Jwt: give either `key` or `jwksUrl`")
  const secret = Redacted.isRedacted(key) || JwtKeys.isSecret(key)
  JwtKeys.checkAlgorithms(
    options.algorithms,
    secret ? JwtKeys.hmacAlgorithms : JwtKeys.asymmetricAlgorithms,
    secret ? "a secret key" : "a public key"
  )
  if (secret) JwtKeys.checkSecretLength(secretBytes(key), options.algorithms)
  // jose imports a Uint8Array secret with WebCrypto on every verification, but keeps what it makes of a KeyObject:
  // the secret becomes a KeyObject once, here
  if (key instanceof Uint8Array) return createSecretKey(key)
  if (!Redacted.isRedacted(key)) return key as KeyInput
  const value = Redacted.value(key as Redacted.Redacted<string | Uint8Array>)
  return createSecretKey(typeof value === "string" ? Buffer.from(value, "utf8") : value)
}

/** @internal */
export const remoteKeySet = <A, I>(options: JwksOptions<A, I>): jwks.RemoteKeySetOptions => {
  JwtKeys.checkAlgorithms(options.algorithms, JwtKeys.asymmetricAlgorithms, "a key set")
  return {
    url: JwtKeys.jwksUrl(options.jwksUrl),
    cacheMaxAge: Duration.fromInputUnsafe(options.cacheMaxAge ?? Duration.minutes(10)),
    cooldown: Duration.fromInputUnsafe(options.cooldown ?? Duration.seconds(30)),
    timeout: Duration.seconds(5)
  }
}

/** The options every backend checks at start-up, whatever its key: answers them. @internal */
export const checkSettings = <S extends verify.VerifyOptions<any, any>>(settings: S): S => {
  JwtKeys.checkNumbers(settings)
  if (settings.maxTokenAge !== undefined) {
    const maxTokenAge = Duration.fromInput(settings.maxTokenAge)
    if (maxTokenAge._tag === "None" || !Duration.isFinite(maxTokenAge.value)) {
      throw new TypeError("Jwt: `maxTokenAge` must be a finite duration")
    }
  }
  return settings
}
