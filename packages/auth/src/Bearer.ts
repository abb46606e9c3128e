/**
 * Bearer tokens (RFC 6750): `Authorization: Bearer <token>`.
 *
 * @since 0.1.0
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { AuthCredentials } from "./AuthCredentials.js"
import type { AuthResult } from "./AuthenticationBackend.js"
import { AuthenticationBackend } from "./AuthenticationBackend.js"
import { AuthenticationError } from "./AuthenticationError.js"
import { credentialsFor } from "./internal/authorization.js"
import type { User } from "./User.js"

/**
 * The error codes of RFC 6750 §3.1.
 *
 * @since 0.1.0
 * @category models
 */
export type ErrorCode = "invalid_request" | "invalid_token" | "insufficient_scope"

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

const quote = (value: string): string => `"${value.replace(/["\\]/g, "\\$&")}"`

/**
 * A `WWW-Authenticate` challenge: `Bearer`, `Bearer realm="api"`, `Bearer realm="api", error="invalid_token"`
 * (quotes and backslashes in the realm escaped).
 *
 * @since 0.1.0
 * @category constructors
 */
export const challenge = (options: ChallengeOptions = {}): string => {
  const params: Array<string> = []
  if (options.realm !== undefined) params.push(`realm=${quote(options.realm)}`)
  if (options.error !== undefined) params.push(`error=${quote(options.error)}`)
  return params.length === 0 ? "Bearer" : `Bearer ${params.join(", ")}`
}

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const b64token = /^[A-Za-z0-9\-._~+/]+=*$/

const malformed = (realm: string | undefined) =>
  new AuthenticationError({
    message: "Invalid bearer token",
    challenge: challenge({ realm, error: "invalid_request" })
  })

const rejected = (realm: string | undefined) =>
  new AuthenticationError({
    message: "Invalid token",
    status: 401,
    challenge: challenge({ realm, error: "invalid_token" })
  })

const parseWith = (
  authorization: string | undefined,
  invalid: AuthenticationError
): Either.Either<Option.Option<Redacted.Redacted<string>>, AuthenticationError> => {
  const token = credentialsFor("bearer", authorization)
  if (token === undefined) return Either.right(Option.none())
  if (!b64token.test(token)) return Either.left(invalid)
  return Either.right(Option.some(Redacted.make(token)))
}

const defaultMalformed = malformed(undefined)

/**
 * Reads an `Authorization` header value: `None` when there is none or it names another scheme (another backend
 * may want it); `Some(token)` for a well-formed Bearer one, the token `Redacted`; otherwise an
 * `AuthenticationError` (400, "Invalid bearer token", challenge `Bearer error="invalid_request"`). The scheme
 * matches case-insensitively; the token must be RFC 6750's `b64token` (`[A-Za-z0-9-._~+/]+=*`).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (
  authorization: string | undefined
): Either.Either<Option.Option<Redacted.Redacted<string>>, AuthenticationError> =>
  parseWith(authorization, defaultMalformed)

/**
 * @since 0.1.0
 * @category models
 */
export interface BearerOptions<R> {
  /**
   * Checks a token: `Some([credentials, user])` to accept it, `None` to reject it (a 401 with
   * `WWW-Authenticate: Bearer error="invalid_token"`), or an `AuthenticationError` of its own (an expired token,
   * say). Compare stored secrets in constant time (`Password.equals`).
   */
  readonly verify: (
    token: Redacted.Redacted<string>
  ) => Effect.Effect<Option.Option<readonly [AuthCredentials, User]>, AuthenticationError, R>
  /** The protection space, sent in every challenge: `Bearer realm="…"`. */
  readonly realm?: string | undefined
}

/**
 * A Bearer backend's `authenticate`: no header or another scheme is anonymous; a malformed header is a 400
 * ("Invalid bearer token"); a token `verify` rejects is a 401 ("Invalid token") with the challenge
 * `Bearer error="invalid_token"`; an accepted one is the user `verify` answers. No response echoes the token.
 *
 * @since 0.1.0
 * @category constructors
 */
export const authenticate = <R>(
  options: BearerOptions<R>
): Effect.Effect<AuthResult, AuthenticationError, R | HttpServerRequest.HttpServerRequest> => {
  const invalid = malformed(options.realm)
  const refused = Effect.fail(rejected(options.realm))
  const verify = options.verify
  return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const parsed = parseWith(request.headers["authorization"], invalid)
    if (parsed._tag === "Left") return Effect.fail(parsed.left)
    if (parsed.right._tag === "None") return Effect.succeedNone
    return Effect.flatMap(
      verify(parsed.right.value),
      (result): Effect.Effect<AuthResult, AuthenticationError> => result._tag === "None" ? refused : Effect.succeed(result)
    )
  })
}

/**
 * The Bearer backend as a Layer. Its challenge (`Bearer`, or `Bearer realm="…"`) lets `requires` answer an
 * anonymous request with 401 rather than 403.
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
export const layer = (options: BearerOptions<never>): Layer.Layer<AuthenticationBackend> =>
  AuthenticationBackend.layer(authenticate(options), { challenge: challenge({ realm: options.realm }) })
