/**
 * @since 0.1.0
 */
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type { AuthCredentials } from "./AuthCredentials.js"
import type { AuthenticationError } from "./AuthenticationError.js"
import type { User } from "./User.js"

/**
 * What a backend answers for one request: `Some([credentials, user])`, or `None` for anonymous.
 *
 * @since 0.1.0
 * @category models
 */
export type AuthResult = Option.Option<readonly [AuthCredentials, User]>

/**
 * Starlette's `authenticate(request)`: read the request, answer who made it.
 * Fail with `AuthenticationError` when the request presents credentials that cannot be accepted.
 *
 * @since 0.1.0
 * @category models
 */
export type Authenticate = Effect.Effect<AuthResult, AuthenticationError, HttpServerRequest.HttpServerRequest>

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
  Authenticate
>() {
  /**
   * A backend from its `authenticate` effect.
   *
   * @since 0.1.0
   * @category layers
   */
  static layer(authenticate: Authenticate): Layer.Layer<AuthenticationBackend> {
    return Layer.succeed(AuthenticationBackend, authenticate)
  }

  /**
   * A backend built once at start-up, e.g. from services it closes over (a user store, a key set):
   * the per-request effect then needs nothing but the request.
   *
   * @since 0.1.0
   * @category layers
   */
  static layerEffect<E, R>(make: Effect.Effect<Authenticate, E, R>): Layer.Layer<AuthenticationBackend, E, R> {
    return Layer.effect(AuthenticationBackend, make)
  }
}
