import * as JwtKeys from "@effect-auth/core/JwtKeys"
import { isCanonical } from "@effect-auth/core/JwtVerify"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import type { RejectedCredentials } from "effect-auth"
import { AuthenticationBackend, Bearer } from "effect-auth"
import type { Authenticate } from "effect-auth/AuthenticationBackend"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { JwksOptions, Options } from "../Jwt.js"
import * as config from "./config.js"
import { invalidToken } from "./errors.js"
import * as jwks from "./jwks.js"
import * as verify from "./verify.js"

/** Reads an `Authorization` value (see `Jwt.parse`). @internal */
export const parse = (
  authorization: string | undefined
): Either.Either<Option.Option<Redacted.Redacted<string>>, RejectedCredentials> =>
  Either.flatMap(
    Either.mapLeft(Bearer.parse(authorization), () => invalidToken),
    (token) =>
      Option.isSome(token) && !isCanonical(Redacted.value(token.value))
        ? Either.left(invalidToken)
        : Either.right(token)
  )

/**
 * The backend that checks the `Authorization` header's Bearer token. The token's spelling is checked by the full check
 * only: a cached token was checked when it was verified, and no other spelling hashes to its key.
 *
 * @internal
 */
export const make = (checker: verify.Checker): AuthenticationBackend.Service =>
  AuthenticationBackend.make(
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const parsed = Bearer.parse(request.headers["authorization"])
      if (parsed._tag === "Left") return Effect.fail(invalidToken)
      if (parsed.right._tag === "None") return Effect.succeedNone
      return checker.authenticate(parsed.right.value)
    }) satisfies Authenticate,
    { challenge: "Bearer" }
  )

/** The check of a key known at start-up, its options checked (a wrong one throws, at start-up). @internal */
export const local = <A, I>(options: Options<A, I>): verify.Checker => {
  const settings = config.checkSettings(options as unknown as verify.VerifyOptions<A, I>)
  return verify.make(settings, { _tag: "Key", checks: JwtKeys.local(settings.algorithms, config.localKey(options)) })
}

/** The check with a JWKS URL's keys, its options checked at once; the effect sets up the key set cache. @internal */
export const remote = <A, I>(
  options: JwksOptions<A, I>
): Effect.Effect<verify.Checker, never, HttpClient.HttpClient> => {
  const settings = config.checkSettings(options as unknown as verify.VerifyOptions<A, I>)
  const remoteKeySet = config.remoteKeySet(options)
  return Effect.map(jwks.make(remoteKeySet), (keySet) => verify.make(settings, { _tag: "Lookup", keySet }))
}
