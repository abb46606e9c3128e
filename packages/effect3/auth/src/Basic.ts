/**
 * HTTP Basic authentication (RFC 7617): the seed's `BasicAuthBackend`, done strictly.
 *
 * @since 0.1.0
 */
import * as Authorization from "@effect-auth/core/Authorization"
import * as Challenge from "@effect-auth/core/Challenge"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { AuthResult } from "./AuthenticationBackend.js"
import { AuthenticationBackend } from "./AuthenticationBackend.js"
import type { AuthenticationError, ServiceUnavailable, TooManyRequests } from "./AuthenticationError.js"
import { InvalidCredentials } from "./AuthenticationError.js"
import * as skeleton from "./internal/credentials.js"
import * as internalThrottle from "./internal/throttle.js"
import type * as Throttle from "./Throttle.js"
import { ThrottleStore } from "./Throttle.js"

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

const invalid = new InvalidCredentials({ message: "Invalid basic auth credentials" })
const credentials = (username: string, password: string): Credentials => ({
  username,
  password: Redacted.make(password)
})

/**
 * Reads an `Authorization` header value: `None` when there is none or it names another scheme (another backend
 * may want it); `Some` for a well-formed Basic one; an `AuthenticationError` otherwise. The scheme matches
 * case-insensitively; the base64 must be strict (alphabet and padding); the decoded bytes must be UTF-8 without
 * control characters and hold a `:`, where the username ends (the password may hold more `:`).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parse = (
  authorization: string | undefined
): Either.Either<Option.Option<Credentials>, InvalidCredentials> => {
  const parsed = Authorization.basic(authorization, credentials)
  if (parsed === undefined) return skeleton.absent
  if (parsed === Authorization.malformed) return Either.left(invalid)
  return Either.right(Option.some(parsed))
}

/**
 * @since 0.2.0
 * @category models
 */
export interface Options<R> {
  /**
   * Checks a username and password: `Some([credentials, user])` to accept, `None` to leave the request anonymous
   * (a wrong password), or an error to refuse it. It may use services: they become the Layer's requirements.
   * Compare passwords in constant time (`Password.verify`, `Password.equals`).
   */
  readonly verify: (
    username: string,
    password: Redacted.Redacted<string>
  ) => Effect.Effect<AuthResult, AuthenticationError | ServiceUnavailable | TooManyRequests, R>
  /**
   * The protection space, sent in the `WWW-Authenticate: Basic realm="…", charset="UTF-8"` challenge with which
   * `requires` answers an anonymous request (401). Without it, denials stay Starlette's 403.
   */
  readonly realm?: string | undefined
  /**
   * Throttles failed logins (a `None` or an `AuthenticationError` from `verify`) per username and per client address,
   * before `verify` runs: beyond the limits, `TooManyRequests` (429, `Retry-After`). Counts are kept by the
   * `ThrottleStore` service, which the backend then requires (`ThrottleStore.layerMemory()` for one process). Basic
   * clients are untrusted clients: they share the username's budget, so a name locked by a guesser is locked for
   * them too until the window ends, from any address; a browser that sends a device cookie a login form set for
   * that name (same `deviceCookie.secret`) keeps its own budget.
   */
  readonly throttle?: Throttle.Options | undefined
}

/**
 * The challenge for a realm: `Basic realm="<realm>", charset="UTF-8"` (quotes and backslashes escaped).
 *
 * @since 0.1.0
 * @category constructors
 */
export const challenge = (realm: string): string => Challenge.basic(realm)

const read = (request: { readonly headers: { readonly [name: string]: string | undefined } }) =>
  parse(request.headers["authorization"])

/**
 * The Basic backend, built once (with the services `verify` uses): no header or another scheme is anonymous, a
 * malformed header is `InvalidCredentials` ("Invalid basic auth credentials", 400), a well-formed one is what
 * `verify` says. Use it with `AuthenticationBackend.firstOf`; {@link layer} provides it alone.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make: {
  <R = never>(
    options: Options<R> & { readonly throttle: Throttle.Options }
  ): Effect.Effect<AuthenticationBackend.Service, never, R | ThrottleStore>
  <R = never>(
    options: Options<R> & { readonly throttle?: undefined }
  ): Effect.Effect<AuthenticationBackend.Service, never, R>
} = <R>(options: Options<R>): Effect.Effect<AuthenticationBackend.Service, never, R | ThrottleStore> => {
  const challengeOf = options.realm === undefined ? undefined : challenge(options.realm)
  if (options.throttle === undefined) {
    return skeleton.make({
      read,
      verify: (credentials: Credentials) => options.verify(credentials.username, credentials.password),
      challenge: challengeOf,
      method: "basic"
    })
  }
  const limits = options.throttle
  return Effect.flatMap(ThrottleStore, (store) => {
    const guard = internalThrottle.make(limits, store)
    const device = Option.getOrUndefined(guard.deviceCookie)
    return skeleton.make({
      // the client (its address, and the device cookie a browser may send) travels with the credentials, read once
      // with them; Basic never sets a device cookie (a program would not keep it), but honours one
      read: (request) =>
        Either.map(
          read(request),
          Option.map((credentials): Attempt => ({
            credentials,
            client: {
              address: request.remoteAddress,
              deviceCookie: device === undefined ? undefined : Option.getOrUndefined(device.read(request))
            }
          }))
        ),
      verify: ({ client, credentials }: Attempt) =>
        guard(
          credentials.username,
          client,
          options.verify(credentials.username, credentials.password)
        ),
      challenge: challengeOf,
      method: "basic"
    })
  })
}

interface Attempt {
  readonly credentials: Credentials
  readonly client: Throttle.Client
}

/**
 * The Basic backend as a Layer; `verify`'s services are its requirements.
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
export const layer: {
  <R = never>(
    options: Options<R> & { readonly throttle: Throttle.Options }
  ): Layer.Layer<AuthenticationBackend, never, R | ThrottleStore>
  <R = never>(options: Options<R> & { readonly throttle?: undefined }): Layer.Layer<AuthenticationBackend, never, R>
} = <R>(options: Options<R>): Layer.Layer<AuthenticationBackend, never, R | ThrottleStore> =>
  Layer.effect(AuthenticationBackend, make(options as Options<R> & { readonly throttle: Throttle.Options }))
