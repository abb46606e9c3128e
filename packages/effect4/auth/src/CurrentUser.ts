/**
 * What handlers read: the user and the credentials of the current request (Starlette's `request.user` and
 * `request.auth`).
 *
 * @since 1.0.0
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { AuthCredentials } from "./AuthCredentials.js"
import type { RequestUser } from "./User.js"
import { UnauthenticatedUser } from "./User.js"

/**
 * The need for the current user, as it appears in an effect's requirements. `AuthenticationMiddleware` discharges it.
 *
 * @since 1.0.0
 * @category tags
 */
export interface CurrentUser {
  readonly _: unique symbol
}

/**
 * The need for the current credentials, as it appears in an effect's requirements. `AuthenticationMiddleware`
 * discharges it.
 *
 * @since 1.0.0
 * @category tags
 */
export interface CurrentCredentials {
  readonly _: unique symbol
}

/**
 * Who made the request and what they may do: the one context entry `AuthenticationMiddleware` adds per request.
 * `challenge` is the backend's `WWW-Authenticate` challenge(s), for `requires` to answer an anonymous denial with 401.
 *
 * @since 1.0.0
 * @category models
 */
export class Authentication {
  readonly user: RequestUser
  readonly credentials: AuthCredentials
  readonly challenge: string | undefined
  constructor(user: RequestUser, credentials: AuthCredentials, challenge: string | undefined) {
    this.user = user
    this.credentials = credentials
    this.challenge = challenge
  }
}

// what a request without an entry reads as; internal/authentication.ts is the one reader that relies on it
const anonymous = new Authentication(new UnauthenticatedUser(), new AuthCredentials(), undefined)

/**
 * The one context entry behind `CurrentUser` and `CurrentCredentials`. Its identifier is their union, so providing
 * it (as `AuthenticationMiddleware` and the test kit do, with `Effect.provideService`) discharges both needs at once;
 * `yield*` it to read both.
 *
 * A request that the backend leaves anonymous gets no entry (an entry costs a copy of the request's context):
 * reading it there gives an anonymous `Authentication` (`UnauthenticatedUser`, empty credentials). The middleware
 * adds one only over an outer middleware's user, which the inner middleware's anonymous request must not see.
 *
 * @since 1.0.0
 * @category tags
 */
export const CurrentAuthentication: Context.Service<CurrentUser | CurrentCredentials, Authentication> = Context
  .Reference<Authentication>("effect-auth/CurrentAuthentication", {
    defaultValue: (): Authentication => anonymous
  }) as unknown as Context.Service<CurrentUser | CurrentCredentials, Authentication>

/**
 * The user the current request is made by: Starlette's `request.user`. `UnauthenticatedUser` for anonymous
 * requests, so `isAuthenticated` tells the two apart (and narrows a registered user type).
 *
 * @example
 * ```ts
 * import { CurrentUser } from "effect-auth"
 * import { HttpServerResponse } from "effect/http"
 * import { Effect } from "effect"
 *
 * const homepage = Effect.gen(function*() {
 *   const user = yield* CurrentUser
 *   return HttpServerResponse.text(user.isAuthenticated ? `hello, ${user.displayName}` : "hello, you")
 * })
 * ```
 *
 * @since 1.0.0
 * @category accessors
 */
export const CurrentUser: Effect.Effect<RequestUser, never, CurrentUser> = Effect.withFiberSucceed((fiber) =>
  Context.getUnsafe(fiber.context as Context.Context<CurrentUser>, CurrentAuthentication).user
)

/**
 * The credentials (scopes) of the current request: Starlette's `request.auth`. Empty for anonymous requests.
 *
 * @since 1.0.0
 * @category accessors
 */
export const CurrentCredentials: Effect.Effect<AuthCredentials, never, CurrentCredentials> = Effect.withFiberSucceed((
  fiber
) => Context.getUnsafe(fiber.context as Context.Context<CurrentCredentials>, CurrentAuthentication).credentials)
