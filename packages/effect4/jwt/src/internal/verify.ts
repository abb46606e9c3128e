import * as JwtCache from "@effect-auth/core/JwtCache"
import * as JwtClaims from "@effect-auth/core/JwtClaims"
import * as JwtKeys from "@effect-auth/core/JwtKeys"
import * as JwtVerify from "@effect-auth/core/JwtVerify"
import type { RejectedCredentials, ServiceUnavailable } from "effect-auth"
import { AuthCredentials } from "effect-auth"
import type { Scope, User } from "effect-auth/User"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { JWSHeaderParameters, KeyInput } from "jose"
import { compactVerify, errors } from "jose"
import { invalidToken, tokenExpired } from "./errors.js"
import type * as jwks from "./jwks.js"

/**
 * How a token's signature is checked with one key in one algorithm: by `node:crypto` (core's `JwtVerify`), never, or
 * by jose (a JWK, or an algorithm `node:crypto` lacks here).
 *
 * @internal
 */
export type KeyCheck = JwtKeys.KeyCheck<KeyInput>

/** @internal */
export interface VerifyOptions<A, I> {
  readonly algorithms: ReadonlyArray<string>
  readonly claims: Schema.Codec<A, I>
  readonly toUser?: ((claims: A) => User) | undefined
  readonly toCredentials?: ((claims: A) => AuthCredentials) | undefined
  readonly issuer?: string | ReadonlyArray<string> | undefined
  readonly audience?: string | ReadonlyArray<string> | undefined
  readonly clockTolerance?: number | undefined
  readonly requiredClaims?: ReadonlyArray<string> | undefined
  readonly typ?: string | undefined
  readonly maxTokenAge?: Duration.Input | undefined
  readonly isRevoked?: ((jti: string) => Effect.Effect<boolean>) | undefined
  readonly cacheSize?: number | undefined
}

/** @internal */
export type Verify = (token: Redacted.Redacted<string>) => Effect.Effect<
  readonly [AuthCredentials, User],
  RejectedCredentials | ServiceUnavailable
>

/**
 * One token check, answering what it authenticates as, or that wrapped in `Some` (what a backend answers, made once
 * per cached token rather than per request).
 *
 * @internal
 */
export interface Checker {
  readonly verify: Verify
  readonly authenticate: (token: Redacted.Redacted<string>) => Effect.Effect<
    Option.Option<readonly [AuthCredentials, User]>,
    RejectedCredentials | ServiceUnavailable
  >
}

/**
 * The key to check a token with: one known up front (its checks made once per algorithm), or looked up from the
 * token's header in a key set whose generation a cached token must still match.
 *
 * @internal
 */
export type KeySource =
  | { readonly _tag: "Key"; readonly checks: ReadonlyMap<string, KeyCheck> }
  | { readonly _tag: "Lookup"; readonly keySet: jwks.KeySet }

/**
 * A verified token, as the cache keeps it: when it is valid, its `jti` (for the deny-list), the key set generation
 * it was checked against (0 for a key known up front), and what it authenticates as (decoded once).
 *
 * @internal
 */
export interface Entry {
  readonly lifetime: JwtClaims.Lifetime
  readonly jti: string | undefined
  readonly generation: number
  readonly result: Option.Some<readonly [AuthCredentials, User]>
}

const reasonOf = (error: unknown): string =>
  error instanceof errors.JOSEError ? error.code : error instanceof Error ? error.name : "unknown"

const jwtMethod = { method: "jwt" } as const

const seconds = (millis: number): number => Math.floor(millis / 1000)

const listOf = (value: string | ReadonlyArray<string> | undefined): ReadonlyArray<string> | undefined =>
  value === undefined ? undefined : typeof value === "string" ? [value] : [...value]

/** @internal */
export const make = <A, I>(
  options: VerifyOptions<A, I>,
  source: KeySource,
  cache: JwtCache.Cache<Entry> = JwtCache.make(options.cacheSize ?? JwtCache.defaultSize)
): Checker => {
  // everything that does not depend on the token is worked out once, here
  const algorithms = [...options.algorithms]
  const policy: JwtClaims.Policy = {
    issuer: listOf(options.issuer),
    audience: listOf(options.audience),
    typ: options.typ,
    requiredClaims: [...(options.requiredClaims ?? ["exp"])],
    clockTolerance: options.clockTolerance ?? 5,
    maxTokenAge: options.maxTokenAge === undefined
      ? undefined
      : Duration.toSeconds(options.maxTokenAge)
  }
  const decodeClaims = Schema.decodeUnknownEffect(options.claims)
  const toUser = options.toUser ?? ((claims: A) => claims as unknown as User)
  const toCredentials = options.toCredentials
  const isRevoked = options.isRevoked
  const caching = (options.cacheSize ?? JwtCache.defaultSize) > 0

  const refuse = (reason: string, error: RejectedCredentials = invalidToken) =>
    Effect.andThen(Effect.logDebug("JWT refused", reason), Effect.fail(error))

  const refuseVerdict = (verdict: Exclude<JwtClaims.Verdict, { readonly _tag: "Valid" }>) =>
    verdict._tag === "Expired" ? refuse("ERR_JWT_EXPIRED", tokenExpired) : refuse(verdict.reason)

  // the deny-list, on every token that has a `jti`, cached or not
  const notRevoked = <B>(entry: Entry, pick: (entry: Entry) => B) =>
    isRevoked === undefined || entry.jti === undefined
      ? Effect.succeed(pick(entry))
      : Effect.flatMap(isRevoked(entry.jti), (revoked) => revoked ? refuse("jti revoked") : Effect.succeed(pick(entry)))

  const credentialsOf = (claims: A, payload: { readonly [claim: string]: unknown }): AuthCredentials | undefined => {
    if (toCredentials !== undefined) {
      const own = toCredentials(claims)
      return own.method === undefined ? own.withMethod("jwt") : own
    }
    const scopes = JwtClaims.scopesOf(payload)
    // the token's own scope claim: what the issuer granted, taken as the app's scopes (an app that declared its
    // scopes checks them in its own `toCredentials`)
    return scopes === undefined ? undefined : new AuthCredentials(scopes as ReadonlyArray<Scope>, jwtMethod)
  }

  const keyFor = (
    header: { readonly [parameter: string]: unknown },
    alg: string
  ): Effect.Effect<readonly [KeyCheck, number], RejectedCredentials | ServiceUnavailable> => {
    if (source._tag === "Key") return Effect.succeed([source.checks.get(alg)!, 0])
    // the header is checked first: a token in an algorithm we do not take never reaches the key set (and never makes
    // it fetch again)
    if (header["kid"] !== undefined && typeof header["kid"] !== "string") return refuse("ERR_JWS_INVALID")
    return Effect.map(
      source.keySet.lookup(header as JWSHeaderParameters),
      (found) => [JwtKeys.fromKeySet<KeyInput>(alg, found.key), found.generation] as const
    )
  }

  const signed = (check: KeyCheck, compact: JwtVerify.Compact, token: string, alg: string) => {
    switch (check._tag) {
      case "Sync":
        return check.verify(compact.signingInput, compact.signature)
          ? Effect.void
          : refuse("ERR_JWS_SIGNATURE_VERIFICATION_FAILED")
      case "Refused":
        return refuse(check.reason)
      case "Fallback":
        return Effect.catch(
          Effect.tryPromise({
            try: () => compactVerify(token, check.key, { algorithms: [alg] }),
            catch: (error) => error
          }),
          (error) => refuse(reasonOf(error))
        )
    }
  }

  // the whole check, for a token not in the cache; only a success is cached
  const verify = (token: string, digest: string | undefined) =>
    Effect.gen(function*() {
      const compact = JwtVerify.decode(token)
      if (compact._tag === "Refused") return yield* refuse(compact.reason)
      const alg = JwtVerify.checkHeader(compact.header, algorithms)
      if (typeof alg !== "string") return yield* refuse(alg.reason)
      const [check, generation] = yield* keyFor(compact.header, alg)
      yield* signed(check, compact, token, alg)
      const payload = JwtVerify.decodeJson(compact.payload)
      if (payload === undefined) return yield* refuse("ERR_JWT_INVALID")
      const now = yield* Clock.currentTimeMillis
      const verdict = JwtClaims.checkClaims(compact.header, payload, policy, seconds(now))
      if (verdict._tag !== "Valid") return yield* refuseVerdict(verdict)
      const jti = payload["jti"]
      if (isRevoked !== undefined && jti !== undefined && typeof jti !== "string") return yield* refuse("jti")
      const claims = yield* Effect.catch(decodeClaims(payload), () => refuse("claims do not match the Schema"))
      const credentials = credentialsOf(claims, payload)
      if (credentials === undefined) return yield* refuse("malformed scope claim")
      const result = Option.some([credentials, toUser(claims)] as const) as Entry["result"]
      const entry: Entry = {
        lifetime: verdict.lifetime,
        jti: typeof jti === "string" ? jti : undefined,
        generation,
        result
      }
      yield* notRevoked(entry, identity)
      if (digest !== undefined) cache.set(digest, entry)
      return entry
    })

  // a cached token: its times against the Clock, and the deny-list, on every hit
  const hit = <B>(digest: string, entry: Entry, now: number, pick: (entry: Entry) => B) => {
    const verdict = JwtClaims.checkLifetime(entry.lifetime, policy, seconds(now))
    if (verdict._tag === "Valid") return notRevoked(entry, pick)
    cache.delete(digest)
    return refuseVerdict(verdict)
  }

  const check = <B>(redacted: Redacted.Redacted<string>, pick: (entry: Entry) => B) =>
    // the Clock read synchronously: a hit is one step
    Effect.clockWith((clock) => {
      const token = Redacted.value(redacted)
      if (!caching) return Effect.map(verify(token, undefined), pick)
      const digest = JwtCache.tokenKey(token)
      const entry = cache.get(digest)
      if (entry === undefined) return Effect.map(verify(token, digest), pick)
      const now = clock.currentTimeMillisUnsafe()
      if (source._tag === "Key") return hit(digest, entry, now, pick)
      // a key set fetched again (rotated, a key removed) or gone stale: the token is checked again, in full
      return source.keySet.current(now) === entry.generation
        ? hit(digest, entry, now, pick)
        : Effect.map(verify(token, digest), pick)
    })

  const resultOf = (entry: Entry) => entry.result.value
  const someOf = (entry: Entry) => entry.result
  return {
    verify: (token) => check(token, resultOf),
    authenticate: (token) => check(token, someOf)
  }
}

const identity = <A>(a: A): A => a
