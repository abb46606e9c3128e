/**
 * API keys, sent in a header, a query parameter or a cookie.
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
import type { User } from "./User.js"

/**
 * Where the key is: a header (`name` matched case-insensitively), a query parameter or a cookie (`name` exact).
 *
 * @since 0.1.0
 * @category models
 */
export interface Source {
  readonly in: "header" | "query" | "cookie"
  /** The header, parameter or cookie name; `authenticate` throws a `TypeError` at start-up when it is empty. */
  readonly name: string
}

const malformed = new AuthenticationError({ message: "Malformed API key" })
const rejected = new AuthenticationError({ message: "Invalid API key", status: 401 })

// visible ASCII, no spaces: what generated keys are made of. A repeated header arrives joined with ", ",
// so it fails here too.
const visible = /^[\x21-\x7e]+$/

/**
 * Reads a key's raw value(s): `None` when it is absent (anonymous); `Some(key)`, `Redacted`, for one key of visible
 * ASCII characters; otherwise an `AuthenticationError` that never echoes the key: 401 "Invalid API key" for an empty
 * key, 400 "Malformed API key" for one with other characters (spaces, controls, non-ASCII) or for a query parameter
 * given more than once.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (
  value: string | ReadonlyArray<string> | undefined
): Either.Either<Option.Option<Redacted.Redacted<string>>, AuthenticationError> => {
  if (value === undefined) return Either.right(Option.none())
  if (typeof value !== "string") {
    if (value.length === 0) return Either.right(Option.none())
    if (value.length > 1) return Either.left(malformed)
    return parse(value[0]!)
  }
  if (value.length === 0) return Either.left(rejected)
  if (!visible.test(value)) return Either.left(malformed)
  return Either.right(Option.some(Redacted.make(value)))
}

const queryValues = (url: string, name: string): ReadonlyArray<string> => {
  const question = url.indexOf("?")
  if (question === -1) return []
  const hash = url.indexOf("#", question)
  return new URLSearchParams(hash === -1 ? url.slice(question + 1) : url.slice(question + 1, hash)).getAll(name)
}

/**
 * The raw value(s) of the key in a request, before {@link parse}. The query is read from the request's URL, since
 * the middleware runs before the router (which is what provides `ParsedSearchParams`).
 *
 * @since 0.1.0
 * @category parsing
 */
export const read = (
  source: Source
): (request: HttpServerRequest.HttpServerRequest) => string | ReadonlyArray<string> | undefined => {
  const name = source.name
  switch (source.in) {
    case "header": {
      const header = name.toLowerCase()
      return (request) => request.headers[header]
    }
    case "query":
      return (request) => queryValues(request.url, name)
    case "cookie":
      return (request) => request.cookies[name]
  }
}

/**
 * @since 0.1.0
 * @category models
 */
export interface ApiKeyOptions<R> extends Source {
  /**
   * Checks a key: `Some([credentials, user])` to accept it, `None` to reject it (401, "Invalid API key"), or an
   * `AuthenticationError` of its own. Compare stored keys in constant time (`Password.equals`), or look up a hash.
   */
  readonly verify: (
    key: Redacted.Redacted<string>
  ) => Effect.Effect<Option.Option<readonly [AuthCredentials, User]>, AuthenticationError, R>
}

/**
 * An API key backend's `authenticate`: no key is anonymous; an empty or rejected key is a 401
 * ("Invalid API key"); a malformed one a 400 ("Malformed API key"); an accepted one is the user `verify` answers.
 * No response echoes the key.
 *
 * Keys in the query end up in access logs and browser histories: prefer a header.
 *
 * @since 0.1.0
 * @category constructors
 */
export const authenticate = <R>(
  options: ApiKeyOptions<R>
): Effect.Effect<AuthResult, AuthenticationError, R | HttpServerRequest.HttpServerRequest> => {
  if (options.name.length === 0) throw new TypeError("ApiKey: the key's name must not be empty")
  const readKey = read(options)
  const verify = options.verify
  const refused = Effect.fail(rejected)
  return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const parsed = parse(readKey(request))
    if (parsed._tag === "Left") return Effect.fail(parsed.left)
    if (parsed.right._tag === "None") return Effect.succeedNone
    return Effect.flatMap(
      verify(parsed.right.value),
      (result): Effect.Effect<AuthResult, AuthenticationError> => result._tag === "None" ? refused : Effect.succeed(result)
    )
  })
}

/**
 * The API key backend as a Layer. It declares no `WWW-Authenticate` challenge (there is no standard scheme for
 * API keys), so `requires` answers anonymous requests with 403.
 *
 * @example
 * ```ts
 * import { ApiKey, AuthCredentials, Password, SimpleUser } from "effect-auth"
 * import { Effect, Option } from "effect"
 *
 * const BackendLive = ApiKey.layer({
 *   in: "header",
 *   name: "x-api-key",
 *   verify: (key) =>
 *     Effect.succeed(
 *       Password.equals(key, "k-0123456789")
 *         ? Option.some([new AuthCredentials(["authenticated"]), new SimpleUser("robot")] as const)
 *         : Option.none()
 *     )
 * })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: ApiKeyOptions<never>): Layer.Layer<AuthenticationBackend> =>
  AuthenticationBackend.layer(authenticate(options))
