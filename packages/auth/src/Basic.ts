/**
 * HTTP Basic authentication (RFC 7617): the seed's `BasicAuthBackend`, done strictly.
 *
 * @since 0.1.0
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { Buffer, isUtf8 } from "node:buffer"
import type { AuthCredentials } from "./AuthCredentials.js"
import type { AuthResult } from "./AuthenticationBackend.js"
import { AuthenticationBackend } from "./AuthenticationBackend.js"
import { AuthenticationError } from "./AuthenticationError.js"
import { credentialsFor } from "./internal/authorization.js"
import type { User } from "./User.js"

/**
 * What a Basic `Authorization` header holds. The password is `Redacted` from the moment it is parsed.
 *
 * @since 0.1.0
 * @category models
 */
export interface Credentials {
  readonly username: string
  readonly password: Redacted.Redacted<string>
}

const invalid = new AuthenticationError({ message: "Invalid basic auth credentials" })
const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * Reads an `Authorization` header value: `None` when there is none or it names another scheme (another backend
 * may want it); `Some` for a well-formed Basic one; an `AuthenticationError` otherwise. The scheme matches
 * case-insensitively; the base64 must be strict (alphabet and padding); the decoded bytes must be UTF-8 and hold
 * a `:`, where the username ends (the password may hold more `:`).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (
  authorization: string | undefined
): Either.Either<Option.Option<Credentials>, AuthenticationError> => {
  const token = credentialsFor("basic", authorization)
  if (token === undefined) return Either.right(Option.none())
  if (token.length === 0 || !base64.test(token)) return Either.left(invalid)
  // the alphabet and padding are checked above, so Buffer's lenient decoder sees only strict base64
  const bytes = Buffer.from(token, "base64")
  if (!isUtf8(bytes)) return Either.left(invalid)
  const decoded = bytes.toString("utf8")
  const colon = decoded.indexOf(":")
  if (colon === -1) return Either.left(invalid)
  return Either.right(Option.some({
    username: decoded.slice(0, colon),
    password: Redacted.make(decoded.slice(colon + 1))
  }))
}

/**
 * @since 0.1.0
 * @category models
 */
export interface BasicOptions<R> {
  /**
   * Checks a username and password: `Some([credentials, user])` to accept, `None` or an `AuthenticationError` to refuse.
   * Compare passwords in constant time (`Password.equals`).
   */
  readonly verify: (
    username: string,
    password: Redacted.Redacted<string>
  ) => Effect.Effect<Option.Option<readonly [AuthCredentials, User]>, AuthenticationError, R>
  /**
   * The protection space, sent in the `WWW-Authenticate: Basic realm="…", charset="UTF-8"` challenge with which
   * `requires` answers an anonymous request (401). Without it, denials stay Starlette's 403.
   */
  readonly realm?: string | undefined
}

/**
 * The challenge for a realm: `Basic realm="<realm>", charset="UTF-8"` (quotes and backslashes escaped).
 *
 * @since 0.1.0
 * @category constructors
 */
export const challenge = (realm: string): string =>
  `Basic realm="${realm.replace(/["\\]/g, "\\$&")}", charset="UTF-8"`

/**
 * A Basic backend's `authenticate`: no header or another scheme is anonymous, a malformed header is an
 * `AuthenticationError` ("Invalid basic auth credentials"), a well-formed one is what `verify` says.
 *
 * @since 0.1.0
 * @category constructors
 */
export const authenticate = <R>(
  options: BasicOptions<R>
): Effect.Effect<AuthResult, AuthenticationError, R | HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const parsed = parse(request.headers["authorization"])
    if (parsed._tag === "Left") return Effect.fail(parsed.left)
    if (parsed.right._tag === "None") return Effect.succeedNone
    return options.verify(parsed.right.value.username, parsed.right.value.password)
  })

/**
 * The Basic backend as a Layer.
 *
 * @example
 * ```ts
 * import { AuthCredentials, Basic, SimpleUser } from "effect-auth"
 * import { Effect } from "effect"
 *
 * // the seed's BasicAuthBackend: anyone who sends Basic credentials is that user
 * const BackendLive = Basic.layer({
 *   verify: (username) => Effect.succeedSome([new AuthCredentials(["authenticated"]), new SimpleUser(username)] as const)
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: BasicOptions<never>): Layer.Layer<AuthenticationBackend> =>
  AuthenticationBackend.layer(
    authenticate(options),
    options.realm === undefined ? undefined : { challenge: challenge(options.realm) }
  )
