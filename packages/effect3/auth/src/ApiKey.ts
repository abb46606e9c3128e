/**
 * API keys, sent in a header, a query parameter or a cookie.
 *
 * @since 0.1.0
 */
import * as Authorization from "@effect-auth/core/Authorization"
import { queryValues } from "@effect-auth/core/Challenge"
import * as Headers from "@effect/platform/Headers"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { AuthResult } from "./AuthenticationBackend.js"
import { AuthenticationBackend } from "./AuthenticationBackend.js"
import type { AuthenticationError, ServiceUnavailable, TooManyRequests } from "./AuthenticationError.js"
import { InvalidCredentials, RejectedCredentials } from "./AuthenticationError.js"
import { readContext } from "./internal/context.js"
import * as skeleton from "./internal/credentials.js"
import { scrubHeader, scrubSpans, scrubUrl } from "./internal/traces.js"

/**
 * Where the key is: a header (`name` matched case-insensitively), a query parameter or a cookie (`name` exact).
 *
 * @since 0.1.0
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
 * @since 0.1.0
 * @category parsing
 */
export const parse = (
  value: string | ReadonlyArray<string> | undefined
): Either.Either<Option.Option<Redacted.Redacted<string>>, InvalidCredentials | RejectedCredentials> => {
  const key = Authorization.apiKey(value)
  if (key === undefined) return skeleton.absent
  if (key === Authorization.malformed) return Either.left(malformed)
  if (key === Authorization.empty) return Either.left(rejected)
  return Either.right(Option.some(Redacted.make(key)))
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
// The platform's tracer records the request's headers (but those of `Headers.currentRedactedNames`) and its URL as
// attributes of the server span when the span starts, before any middleware runs. The backend overwrites the ones
// that hold the key, on the requests that carry one (valid, rejected or malformed alike), in the server span and in
// every span between it and the backend.

// wraps `authenticate` so that a request carrying the key has it scrubbed from its spans first; a request without
// one pays a header lookup (header) or a search for "?" (query)
const hidingFromTraces = <E>(
  source: Source,
  authenticate: Effect.Effect<AuthResult, E, HttpServerRequest.HttpServerRequest>
): Effect.Effect<AuthResult, E, HttpServerRequest.HttpServerRequest> => {
  switch (source.in) {
    case "header": {
      const header = source.name.toLowerCase()
      const scrub = scrubHeader(header)
      return readContext((context) => {
        const request = Context.unsafeGet(context, HttpServerRequest.HttpServerRequest)
        if (request.headers[header] !== undefined) scrubSpans(context, scrub)
        return authenticate
      })
    }
    case "query": {
      const scrub = scrubUrl(source.name)
      return readContext((context) => {
        const request = Context.unsafeGet(context, HttpServerRequest.HttpServerRequest)
        if (request.url.includes("?")) scrubSpans(context, scrub)
        return authenticate
      })
    }
    case "cookie":
      // the platform's tracer redacts the cookie header by default
      return authenticate
  }
}

/**
 * @since 0.2.0
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
 * @since 0.2.0
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
 * @since 0.1.0
 * @category layers
 */
export const layer = <R = never>(options: Options<R>): Layer.Layer<AuthenticationBackend, never, R> => {
  const backend = Layer.effect(AuthenticationBackend, make(options))
  return options.in === "header" ? Layer.merge(backend, redactingHeader(options.name)) : backend
}

// the header joins `Headers.currentRedactedNames` where the Layer is provided: the platform's tracer then records it
// redacted from the start, and logged `Headers` show it redacted
const redactingHeader = (name: string): Layer.Layer<never> =>
  Layer.scopedDiscard(
    Effect.locallyScopedWith(Headers.currentRedactedNames, (names) => [...names, name.toLowerCase()])
  )
