/**
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type { AuthCredentials } from "./AuthCredentials.js"
import type { UnauthenticatedUser, User } from "./User.js"

// annotated so that declaration files keep `User` (the app's registered type) instead of resolving it to BaseUser
const CurrentUserBase: Context.TagClass<CurrentUser, "effect-auth/CurrentUser", User | UnauthenticatedUser> = Context
  .Tag("effect-auth/CurrentUser")<CurrentUser, User | UnauthenticatedUser>()

/**
 * The user the current request is made by: Starlette's `request.user`. `UnauthenticatedUser` for anonymous
 * requests, so with a registered user type `isAuthenticated` tells the two apart. Provided by
 * `AuthenticationMiddleware`.
 *
 * @example
 * ```ts
 * import { CurrentUser } from "effect-auth"
 * import { HttpServerResponse } from "@effect/platform"
 * import { Effect } from "effect"
 *
 * const homepage = Effect.gen(function*() {
 *   const user = yield* CurrentUser
 *   return HttpServerResponse.text(user.isAuthenticated ? `hello, ${user.displayName}` : "hello, you")
 * })
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class CurrentUser extends CurrentUserBase {}

/**
 * The credentials (scopes) of the current request: Starlette's `request.auth`. Empty for anonymous requests.
 * Provided by `AuthenticationMiddleware`.
 *
 * @since 0.1.0
 * @category tags
 */
export class CurrentCredentials extends Context.Tag("effect-auth/CurrentCredentials")<
  CurrentCredentials,
  AuthCredentials
>() {}
