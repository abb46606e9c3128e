/**
 * An HttpLayerRouter app: routes that require scopes, a Basic backend with a realm, authentication before routing for
 * every route in one line, and every refusal and denial rendered as JSON with `catchTag`, their status and headers
 * kept. docs/http-layer-router.md shows excerpts of this file; test/App.test.ts serves it through a real server.
 */
import { HttpLayerRouter, HttpServerResponse } from "@effect/platform"
import { Effect, Layer, Option } from "effect"
import type { AuthenticationError, PermissionDenied, ServiceUnavailable } from "effect-auth"
import { AuthCredentials, Basic, CurrentUser, Password, Policy, requires, SimpleUser } from "effect-auth"
import * as ErrorResponse from "effect-auth/ErrorResponse"
import * as HttpLayerRouterAuthentication from "effect-auth/HttpLayerRouterAuthentication"

// --- users and the backend -------------------------------------------------------------------------------------------

// passwords in the clear keep the example short; a real app keeps scrypt hashes (`Password.hash`, examples/basic)
const accounts: Record<string, { readonly password: string; readonly scopes: ReadonlyArray<string> }> = {
  alice: { password: "wonderland", scopes: ["authenticated", "admin", "editor"] },
  bob: { password: "builder", scopes: ["authenticated", "editor"] },
  carol: { password: "singer", scopes: ["authenticated"] }
}

// the realm makes `requires` answer anonymous requests with 401 and `WWW-Authenticate: Basic realm="posts"`
export const BackendLive = Basic.layer({
  realm: "posts",
  verify: (username, password) => {
    const account = Object.hasOwn(accounts, username) ? accounts[username] : undefined
    return Effect.succeed(
      account !== undefined && Password.equals(password, account.password)
        ? Option.some([new AuthCredentials(account.scopes), new SimpleUser(username)] as const)
        : Option.none()
    )
  }
})

// --- routes ------------------------------------------------------------------------------------------------------------

// who wrote which post: editors may edit their own posts only
export const authors: Readonly<Record<string, string>> = { "1": "alice", "2": "bob" }

const ownsThePost = Policy.check(
  "owns the post",
  Effect.zipWith(CurrentUser, HttpLayerRouter.params, (user, params) => authors[params["id"] ?? ""] === user.identity)
)

export const Routes = HttpLayerRouter.addAll([
  HttpLayerRouter.route(
    "GET",
    "/",
    Effect.map(
      CurrentUser,
      (user) => HttpServerResponse.text(user.isAuthenticated ? `hello, ${user.displayName}` : "hello, you")
    )
  ),
  HttpLayerRouter.route("GET", "/dashboard", HttpServerResponse.text("dashboard").pipe(requires("admin"))),
  HttpLayerRouter.route(
    "GET",
    "/internal",
    HttpServerResponse.text("internal").pipe(requires("admin", { status: 404 }))
  ),
  HttpLayerRouter.route(
    "GET",
    "/account",
    HttpServerResponse.text("account").pipe(requires("authenticated", { redirect: "/login" }))
  ),
  HttpLayerRouter.route(
    "PUT",
    "/posts/:id",
    HttpServerResponse.text("saved").pipe(requires(Policy.all(Policy.scope("editor"), ownsThePost)))
  )
])

// --- authentication before routing, for every route ------------------------------------------------------------------

// the one line: the backend runs on every request before routing; errors render themselves (400, 401, 403, ...)
export const PlainAppLive = Routes.pipe(Layer.provide(HttpLayerRouterAuthentication.layer))

// what a body says: a refusal's message, and for a denial only its kind (its scopes and clause are for logs)
const denials = { 303: "log in first", 401: "authentication required", 403: "forbidden", 404: "not found" } as const
const asJson = (error: AuthenticationError | ServiceUnavailable | PermissionDenied) =>
  ErrorResponse.withBody(error, {
    json: {
      error: error._tag === "PermissionDenied"
        ? denials[error.status]
        : error._tag === "ServiceUnavailable"
        ? "try again later"
        : error.message
    }
  })
// a hidden route must look missing: an unknown path answers the same JSON 404
const missing = HttpServerResponse.unsafeJson({ error: denials[404] }, { status: 404 })

// the same, with every error as JSON: `handle` wraps the authenticated, routed app, so `catchTag` fires here, and
// `ErrorResponse.withBody` keeps each error's status and headers (WWW-Authenticate, Location, Retry-After)
export const AuthenticationLive = HttpLayerRouterAuthentication.layerWith({
  handle: (app) =>
    app.pipe(
      Effect.catchTag("AuthenticationError", "ServiceUnavailable", "PermissionDenied", asJson),
      Effect.catchTag("RouteNotFound", () => missing)
    )
})

export const AppLive = Routes.pipe(Layer.provide(AuthenticationLive))
