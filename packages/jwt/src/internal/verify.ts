import { scopesOf } from "@effect-auth/core/JwtClaims"
import type { RejectedCredentials, ServiceUnavailable } from "effect-auth"
import { AuthCredentials } from "effect-auth"
import type { Scope, User } from "effect-auth/User"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { JWSHeaderParameters, JWTVerifyOptions, KeyInput } from "jose"
import { decodeProtectedHeader, errors, jwtVerify } from "jose"
import { invalidToken, tokenExpired } from "./errors.js"

/** @internal */
export interface VerifyOptions<A, I> {
  readonly algorithms: ReadonlyArray<string>
  readonly claims: Schema.Schema<A, I>
  readonly toUser?: ((claims: A) => User) | undefined
  readonly toCredentials?: ((claims: A) => AuthCredentials) | undefined
  readonly issuer?: string | ReadonlyArray<string> | undefined
  readonly audience?: string | ReadonlyArray<string> | undefined
  readonly clockTolerance?: number | undefined
  readonly requiredClaims?: ReadonlyArray<string> | undefined
  readonly typ?: string | undefined
}

/** @internal */
export type Verify = (token: Redacted.Redacted<string>) => Effect.Effect<
  readonly [AuthCredentials, User],
  RejectedCredentials | ServiceUnavailable
>

/**
 * The key to check a token with: one known up front, or looked up from the token's header (a key set).
 *
 * @internal
 */
export type KeySource =
  | { readonly _tag: "Key"; readonly key: KeyInput }
  | {
    readonly _tag: "Lookup"
    readonly lookup: (header: JWSHeaderParameters) => Effect.Effect<KeyInput, RejectedCredentials | ServiceUnavailable>
  }

const reasonOf = (error: unknown): string =>
  error instanceof errors.JOSEError ? error.code : error instanceof Error ? error.name : "unknown"

const jwtMethod = { method: "jwt" } as const

/** @internal */
export const make = <A, I>(options: VerifyOptions<A, I>, source: KeySource): Verify => {
  // everything that does not depend on the token is worked out once, here
  const algorithms = options.algorithms
  const base: JWTVerifyOptions = {
    algorithms: [...algorithms],
    clockTolerance: options.clockTolerance ?? 5,
    requiredClaims: [...(options.requiredClaims ?? ["exp"])],
    ...(options.issuer === undefined
      ? {}
      : { issuer: [...(typeof options.issuer === "string" ? [options.issuer] : options.issuer)] }),
    ...(options.audience === undefined
      ? {}
      : { audience: [...(typeof options.audience === "string" ? [options.audience] : options.audience)] }),
    ...(options.typ === undefined ? {} : { typ: options.typ })
  }
  const decodeClaims = Schema.decodeUnknown(options.claims)
  const toUser = options.toUser ?? ((claims: A) => claims as unknown as User)
  const toCredentials = options.toCredentials

  const refuse = (reason: string, error: RejectedCredentials = invalidToken) =>
    Effect.zipRight(Effect.logDebug("JWT refused", reason), Effect.fail(error))

  const keyFor = (token: string): Effect.Effect<KeyInput, RejectedCredentials | ServiceUnavailable> => {
    if (source._tag === "Key") return Effect.succeed(source.key)
    let header: JWSHeaderParameters
    try {
      header = decodeProtectedHeader(token)
    } catch (error) {
      return refuse(reasonOf(error))
    }
    // a token in an algorithm we do not take never reaches the key set (and never makes it fetch again)
    if (typeof header.alg !== "string" || !algorithms.includes(header.alg)) return refuse("ERR_JOSE_ALG_NOT_ALLOWED")
    if (header.kid !== undefined && typeof header.kid !== "string") return refuse("ERR_JWS_INVALID")
    return source.lookup(header)
  }

  return (redacted) =>
    Effect.gen(function*() {
      const token = Redacted.value(redacted)
      const key = yield* keyFor(token)
      const now = yield* Clock.currentTimeMillis
      const verified = yield* Effect.tryPromise({
        try: () => jwtVerify(token, key, { ...base, currentDate: new Date(now) }),
        catch: (error) => error
      }).pipe(Effect.catchAll((error) =>
        error instanceof errors.JWTExpired && error.claim === "exp"
          ? refuse(error.code, tokenExpired)
          : refuse(reasonOf(error))
      ))
      const claims = yield* Effect.catchAll(decodeClaims(verified.payload), () =>
        refuse("claims do not match the Schema"))
      let credentials: AuthCredentials
      if (toCredentials === undefined) {
        const scopes = scopesOf(verified.payload)
        if (scopes === undefined) {
          return yield* refuse("malformed scope claim")
        }
        // the token's own scope claim: what the issuer granted, taken as the app's scopes (an app that declared its
        // scopes checks them in its own `toCredentials`)
        credentials = new AuthCredentials(scopes as ReadonlyArray<Scope>, jwtMethod)
      } else {
        const own = toCredentials(claims)
        credentials = own.method === undefined ? own.withMethod("jwt") : own
      }
      return [credentials, toUser(claims)] as const
    })
}
