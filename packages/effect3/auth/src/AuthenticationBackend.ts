/**
 * Starlette's `AuthenticationBackend`: what reads a request and answers who made it.
 *
 * @since 0.1.0
 */
import * as Origin from "@effect-auth/core/Origin"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { AuthCredentials } from "./AuthCredentials.js"
import type { AuthenticationError, ServiceUnavailable, TooManyRequests } from "./AuthenticationError.js"
import { Authentication } from "./CurrentUser.js"
import { UnauthenticatedUser } from "./User.js"
import type { User } from "./User.js"

/**
 * What a backend answers for one request: `Some([credentials, user])`, or `None` for anonymous.
 *
 * @since 0.1.0
 * @category models
 */
export type AuthResult = Option.Option<readonly [AuthCredentials, User]>

/**
 * Starlette's `authenticate(request)`: read the request, answer who made it. Fail with an `AuthenticationError`
 * when the request presents credentials that cannot be accepted, and with `ServiceUnavailable` when the backend
 * cannot decide for now (a key set that cannot be fetched).
 *
 * @since 0.1.0
 * @category models
 */
export type Authenticate = Effect.Effect<
  AuthResult,
  AuthenticationError | ServiceUnavailable | TooManyRequests,
  HttpServerRequest.HttpServerRequest
>

/**
 * @since 0.2.0
 * @category models
 */
export interface AuthenticationBackendOptions {
  /**
   * The `WWW-Authenticate` challenge(s) this backend answers an anonymous request with when `requires` denies it
   * (a 401 then, instead of 403), e.g. `Basic realm="admin"` or `Bearer`.
   */
  readonly challenge?: string | ReadonlyArray<string> | undefined
  /**
   * Which `Origin`s may open a websocket with this backend's credentials: `"same-origin"` (the `Origin`'s host is the
   * request's `Host`) or a list of origins (`"https://app.example"`). Others are refused with 403 before the backend
   * runs. A handshake without `Origin` (not a browser) is not checked. Cookie-based backends (`Session`) set
   * `"same-origin"` by default, since a browser sends their cookie along from any site (cross-site websocket
   * hijacking).
   */
  readonly websocketOrigins?: WebSocketOrigins | undefined
}

/**
 * The origins allowed to open websockets: the request's own, or a list.
 *
 * @since 0.2.0
 * @category models
 */
export type WebSocketOrigins = "same-origin" | ReadonlyArray<string>

/**
 * @since 0.2.0
 */
export declare namespace AuthenticationBackend {
  /**
   * A backend: its `authenticate`, and what it declares about itself (its challenges), travelling together so that
   * whatever provides the backend provides all of it. Make one with {@link AuthenticationBackend.make}.
   *
   * @since 0.2.0
   * @category models
   */
  export interface Service {
    readonly authenticate: Authenticate
    /** The `WWW-Authenticate` challenges, in order. */
    readonly challenges: ReadonlyArray<string>
    /** What an anonymous request is given: made once, here, so that it costs nothing per request. */
    readonly anonymous: Authentication
    /** The origins allowed to open websockets, when the backend restricts them. */
    readonly websocketOrigins: OriginCheck | undefined
  }

  /**
   * An allow-list of websocket origins, worked out once.
   *
   * @since 0.2.0
   * @category models
   */
  export type OriginCheck = Origin.Check
}

const toChallenges = (challenge: string | ReadonlyArray<string> | undefined): ReadonlyArray<string> =>
  Object.freeze(challenge === undefined ? [] : typeof challenge === "string" ? [challenge] : [...challenge])

const anonymousCredentials = new AuthCredentials()
const anonymousUser = new UnauthenticatedUser()

const toOriginCheck = (origins: WebSocketOrigins | undefined): AuthenticationBackend.OriginCheck | undefined =>
  origins === undefined ? undefined : Origin.makeCheck(origins)

const make = (
  authenticate: Authenticate,
  options?: AuthenticationBackendOptions,
  originCheck?: AuthenticationBackend.OriginCheck | undefined
): AuthenticationBackend.Service => {
  const challenges = toChallenges(options?.challenge)
  return {
    authenticate,
    challenges,
    websocketOrigins: originCheck ?? toOriginCheck(options?.websocketOrigins),
    anonymous: new Authentication(
      anonymousUser,
      anonymousCredentials,
      challenges.length === 0 ? undefined : challenges.join(", ")
    )
  }
}

/**
 * The authentication backend the middleware runs on every request, provided through a Layer.
 *
 * @example
 * ```ts
 * import { AuthCredentials, AuthenticationBackend, SimpleUser } from "effect-auth"
 * import { HttpServerRequest } from "@effect/platform"
 * import { Effect, Option } from "effect"
 *
 * // Every request that says `x-user: <name>` is that user (a toy: use `Basic` or `Bearer` for real).
 * const BackendLive = AuthenticationBackend.layer(
 *   Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
 *     Option.map(Option.fromNullable(request.headers["x-user"]), (name) =>
 *       [new AuthCredentials(["authenticated"]), new SimpleUser(name)] as const
 *     ))
 * )
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class AuthenticationBackend extends Context.Tag("effect-auth/AuthenticationBackend")<
  AuthenticationBackend,
  AuthenticationBackend.Service
>() {
  /**
   * A backend from its `authenticate` effect and its challenges.
   *
   * @since 0.2.0
   * @category constructors
   */
  static make(authenticate: Authenticate, options?: AuthenticationBackendOptions): AuthenticationBackend.Service {
    return make(authenticate, options)
  }

  /**
   * A backend as a Layer: from its `authenticate` effect (and options), or from a backend made already.
   *
   * @since 0.1.0
   * @category layers
   */
  static layer(
    backend: Authenticate | AuthenticationBackend.Service,
    options?: AuthenticationBackendOptions
  ): Layer.Layer<AuthenticationBackend> {
    return Layer.succeed(AuthenticationBackend, Effect.isEffect(backend) ? make(backend, options) : backend)
  }

  /**
   * A backend built once at start-up, e.g. from services it closes over (a user store, a key set): the per-request
   * effect then needs nothing but the request.
   *
   * @since 0.1.0
   * @category layers
   */
  static layerEffect<E, R>(
    backend: Effect.Effect<AuthenticationBackend.Service, E, R>
  ): Layer.Layer<AuthenticationBackend, E, R> {
    return Layer.effect(AuthenticationBackend, backend)
  }

  /**
   * Tries backends in order: the first `Some` wins, `None` falls through to the next, and an error stops the search
   * and is reported (a backend fails only when the request used its scheme, so a later backend never masks it).
   * Their challenges are all offered, in order.
   *
   * @example
   * ```ts
   * import { AuthenticationBackend, Basic, Bearer } from "effect-auth"
   * import { Effect } from "effect"
   *
   * const BackendLive = AuthenticationBackend.layerEffect(
   *   Effect.map(
   *     Effect.all([
   *       Bearer.make({ verify: () => Effect.succeedNone }),
   *       Basic.make({ realm: "app", verify: () => Effect.succeedNone })
   *     ]),
   *     (backends) => AuthenticationBackend.firstOf(...backends)
   *   )
   * )
   * ```
   *
   * @since 0.1.0
   * @category combinators
   */
  static firstOf(...backends: ReadonlyArray<AuthenticationBackend.Service>): AuthenticationBackend.Service {
    // a websocket may carry any backend's credentials: restricted if any backend restricts, to what any allows
    return make(
      firstOf(backends.map((backend) => backend.authenticate)),
      { challenge: backends.flatMap((backend) => backend.challenges) },
      Origin.mergeChecks(backends.map((backend) => backend.websocketOrigins))
    )
  }

  /**
   * `backend`, its websockets restricted to `origins` (see `AuthenticationBackendOptions.websocketOrigins`).
   *
   * @since 0.2.0
   * @category combinators
   */
  static withWebSocketOrigins(
    backend: AuthenticationBackend.Service,
    origins: WebSocketOrigins
  ): AuthenticationBackend.Service {
    return { ...backend, websocketOrigins: toOriginCheck(origins) }
  }
}

const none: Effect.Effect<AuthResult> = Effect.succeed(Option.none())

// the chain is built once, from the last backend back, so a request allocates nothing to walk it
const firstOf = (backends: ReadonlyArray<Authenticate>): Authenticate =>
  backends.reduceRight<Authenticate>(
    (next, backend) => Effect.flatMap(backend, (result) => result._tag === "Some" ? Effect.succeed(result) : next),
    none
  )
