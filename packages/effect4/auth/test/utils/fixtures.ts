import { Effect, Layer, Option } from "effect"
import { AuthCredentials, AuthenticationMiddleware, CurrentUser, requires, SimpleUser } from "effect-auth"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerResponse from "effect/http/HttpServerResponse"

/** A handler answering who the request is made by, as Starlette's tests do. */
export const whoami = Effect.map(
  CurrentUser,
  (user) => HttpServerResponse.jsonUnsafe({ authenticated: user.isAuthenticated, user: user.displayName })
)

/** `/` open to all and `/guarded` requiring "authenticated", without the middleware (routes of a router). */
export const guardedRoutes = Layer.mergeAll(
  HttpRouter.add("GET", "/", whoami),
  HttpRouter.add("GET", "/guarded", whoami.pipe(requires("authenticated")))
)

/**
 * `/` open to all and `/guarded` requiring "authenticated", behind the middleware (its router layer form, before
 * routing): serve it with `NodeTesting.serve`, the backend's Layer provided.
 */
export const guardedApp = guardedRoutes.pipe(Layer.provide(AuthenticationMiddleware.layer))

/** A `verify` for username backends: the users of `table` with their scopes, anyone else refused. */
export const usersWithScopes = (table: Record<string, ReadonlyArray<string>>) => (username: string) =>
  Effect.succeed(
    Option.map(
      Option.fromNullishOr(Object.hasOwn(table, username) ? table[username] : undefined),
      (scopes) => [new AuthCredentials(scopes), new SimpleUser(username)] as const
    )
  )
