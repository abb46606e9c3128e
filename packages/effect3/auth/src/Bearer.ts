/**
 * Bearer tokens (RFC 6750): `Authorization: Bearer <token>`.
 *
 * @since 0.1.0
 */
import * as Authorization from "@effect-auth/core/Authorization"
import * as Challenge from "@effect-auth/core/Challenge"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import type * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { AuthResult } from "./AuthenticationBackend.js"
import { AuthenticationBackend } from "./AuthenticationBackend.js"
import type { AuthenticationError, ServiceUnavailable, TooManyRequests } from "./AuthenticationError.js"
import { InvalidCredentials, RejectedCredentials } from "./AuthenticationError.js"
import * as skeleton from "./internal/credentials.js"

/**
 * The error codes of RFC 6750 §3.1.
 *
 * @since 0.1.0
 * @category models
 */
export type ErrorCode = Challenge.BearerError

/**
 * @since 0.1.0
 * @category models
 */
export interface ChallengeOptions {
  /** The protection space. */
  readonly realm?: string | undefined
  /** Why the request was refused. */
  readonly error?: ErrorCode | undefined
}

/**
 * A `WWW-Authenticate` challenge: `Bearer`, `Bearer realm="api"`, `Bearer realm="api", error="invalid_token"`
 * (quotes and backslashes in the realm escaped).
 *
 * @since 0.1.0
 * @category constructors
 */
export const challenge = (options: ChallengeOptions = {}): string => Challenge.bearer(options.realm, options.error)

const malformed = (realm: string | undefined) =>
  new InvalidCredentials({
    message: "Invalid bearer token",
    challenge: challenge({ realm, error: "invalid_request" })
  })

const rejected = (realm: string | undefined) =>
  new RejectedCredentials({
    message: "Invalid token",
    challenge: challenge({ realm, error: "invalid_token" })
  })

const parseWith = (
  authorization: string | undefined,
  invalid: InvalidCredentials
): Either.Either<Option.Option<Redacted.Redacted<string>>, InvalidCredentials> => {
  const token = Authorization.bearer(authorization)
  if (token === undefined) return skeleton.absent
  if (token === Authorization.malformed) return Either.left(invalid)
  return Either.right(Option.some(Redacted.make(token)))
}

const defaultMalformed = malformed(undefined)

/**
 * Reads an `Authorization` header value: `None` when there is none or it names another scheme (another backend
 * may want it); `Some(token)` for a well-formed Bearer one, the token `Redacted`; otherwise `InvalidCredentials`
 * (400, "Invalid bearer token", challenge `Bearer error="invalid_request"`). The scheme
 * matches case-insensitively; the token must be RFC 6750's `b64token` (`[A-Za-z0-9-._~+/]+=*`).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (
  authorization: string | undefined
): Either.Either<Option.Option<Redacted.Redacted<string>>, InvalidCredentials> =>
  parseWith(authorization, defaultMalformed)

/**
 * @since 0.2.0
 * @category models
 */
export interface Options<R> {
  /**
   * Checks a token: `Some([credentials, user])` to accept it, `None` to reject it (`RejectedCredentials`: 401 with
   * `WWW-Authenticate: Bearer error="invalid_token"`), or an error of its own (an expired token, say). It may use
   * services: they become the Layer's requirements. Compare stored secrets in constant time (`Password.equals`).
   */
  readonly verify: (
    token: Redacted.Redacted<string>
  ) => Effect.Effect<AuthResult, AuthenticationError | ServiceUnavailable | TooManyRequests, R>
  /** The protection space, sent in every challenge: `Bearer realm="…"`. */
  readonly realm?: string | undefined
}

/**
 * The Bearer backend, built once (with the services `verify` uses): no header or another scheme is anonymous; a
 * malformed header is `InvalidCredentials` (400, "Invalid bearer token"); a token `verify` rejects is
 * `RejectedCredentials` (401, "Invalid token", challenge `Bearer error="invalid_token"`); an accepted one is the
 * user `verify` answers. No response echoes the token. Its challenge (`Bearer`, or `Bearer realm="…"`) lets
 * `requires` answer an anonymous request with 401 rather than 403.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = <R = never>(options: Options<R>): Effect.Effect<AuthenticationBackend.Service, never, R> => {
  const invalid = malformed(options.realm)
  return skeleton.make({
    read: (request: HttpServerRequest.HttpServerRequest) => parseWith(request.headers["authorization"], invalid),
    verify: options.verify,
    refused: rejected(options.realm),
    challenge: challenge({ realm: options.realm }),
    method: "bearer"
  })
}

/**
 * The Bearer backend as a Layer; `verify`'s services are its requirements.
 *
 * @example
 * ```ts
 * import { AuthCredentials, Bearer, Password, SimpleUser } from "effect-auth"
 * import { Effect, Option } from "effect"
 *
 * const BackendLive = Bearer.layer({
 *   realm: "api",
 *   verify: (token) =>
 *     Effect.succeed(
 *       Password.equals(token, "s3cr3t-token")
 *         ? Option.some([new AuthCredentials(["authenticated"]), new SimpleUser("robot")] as const)
 *         : Option.none()
 *     )
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <R = never>(options: Options<R>): Layer.Layer<AuthenticationBackend, never, R> =>
  Layer.effect(AuthenticationBackend, make(options))
