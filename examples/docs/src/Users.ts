/**
 * docs/users.md and docs/credentials-and-scopes.md: each excerpt there stands in this file, and
 * examples/docs/test/Users.test.ts serves it through a real server.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Option } from "effect"
import {
  AuthCredentials,
  AuthenticationBackend,
  AuthenticationMiddleware,
  CurrentAuthentication,
  CurrentCredentials,
  CurrentUser,
  hasRequiredScope,
  SimpleUser
} from "effect-auth"

// --- users ---------------------------------------------------------------------------------------------------------

// the seed's homepage: anonymous is a value (UnauthenticatedUser), told apart by isAuthenticated
export const homepage = Effect.map(
  CurrentUser,
  (user) => HttpServerResponse.text(user.isAuthenticated ? `hello, ${user.displayName}` : "hello, you")
)

// the user and the credentials at once: the one entry behind CurrentUser and CurrentCredentials
export const whoami = Effect.map(
  CurrentAuthentication,
  ({ credentials, user }) =>
    HttpServerResponse.unsafeJson({
      user: user.identity,
      authenticated: user.isAuthenticated,
      scopes: credentials.scopes
    })
)

export const usersRouter = HttpRouter.empty.pipe(
  HttpRouter.get("/", homepage),
  HttpRouter.get("/whoami", whoami)
)

// the router needs CurrentUser and CurrentCredentials; the middleware provides them and needs a backend instead
export const usersApp = AuthenticationMiddleware(usersRouter)

// --- credentials and scopes ------------------------------------------------------------------------------------------

// who (x-user) and what they may do (x-scopes) are separate: a read-only grant for alice is still alice
// (a toy that trusts its headers: use Basic, Bearer or a session for real)
export const ScopesBackend = AuthenticationBackend.layer(
  Effect.map(
    HttpServerRequest.HttpServerRequest,
    (request) =>
      Option.map(Option.fromNullable(request.headers["x-user"]), (name) => {
        const scopes = (request.headers["x-scopes"] ?? "").split(" ").filter((scope) => scope !== "")
        return [new AuthCredentials(scopes), new SimpleUser(name)] as const
      })
  )
)

// a decision inside a handler, where `requires` (all or nothing) is too coarse: the pure check under it
export const report = Effect.gen(function*() {
  const credentials = yield* CurrentCredentials
  if (hasRequiredScope(credentials, ["reports:read", "reports:export"])) return HttpServerResponse.text("full report")
  if (credentials.has("reports:read")) return HttpServerResponse.text("summary")
  return HttpServerResponse.text("nothing to show", { status: 403 })
})

export const reportsApp = AuthenticationMiddleware(HttpRouter.empty.pipe(HttpRouter.get("/report", report)))
