/**
 * API keys, sent in a header, a query parameter or a cookie.
 *
 * @since 1.0.0
 */
import * as Authorization from "@effect-auth/core/Authorization"
import { queryValues } from "@effect-auth/core/Challenge"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Headers from "effect/http/Headers"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as UrlParams from "effect/http/UrlParams"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import type { AuthResult } from "./AuthenticationBackend.js"
import { AuthenticationBackend } from "./AuthenticationBackend.js"
import type { AuthenticationError, ServiceUnavailable, TooManyRequests } from "./AuthenticationError.js"
import { InvalidCredentials, RejectedCredentials } from "./AuthenticationError.js"
import { readContext } from "./internal/context.js"
import * as skeleton from "./internal/credentials.js"
import { redactInServerSpan } from "./internal/traces.js"

/**
 * Where the key is: a header (`name` matched case-insensitively), a query parameter or a cookie (`name` exact).
 *
 * @since 1.0.0
 * @category models
 */
export interface Source {
  readonly in: "header" | "query" | "cookie"
  /** The header, parameter or cookie name; `make` and `layer` throw a `TypeError` when it is empty. */
  readonly name: string
}

const malformed = new InvalidCredentials({ message: "Malformed API key" })
const rejected = new RejectedCredentials({ message: "Invalid API key" })

/**
 * Reads a key's raw value(s): `None` when it is absent (anonymous); `Some(key)`, `Redacted`, for one key of visible
 * ASCII characters; otherwise an error that never echoes the key: `RejectedCredentials` (401, "Invalid API key") for
 * an empty key, `InvalidCredentials` (400, "Malformed API key") for one with other characters (spaces, controls,
 * non-ASCII) or for a query parameter given more than once.
 *
 * @since 1.0.0
 * @category parsing
 */
export const parse = (
  value: string | ReadonlyArray<string> | undefined
): Result.Result<Option.Option<Redacted.Redacted<string>>, InvalidCredentials | RejectedCredentials> => {
  const key = Authorization.apiKey(value)
  if (key === undefined) return skeleton.absent
  if (key === Authorization.malformed) return Result.fail(malformed)
  if (key === Authorization.empty) return Result.fail(rejected)
  return Result.succeed(Option.some(Redacted.make(key)))
}

// the raw value(s) of the key; the query is read from the URL, since the middleware runs before the router
const read = (
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

// --- keeping the key out of traces ----------------------------------------------------------------------------------
// Effect 4's tracer writes the server span's URL and header attributes when the request ends, redacting the names of
// `UrlParams.CurrentRedactedNames` and `Headers.CurrentRedactedNames` and those the request itself added. The backend
// adds the key's name, on the requests that carry one (valid, rejected or malformed alike), so that the span records
// `REDACTED` (a query value) or `<redacted>` (a header) in its place.

// wraps `authenticate` so that a request carrying the key has its name redacted first; a request without one pays a
// header lookup (header) or a search for "?" (query)
const hidingFromTraces = <E>(
  source: Source,
  authenticate: Effect.Effect<AuthResult, E, HttpServerRequest.HttpServerRequest>
): Effect.Effect<AuthResult, E, HttpServerRequest.HttpServerRequest> => {
  switch (source.in) {
    case "header": {
      const header = source.name.toLowerCase()
      const names = [header]
      return readContext((context) => {
        const request = Context.getUnsafe(context, HttpServerRequest.HttpServerRequest)
        if (request.headers[header] !== undefined) redactInServerSpan(context, [], names)
        return authenticate
      })
    }
    case "query": {
      const names = [source.name]
      return readContext((context) => {
        const request = Context.getUnsafe(context, HttpServerRequest.HttpServerRequest)
        if (request.url.includes("?")) redactInServerSpan(context, names, [])
        return authenticate
      })
    }
    case "cookie":
      // the platform's tracer redacts the cookie header by default
      return authenticate
  }
}

/**
 * @since 1.0.0
 * @category models
 */
export interface Options<R> extends Source {
  /**
   * Checks a key: `Some([credentials, user])` to accept it, `None` to reject it (`RejectedCredentials`, 401,
   * "Invalid API key"), or an error of its own. It may use services: they become the Layer's requirements. Compare
   * stored keys in constant time (`Password.equals`), or look up a hash.
   */
  readonly verify: (
    key: Redacted.Redacted<string>
  ) => Effect.Effect<AuthResult, AuthenticationError | ServiceUnavailable | TooManyRequests, R>
}

/**
 * The API key backend, built once (with the services `verify` uses): no key is anonymous; an empty or rejected key
 * is `RejectedCredentials` (401, "Invalid API key"); a malformed one `InvalidCredentials` (400, "Malformed API key");
 * an accepted one is the user `verify` answers. No response echoes the key. It declares no `WWW-Authenticate`
 * challenge (there is no standard scheme for API keys), so `requires` answers anonymous requests with 403.
 *
 * Keys never reach trace spans: on a request that carries one (accepted or not), the backend overwrites the span
 * attributes the platform's tracer recorded it in (`http.request.header.<name>`, `url.full`, `url.query`). Keys in
 * the query still end up in access logs and browser histories: prefer a header.
 *
 * @since 1.0.0
 * @category constructors
 */
export const make = <R = never>(options: Options<R>): Effect.Effect<AuthenticationBackend.Service, never, R> => {
  if (options.name.length === 0) throw new TypeError("ApiKey: the key's name must not be empty")
  const readKey = read(options)
  return Effect.map(
    skeleton.make({
      read: (request: HttpServerRequest.HttpServerRequest) => parse(readKey(request)),
      verify: options.verify,
      refused: rejected,
      method: "apiKey"
    }),
    (backend): AuthenticationBackend.Service => ({
      ...backend,
      authenticate: hidingFromTraces(options, backend.authenticate)
    })
  )
}

/**
 * The API key backend as a Layer; `verify`'s services are its requirements. A header source also joins
 * `Headers.currentRedactedNames` where the Layer is provided, so that the platform redacts it in traces and logged
 * `Headers` as it does `authorization`.
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
 * @since 1.0.0
 * @category layers
 */
export const layer = <R = never>(options: Options<R>): Layer.Layer<AuthenticationBackend, never, R> => {
  const backend = Layer.effect(AuthenticationBackend, make(options))
  return Layer.merge(backend, redacting(options))
}

// the key's name joins `Headers.CurrentRedactedNames` (a header) or `UrlParams.CurrentRedactedNames` (a query
// parameter) where the Layer is provided: logged `Headers` and `UrlParams` show it redacted, and so does every span
// the platform records with them
const redacting = (source: Source): Layer.Layer<never> => {
  switch (source.in) {
    case "header": {
      const name = source.name.toLowerCase()
      return Layer.effect(
        Headers.CurrentRedactedNames,
        Effect.map(Headers.CurrentRedactedNames, (names) => [...names, name])
      )
    }
    case "query": {
      const name = source.name
      return Layer.effect(
        UrlParams.CurrentRedactedNames,
        Effect.map(UrlParams.CurrentRedactedNames, (names) => [...names, name])
      )
    }
    case "cookie":
      return Layer.empty
  }
}
