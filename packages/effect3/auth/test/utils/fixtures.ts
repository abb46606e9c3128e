import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { Effect, Option } from "effect"
import { AuthCredentials, AuthenticationMiddleware, CurrentUser, requires, SimpleUser } from "effect-auth"

/** A handler answering who the request is made by, as Starlette's tests do. */
export const whoami = Effect.map(
  CurrentUser,
  (user) => HttpServerResponse.unsafeJson({ authenticated: user.isAuthenticated, user: user.displayName })
)

/** `/` open to all and `/guarded` requiring "authenticated", behind the middleware. */
export const guardedApp = AuthenticationMiddleware(
  HttpRouter.empty.pipe(
    HttpRouter.get("/", whoami),
    HttpRouter.get("/guarded", whoami.pipe(requires("authenticated")))
  )
)

/** A `verify` for username backends: the users of `table` with their scopes, anyone else refused. */
export const usersWithScopes = (table: Record<string, ReadonlyArray<string>>) => (username: string) =>
  Effect.succeed(
    Option.map(
      Option.fromNullable(Object.hasOwn(table, username) ? table[username] : undefined),
      (scopes) => [new AuthCredentials(scopes), new SimpleUser(username)] as const
    )
  )
