/**
 * The README's smaller examples, each a value that examples/docs/test/Snippets.test.ts serves and calls.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Option, Redacted, Schema } from "effect"
import {
  ApiKey,
  AuthCredentials,
  AuthenticationBackend,
  AuthenticationMiddleware,
  Bearer,
  CurrentCredentials,
  CurrentUser,
  Password,
  Policy,
  requires,
  Session,
  SimpleUser
} from "effect-auth"

// --- Backends: your own --------------------------------------------------------------------------------------------

// Starlette's `authenticate(request)`: read the request, answer `Some([credentials, user])` or `None` (anonymous)
export const HeaderBackend = AuthenticationBackend.layer(
  Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
    Option.map(
      Option.fromNullable(request.headers["x-user"]),
      (name) => [new AuthCredentials(["authenticated"]), new SimpleUser(name)] as const
    ))
)

// --- Backends: Bearer and API keys --------------------------------------------------------------------------------

const robot = [new AuthCredentials(["authenticated", "deploy"]), new SimpleUser("ci-robot")] as const

// a rejected token is a 401 with `WWW-Authenticate: Bearer realm="api", error="invalid_token"`
export const BearerBackend = Bearer.layer({
  realm: "api",
  verify: (token) => Effect.succeed(Password.equals(token, "s3cr3t-token") ? Option.some(robot) : Option.none())
})

// `X-API-Key: …`; `in` may also be "query" or "cookie"
export const ApiKeyBackend = ApiKey.layer({
  in: "header",
  name: "x-api-key",
  verify: (key) => Effect.succeed(Password.equals(key, "k-123") ? Option.some(robot) : Option.none())
})

// --- Backends: signed session cookies ----------------------------------------------------------------------------

// the session service and its backend; the secret is best read from the environment (`Session.layerConfig`)
export const SessionLive = Session.layer({ secret: Redacted.make("change me: 32+ random bytes from the environment") })

const LoginForm = Schema.Struct({ username: Schema.String, password: Schema.String })

export const sessionRouter = HttpRouter.empty.pipe(
  HttpRouter.post(
    "/login",
    Effect.gen(function*() {
      const form = yield* HttpServerRequest.schemaBodyUrlParams(LoginForm)
      if (form.username !== "alice" || !Password.equals(form.password, "wonderland")) {
        return HttpServerResponse.text("Invalid username or password", { status: 401 })
      }
      // a new session id on every login; the cookie is HttpOnly, SameSite=Lax, signed
      return yield* HttpServerResponse.redirect("/me", { status: 303 }).pipe(
        Session.login(new SimpleUser(form.username), ["authenticated"])
      )
    })
  ),
  HttpRouter.post("/logout", HttpServerResponse.redirect("/", { status: 303 }).pipe(Session.logout)),
  HttpRouter.get(
    "/me",
    Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName)).pipe(requires("authenticated"))
  )
)

// --- Policies ------------------------------------------------------------------------------------------------------

// any of two scopes; an authenticated user whose name is on a list; an effectful check that can read anything
const editors = new Set(["alice"])
export const canEdit = Policy.any(
  Policy.scope("admin"),
  Policy.all(Policy.authenticated, Policy.user("editor", (user) => editors.has(user.identity)))
)
export const ownsDocument = Policy.check(
  "owns the document",
  Effect.gen(function*() {
    const user = yield* CurrentUser
    const params = yield* HttpRouter.params
    return params["owner"] === user.identity
  })
)

export const documentsRouter = HttpRouter.empty.pipe(
  HttpRouter.put(
    "/documents/:owner",
    HttpServerResponse.text("saved").pipe(requires(Policy.any(canEdit, ownsDocument)))
  ),
  HttpRouter.get("/policy", HttpServerResponse.text(String(Policy.any(canEdit, ownsDocument))))
)

// --- Error responses -----------------------------------------------------------------------------------------------

// Starlette's on_error: a custom response for requests whose credentials the backend refused
export const withOnError = AuthenticationMiddleware.make({
  onError: (error) => HttpServerResponse.json({ error: error.message }, { status: 401 })
})

// a denial is a typed PermissionDenied: re-render it, log which clause of the policy failed
export const scopesRouter = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/deploy",
    Effect.map(CurrentCredentials, (credentials) => HttpServerResponse.text(credentials.scopes.join(" "))).pipe(
      requires(Policy.all(Policy.authenticated, Policy.scope("deploy"))),
      Effect.tapErrorTag("PermissionDenied", (denied) => Effect.logInfo(`denied by ${denied.clause}`)),
      Effect.catchTag(
        "PermissionDenied",
        (denied) => HttpServerResponse.json({ error: "forbidden", required: denied.scopes }, { status: denied.status })
      )
    )
  )
)

// or keep the AuthenticationError typed and handle it like any other, around the whole app
export const appWithCatchTag = AuthenticationMiddleware(scopesRouter).pipe(
  Effect.catchTag("AuthenticationError", (error) => HttpServerResponse.json({ error: error.message }, { status: 401 }))
)
