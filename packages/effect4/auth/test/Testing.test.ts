import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, Cause, Effect, Exit, Layer, Option, Schema } from "effect"
import {
  AuthCredentials,
  AuthenticationBackend,
  AuthenticationMiddleware,
  Basic,
  CurrentCredentials,
  CurrentUser,
  hasRequiredScope,
  isForbidden,
  isLoginRedirect,
  isUnauthorized,
  Policy,
  requires,
  SimpleUser
} from "effect-auth"
import * as HttpApiAuthentication from "effect-auth/HttpApiAuthentication"
import * as Testing from "effect-auth/Testing"
import * as HttpApi from "effect/http-api/HttpApi"
import * as HttpApiBuilder from "effect/http-api/HttpApiBuilder"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import * as HttpApiSecurity from "effect/http-api/HttpApiSecurity"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { guardedApp, whoami } from "./utils/fixtures.js"
import { request as get, serve } from "./utils/server.js"

// requires needs no request: a handler runs as a principal on its own
const secret = Effect.succeed("secret").pipe(requires("admin"))

describe("Testing", () => {
  it.effect("runAs gives a handler the principal, without a backend", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* secret.pipe(Testing.runAs(Testing.principal("alice", ["admin"]))), "secret")
      const denied = yield* Effect.flip(secret.pipe(Testing.runAs(Testing.principal("bob"))))
      assert.strictEqual(denied._tag, "PermissionDenied")
      assert.isTrue(isForbidden(denied))
      // runAs declares no challenge, so an anonymous denial is a 403
      const anonymous = yield* Effect.flip(secret.pipe(Testing.runAs(Testing.anonymous)))
      assert.strictEqual(anonymous.status, 403)
      const user = yield* CurrentUser.pipe(Testing.runAs(Testing.anonymous))
      assert.isFalse(user.isAuthenticated)
    }))

  it.effect("Testing.layer serves a whole app as a principal", () =>
    Effect.gen(function*() {
      const alice = yield* serve(guardedApp).pipe(
        Effect.provide(Testing.layer(Testing.principal("alice", ["authenticated"])))
      )
      assert.strictEqual((yield* get(`${alice}/guarded`)).body, `{"authenticated":true,"user":"alice"}`)
      const anonymous = yield* serve(guardedApp).pipe(Effect.provide(Testing.layer(Testing.anonymous)))
      assert.strictEqual((yield* get(`${anonymous}/guarded`)).status, 403)
    }))

  it.prop(
    "arbitrary principals: users are authenticated, their scopes come from the alphabet",
    [Testing.arbitraryPrincipal(["read", "write"])],
    ([principal]) => {
      if (principal._tag === "User") {
        assert.isTrue(principal.user.isAuthenticated)
        assert.isTrue(principal.credentials.scopes.every((s) => s === "read" || s === "write"))
      }
    }
  )

  it.effect.prop(
    "a policy property over arbitrary principals: requires('write') lets in exactly those holding write",
    [Testing.arbitraryPrincipal(["read", "write"])],
    ([principal]) =>
      Effect.gen(function*() {
        const outcome = yield* Effect.exit(
          Effect.succeed(1).pipe(
            requires(Policy.scope("write")),
            Testing.runAs(principal)
          )
        )
        const credentials = yield* CurrentCredentials.pipe(Testing.runAs(principal))
        assert.strictEqual(outcome._tag === "Success", hasRequiredScope(credentials, "write"))
      })
  )

  it.effect("every principal has a user and credentials, anonymous included", () =>
    Effect.gen(function*() {
      for (const principal of [Testing.anonymous, Testing.principal("alice", ["a"])]) {
        const user = yield* CurrentUser.pipe(Testing.runAs(principal))
        const credentials = yield* CurrentCredentials.pipe(Testing.runAs(principal))
        assert.strictEqual(principal.user.isAuthenticated, user.isAuthenticated)
        assert.deepStrictEqual(principal.credentials.scopes, credentials.scopes)
      }
      assert.strictEqual(Testing.anonymous.user.displayName, "")
      assert.deepStrictEqual(Testing.anonymous.credentials.scopes, [])
    }))

  it.effect("runAs takes the app's challenge, given or from the backend provided: anonymous denials are 401s", () =>
    Effect.gen(function*() {
      const given = yield* Effect.flip(secret.pipe(Testing.runAs(Testing.anonymous, { challenge: ["A", "B"] })))
      assert.isTrue(isUnauthorized(given) && given.challenge === "A, B")
      const fromBackend = yield* Effect.flip(
        secret.pipe(
          Testing.runAs(Testing.anonymous),
          Effect.provide(Basic.layer({ realm: "r", verify: () => Effect.succeedNone }))
        )
      )
      assert.isTrue(isUnauthorized(fromBackend) && fromBackend.challenge === `Basic realm="r", charset="UTF-8"`)
      // an authenticated user lacking the scope is still forbidden
      const bob = yield* Effect.flip(secret.pipe(Testing.runAs(Testing.principal("bob"), { challenge: "A" })))
      assert.isTrue(isForbidden(bob))
    }))

  it.effect("runAs gives a request and route parameters when asked: a redirect has its next, params are read", () =>
    Effect.gen(function*() {
      const page = Effect.succeed(1).pipe(requires("authenticated", { redirect: "/login" }))
      // without a request there is nowhere to come back to: a 403
      assert.isTrue(isForbidden(yield* Effect.flip(page.pipe(Testing.runAs(Testing.anonymous)))))
      const redirect = yield* Effect.flip(page.pipe(Testing.runAs(Testing.anonymous, { request: "/page?tab=2" })))
      assert.isTrue(isLoginRedirect(redirect) && redirect.location === "/login?next=%2Fpage%3Ftab%3D2")
      const post = Effect.gen(function*() {
        const params = yield* HttpRouter.params
        const request = yield* HttpServerRequest.HttpServerRequest
        const search = yield* HttpServerRequest.ParsedSearchParams
        return `${request.method} ${params["id"]} ${search["draft"]}`
      })
      const read = yield* post.pipe(
        Testing.runAs(Testing.principal("ann"), { request: "PUT /posts/7?draft=yes", params: { id: "7" } })
      )
      assert.strictEqual(read, "PUT 7 yes")
      const route = yield* Effect.map(HttpRouter.RouteContext, (context) => context.route.path).pipe(
        Testing.runAs(Testing.anonymous, { params: {} })
      )
      assert.strictEqual(route, "*")
    }))

  it.effect("Testing.layer takes the app's challenge", () =>
    Effect.gen(function*() {
      const backend = yield* AuthenticationBackend.pipe(
        Effect.provide(Testing.layer(Testing.anonymous, { challenge: "X" }))
      )
      assert.deepStrictEqual(backend.challenges, ["X"])
      assert.strictEqual(backend.anonymous.challenge, "X")
    }))

  const alice = new SimpleUser("alice")
  const bob = new SimpleUser("bob")

  it.prop(
    "arbitrary principals from the app's own users and scopes",
    [Testing.arbitraryPrincipal({ users: [alice, bob], scopes: ["editor"], anonymous: false })],
    ([principal]) => {
      assert.strictEqual(principal._tag, "User")
      assert.isTrue(principal.user === alice || principal.user === bob)
      assert.isTrue(principal.credentials.scopes.every((s) => s === "editor"))
    }
  )

  it.effect("arbitrary principals draw each user, anonymous unless told not to, and refuse an empty list", () =>
    Effect.gen(function*() {
      const drawn = yield* Arbitrary.sampleEffect(Testing.arbitraryPrincipal({ users: [alice, bob] }), {
        count: 200,
        seed: 1
      })
      assert.deepStrictEqual(
        new Set(drawn.map((principal) => principal._tag === "User" ? principal.user.identity : "")),
        new Set(["alice", "bob", ""])
      )
      assert.throws(() => Testing.arbitraryPrincipal({ users: [] }), /empty/)
    }))

  const authors: Record<string, string> = { "1": "alice", "2": "bob" }
  const edit = Effect.succeed(HttpServerResponse.text("saved")).pipe(
    requires(Policy.all(
      Policy.scope("editor"),
      Policy.check(
        "owns the post",
        Effect.zipWith(CurrentUser, HttpRouter.params, (user, params) => authors[params["id"]!] === user.identity)
      )
    ))
  )

  it.effect.prop(
    "editors may edit their own posts: a property over the app's users, through route parameters",
    [Testing.arbitraryPrincipal({ users: [alice, bob], scopes: ["editor"] }), Schema.Literals(["1", "2"])],
    ([principal, id]) =>
      Effect.gen(function*() {
        const outcome = yield* Effect.exit(edit.pipe(Testing.runAs(principal, { params: { id } })))
        const mayEdit = principal.credentials.scopes.includes("editor") && authors[id] === principal.user.identity
        assert.strictEqual(outcome._tag === "Success", mayEdit)
      })
  )

  // the real backend knows alice, an admin
  const BackendLive = Basic.layer({
    realm: "app",
    verify: (username) =>
      Effect.succeed(
        username === "alice"
          ? Option.some([new AuthCredentials(["admin"]), new SimpleUser("alice")] as const)
          : Option.none()
      )
  })
  const principals = {
    anonymous: Testing.anonymous,
    bob: Testing.principal("bob"),
    root: Testing.principal("root", ["admin"])
  }
  const routes = Layer.mergeAll(
    HttpRouter.add("GET", "/", whoami),
    HttpRouter.add("GET", "/admin", whoami.pipe(requires("admin"))),
    HttpRouter.add("GET", "/health", HttpServerResponse.text("ok"))
  )

  it.effect("accessTable: a router's routes behind the middleware layer, around each principal", () =>
    Effect.gen(function*() {
      const app = routes.pipe(Layer.provide(AuthenticationMiddleware.layer))
      const table = yield* Testing.accessTable(app, {
        routes: ["GET /", "GET /admin", "GET /health"],
        principals
      }).pipe(Effect.provide(BackendLive)) // its challenge, so its 401s
      assert.deepStrictEqual(table, {
        "GET /": { anonymous: 200, bob: 200, root: 200 },
        "GET /admin": { anonymous: 401, bob: 403, root: 200 },
        "GET /health": { anonymous: 200, bob: 200, root: 200 }
      })
      // or the challenge given
      const given = yield* Testing.accessTable(app, {
        routes: ["GET /admin"],
        principals,
        challenge: `Basic realm="app"`
      })
      assert.deepStrictEqual(given, { "GET /admin": { anonymous: 401, bob: 403, root: 200 } })
    }))

  it.effect("accessTable: an app behind the function form reads the stand-in per request", () =>
    Effect.gen(function*() {
      const app = AuthenticationMiddleware(yield* HttpRouter.toHttpEffect(routes))
      const table = yield* Testing.accessTable(app, { routes: ["GET /admin", "/"], principals })
      assert.deepStrictEqual(table, {
        "GET /admin": { anonymous: 403, bob: 403, root: 200 },
        "/": { anonymous: 200, bob: 200, root: 200 }
      })
    }))

  it.effect("accessTable dies, naming the cause, when its stand-in backend is never consulted", () =>
    Effect.gen(function*() {
      // routes without the middleware say nothing of authentication
      const open = HttpRouter.add("GET", "/health", HttpServerResponse.text("ok"))
      const exit = yield* Effect.exit(Testing.accessTable(open, { routes: ["GET /health"], principals }))
      assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
      const message = Exit.isFailure(exit) ? Cause.pretty(exit.cause) : ""
      assert.include(message, `no request ("GET /health") reached the stand-in backend`)
    }))

  // an HttpApi app, as docs/httpapi.md builds one: its middleware takes its backend when its Layer is built
  class Authentication extends HttpApiAuthentication.Tag<Authentication>()("test/Testing/Authentication", {
    security: { basic: HttpApiSecurity.basic }
  }) {}
  const Text = Schema.String.pipe(HttpApiSchema.asText())
  const Api = HttpApi.make("testing").add(
    HttpApiGroup.make("pages")
      .add(HttpApiEndpoint.get("home", "/", { success: Text }).pipe(HttpApiAuthentication.requires([])))
      .add(HttpApiEndpoint.get("admin", "/admin", { success: Text }).pipe(HttpApiAuthentication.requires("admin")))
      .middleware(Authentication)
  ).add(HttpApiGroup.make("public").add(HttpApiEndpoint.get("health", "/health", { success: Text })))
  const ApiWithoutBackend = HttpApiBuilder.layer(Api).pipe(
    Layer.provide(
      HttpApiBuilder.group(
        Api,
        "pages",
        (handlers) =>
          handlers.handle("home", () => Effect.succeed("home")).handle("admin", () => Effect.succeed("admin"))
      )
    ),
    Layer.provide(
      HttpApiBuilder.group(Api, "public", (handlers) => handlers.handle("health", () => Effect.succeed("ok")))
    ),
    Layer.provide(HttpApiAuthentication.layer(Authentication, Api)),
    Layer.provide(NodeHttpServer.layerHttpServices)
  )

  it.effect("accessTable: an HttpApi app's Layer without its backend is built around each principal", () =>
    Effect.gen(function*() {
      const table = yield* Testing.accessTable(ApiWithoutBackend, {
        routes: ["GET /", "GET /admin", "GET /health"],
        principals
      }).pipe(Effect.provide(BackendLive)) // its challenge, so its 401s
      assert.deepStrictEqual(table, {
        "GET /": { anonymous: 200, bob: 200, root: 200 },
        "GET /admin": { anonymous: 401, bob: 403, root: 200 },
        // a row answered without authentication (a public group) is fine in a table whose other rows reach it
        "GET /health": { anonymous: 200, bob: 200, root: 200 }
      })
      // or the challenge given
      const given = yield* Testing.accessTable(ApiWithoutBackend, {
        routes: ["GET /admin"],
        principals,
        challenge: `Basic realm="app"`
      })
      assert.deepStrictEqual(given, { "GET /admin": { anonymous: 401, bob: 403, root: 200 } })
    }))
})
