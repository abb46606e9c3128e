/**
 * HttpLayerRouterAuthentication through a real server (Effect 4's `HttpRouter` is Effect 3's `HttpLayerRouter`):
 * authentication before routing on every path, the backend's challenges kept, and `handle`'s `catchTag` firing for
 * denials, refusals and missing (or hidden) routes.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import type { AuthenticationError, CurrentCredentials, CurrentUser, PermissionDenied } from "effect-auth"
import { AuthenticationBackend, AuthenticationMiddleware } from "effect-auth"
import * as Basic from "effect-auth/Basic"
import * as ErrorResponse from "effect-auth/ErrorResponse"
import * as HttpLayerRouterAuthentication from "effect-auth/HttpLayerRouterAuthentication"
import { requires } from "effect-auth/Requires"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServer from "effect/http/HttpServer"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { createServer } from "node:http"
import { usersWithScopes, whoami } from "./utils/fixtures.js"
import { basic, request } from "./utils/server.js"

const BasicLive = Basic.layer({
  realm: "test",
  verify: usersWithScopes({ alice: ["authenticated", "admin"], bob: ["authenticated"] })
})
const challenge = `Basic realm="test", charset="UTF-8"`

const Routes = HttpRouter.addAll([
  HttpRouter.route("GET", "/", whoami),
  HttpRouter.route("GET", "/admin", whoami.pipe(requires("admin"))),
  HttpRouter.route("GET", "/hidden", whoami.pipe(requires("admin", { status: 404 }))),
  HttpRouter.route("GET", "/login-first", whoami.pipe(requires("admin", { redirect: "/login" })))
])

// serves a router's Layer with `HttpRouter.serve` on 127.0.0.1, on a free port, for the test's scope
const serveLayer = <A, E, R>(
  app: Layer.Layer<A, E, R>,
  serve: (app: Layer.Layer<A, E, R>) => Layer.Layer<A, any, any> = (app) =>
    HttpRouter.serve(app, { disableLogger: true, disableListenLog: true })
) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(
      serve(app).pipe(
        Layer.provide(BasicLive),
        Layer.provideMerge(
          NodeHttpServer.layer(() => createServer(), { host: "127.0.0.1", port: 0, gracefulShutdownTimeout: 0 })
        )
      )
    )
    const address = (yield* Effect.provide(HttpServer.HttpServer, context)).address
    return address._tag === "InetAddressV4" ? `http://127.0.0.1:${address.port}` : yield* Effect.die("not IPv4")
  }).pipe(Effect.orDie)

describe("HttpLayerRouterAuthentication", () => {
  it.effect("layer: authentication before routing, on every path; 401, 403, 404 and 303 outcomes", () =>
    Effect.gen(function*() {
      const url = yield* serveLayer(Routes.pipe(Layer.provide(HttpLayerRouterAuthentication.layer)))
      assert.strictEqual((yield* request(`${url}/`)).body, `{"authenticated":false,"user":""}`)
      assert.strictEqual(
        (yield* request(`${url}/`, { headers: basic("alice", "x") })).body,
        `{"authenticated":true,"user":"alice"}`
      )
      const anonymous = yield* request(`${url}/admin`)
      assert.deepStrictEqual([anonymous.status, anonymous.headers.get("www-authenticate")], [401, challenge])
      assert.strictEqual((yield* request(`${url}/admin`, { headers: basic("alice", "x") })).status, 200)
      const bob = yield* request(`${url}/admin`, { headers: basic("bob", "x") })
      assert.deepStrictEqual([bob.status, bob.body, bob.headers.get("www-authenticate")], [403, "Forbidden", null])
      const redirected = yield* request(`${url}/login-first?x=1`)
      assert.deepStrictEqual(
        [redirected.status, redirected.headers.get("location")],
        [303, `/login?next=${encodeURIComponent("/login-first?x=1")}`]
      )
      // a malformed header is refused before routing (Starlette's order): 400 on a path that does not exist too
      const malformed = yield* request(`${url}/no/such/path`, { headers: { authorization: "Basic foobar" } })
      assert.deepStrictEqual([malformed.status, malformed.body], [400, "Invalid basic auth credentials"])
      assert.strictEqual((yield* request(`${url}/no/such/path`)).status, 404)
      // a hidden route looks exactly like a missing one
      const hidden = yield* request(`${url}/hidden`)
      const missing = yield* request(`${url}/missing`)
      assert.deepStrictEqual([hidden.status, hidden.body], [404, ""])
      assert.deepStrictEqual([hidden.status, hidden.body], [missing.status, missing.body])
      assert.strictEqual(hidden.headers.get("content-type"), missing.headers.get("content-type"))
    }))

  it.effect("layer is the middleware's own router layer", () =>
    Effect.sync(() => assert.strictEqual(HttpLayerRouterAuthentication.layer, AuthenticationMiddleware.layer)))

  it.effect("layerWith: catchTag in handle fires for denials, refusals and unknown paths, headers kept", () =>
    Effect.gen(function*() {
      const json = (error: AuthenticationError | PermissionDenied) =>
        ErrorResponse.withBody(error, {
          json: { error: error._tag === "AuthenticationError" ? error.message : String(error.status) }
        })
      const url = yield* serveLayer(Routes.pipe(Layer.provide(HttpLayerRouterAuthentication.layerWith({
        handle: (app) =>
          app.pipe(
            Effect.catchTag(["AuthenticationError", "PermissionDenied"], json),
            // in Effect 4 a missing route is an HttpServerError whose reason is a RouteNotFound
            Effect.catchTag(
              "HttpServerError",
              (error) =>
                error.reason._tag === "RouteNotFound"
                  ? Effect.succeed(HttpServerResponse.jsonUnsafe({ error: "404" }, { status: 404 }))
                  : Effect.fail(error)
            )
          )
      }))))
      const anonymous = yield* request(`${url}/admin`)
      assert.deepStrictEqual([anonymous.status, anonymous.body], [401, `{"error":"401"}`])
      assert.strictEqual(anonymous.headers.get("www-authenticate"), challenge)
      assert.strictEqual(anonymous.headers.get("content-type"), "application/json")
      const malformed = yield* request(`${url}/nowhere`, { headers: { authorization: "Basic foobar" } })
      assert.deepStrictEqual([malformed.status, malformed.body], [400, `{"error":"Invalid basic auth credentials"}`])
      // hidden and missing still look the same, rendered the same way
      const hidden = yield* request(`${url}/hidden`)
      const missing = yield* request(`${url}/nowhere`)
      assert.deepStrictEqual([hidden.status, hidden.body], [404, `{"error":"404"}`])
      assert.deepStrictEqual([missing.status, missing.body], [404, `{"error":"404"}`])
    }))

  it.effect("a hand-made global middleware that captures the backend and provides it again keeps its challenge", () =>
    Effect.gen(function*() {
      // the pattern users reach for first: the challenge travels with the backend value, so it is kept
      const Global = HttpRouter.middleware<{ provides: CurrentUser | CurrentCredentials }>()(
        Effect.map(
          AuthenticationBackend,
          (backend) => (app) =>
            AuthenticationMiddleware(app).pipe(Effect.provideService(AuthenticationBackend, backend))
        ),
        { global: true }
      )
      const url = yield* serveLayer(Routes.pipe(Layer.provide(Global), Layer.provide(BasicLive)))
      const anonymous = yield* request(`${url}/admin`)
      assert.deepStrictEqual([anonymous.status, anonymous.headers.get("www-authenticate")], [401, challenge])
    }))

  it.effect("why not serve's own middleware option: it authenticates, but a catchTag there never fires", () =>
    Effect.gen(function*() {
      const url = yield* serveLayer(Routes, (app) =>
        HttpRouter.serve(app, {
          disableLogger: true,
          disableListenLog: true,
          middleware: (inner) =>
            AuthenticationMiddleware(inner).pipe(
              Effect.catchTag(
                "PermissionDenied",
                () => Effect.succeed(HttpServerResponse.text("caught", { status: 418 }))
              )
            )
        }))
      // the router's errors were rendered and sent inside: the denial renders as it would, the handler never runs
      const anonymous = yield* request(`${url}/admin`)
      assert.deepStrictEqual([anonymous.status, anonymous.body], [401, "Unauthorized"])
    }))
})
