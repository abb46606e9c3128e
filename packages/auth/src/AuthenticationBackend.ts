/**
 * @since 0.1.0
 */
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
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
 * @since 0.1.0
 * @category models
 */
export interface BackendOptions {
  /**
   * The `WWW-Authenticate` challenge(s) this backend answers an anonymous request with when `requires` denies it
   * (a 401 then, instead of 403), e.g. `Basic realm="admin"` or `Bearer`.
   */
  readonly challenge?: string | ReadonlyArray<string> | undefined
}

/**
 * The `WWW-Authenticate` challenges of the app's backend(s), for `requires` to answer anonymous denials with 401.
 * Empty (Starlette's plain 403) unless the backend's Layer declares one.
 *
 * @since 0.1.0
 * @category tags
 */
export class AuthenticationChallenge extends Context.Reference<AuthenticationChallenge>()(
  "effect-auth/AuthenticationChallenge",
  { defaultValue: (): ReadonlyArray<string> => [] }
) {}

const toChallenges = (challenge: string | ReadonlyArray<string> | undefined): ReadonlyArray<string> =>
  challenge === undefined ? [] : typeof challenge === "string" ? [challenge] : challenge

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
  static layer(authenticate: Authenticate, options?: BackendOptions): Layer.Layer<AuthenticationBackend> {
    return Layer.succeedContext(
      Context.make(AuthenticationBackend, authenticate).pipe(
        Context.add(AuthenticationChallenge, toChallenges(options?.challenge))
      )
    )
  }

  /**
   * A backend built once at start-up, e.g. from services it closes over (a user store, a key set):
   * the per-request effect then needs nothing but the request.
   *
   * @since 0.1.0
   * @category layers
   */
  static layerEffect<E, R>(
    make: Effect.Effect<Authenticate, E, R>,
    options?: BackendOptions
  ): Layer.Layer<AuthenticationBackend, E, R> {
    return Layer.effectContext(Effect.map(make, (authenticate) =>
      Context.make(AuthenticationBackend, authenticate).pipe(
        Context.add(AuthenticationChallenge, toChallenges(options?.challenge))
      )))
  }

  /**
   * Tries backends in order: the first `Some` wins, `None` falls through to the next, and an
   * `AuthenticationError` stops the search and is reported (a backend fails only when the request used its
   * scheme, so a later backend never masks it). Their challenges are all offered, in order.
   *
   * @example
   * ```ts
   * import { AuthenticationBackend, Basic } from "effect-auth"
   * import { Effect } from "effect"
   *
   * declare const BearerLive: import("effect").Layer.Layer<AuthenticationBackend>
   * const BasicLive = Basic.layer({ realm: "app", verify: () => Effect.succeedNone })
   * const BackendLive = AuthenticationBackend.firstOf(BearerLive, BasicLive)
   * ```
   *
   * @since 0.1.0
   * @category combinators
   */
  static firstOf<const Layers extends ReadonlyArray<Layer.Layer<AuthenticationBackend, any, any>>>(
    ...layers: Layers
  ): Layer.Layer<
    AuthenticationBackend,
    Layer.Layer.Error<Layers[number]>,
    Layer.Layer.Context<Layers[number]>
  > {
    return Layer.scopedContext(Effect.gen(function*() {
      const backends: Array<Authenticate> = []
      const challenges: Array<string> = []
      for (const layer of layers) {
        const context = yield* Layer.build(layer)
        backends.push(Context.get(context, AuthenticationBackend))
        challenges.push(...Context.get(context as Context.Context<never>, AuthenticationChallenge))
      }
      return Context.make(AuthenticationBackend, firstOf(backends)).pipe(
        Context.add(AuthenticationChallenge, challenges)
      )
    }))
  }
}

const none: Effect.Effect<AuthResult> = Effect.succeed(Option.none())

// the chain is built once, from the last backend back, so a request allocates nothing to walk it
const firstOf = (backends: ReadonlyArray<Authenticate>): Authenticate =>
  backends.reduceRight<Authenticate>(
    (next, backend) => Effect.flatMap(backend, (result) => result._tag === "Some" ? Effect.succeed(result) : next),
    none
  )
