/**
 * `requires(…, { status: 404 })` hides a route: through a real server, the answer to a hidden route is the answer to a
 * path that does not exist (status, every header but Date, body), whatever renders the app's missing paths. In
 * Effect 4 a missing route fails with an `HttpServerError` whose `reason` is a `RouteNotFound`; so does a hidden one.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import type { PermissionDenied } from "effect-auth"
import {
  AuthCredentials,
  type AuthenticationBackend,
  AuthenticationMiddleware,
  CurrentAuthentication,
  CurrentUser,
  isHidden,
  isNotFound,
  UnauthenticatedUser
} from "effect-auth"
import * as Basic from "effect-auth/Basic"
import { Authentication } from "effect-auth/CurrentUser"
import * as HttpLayerRouterAuthentication from "effect-auth/HttpLayerRouterAuthentication"
import { requires } from "effect-auth/Requires"
import * as HttpRouter from "effect/http/HttpRouter"
import type * as HttpServerError from "effect/http/HttpServerError"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { usersWithScopes } from "../utils/fixtures.js"
import type { Reply } from "../utils/server.js"
import { basic, connect, request, serve } from "../utils/server.js"

const BasicLive = Basic.layer({
  verify: usersWithScopes({ alice: ["authenticated", "admin"], bob: ["authenticated"] })
})

const hello = Effect.map(CurrentUser, (user) => HttpServerResponse.text(`hello, ${user.displayName}`))
const hidden = hello.pipe(requires("admin", { status: 404 }))

const Routes = Layer.mergeAll(
  HttpRouter.add("GET", "/hidden", hidden),
  HttpRouter.add("GET", "/hidden/socket", hello.pipe(requires("admin", { status: 404, websocket: "close" })))
)

// an app's own rendering of paths that do not exist
const nothingHere = () =>
  Effect.succeed(HttpServerResponse.text("nothing here", { status: 404, headers: { "x-app": "custom" } }))

// what a client can observe of an answer: status, every header but Date (the clock), body
const observed = (reply: Reply) => ({
  status: reply.status,
  headers: Array.from(reply.headers.entries()).filter(([name]) => name !== "date"),
  body: reply.body
})

// GET /hidden and GET /no-such-path, as an anonymous client and as bob (authenticated, not admin): each pair must be
// indistinguishable
const assertLooksMissing = (url: string) =>
  Effect.gen(function*() {
    for (const headers of [{}, basic("bob", "x")]) {
      const hiddenReply = yield* request(`${url}/hidden`, { headers })
      const missingReply = yield* request(`${url}/no-such-path`, { headers })
      assert.strictEqual(hiddenReply.status, 404)
      assert.deepStrictEqual(observed(hiddenReply), observed(missingReply))
    }
    // the route still serves those who may see it
    assert.strictEqual((yield* request(`${url}/hidden`, { headers: basic("alice", "x") })).body, "hello, alice")
  })

// the router as an effect (built in the test's scope), wrapped by `wrap`, served with the backend
const serveWith = <E, R>(
  wrap: (
    router: Effect.Effect<
      HttpServerResponse.HttpServerResponse,
      HttpServerError.HttpServerError | PermissionDenied,
      any
    >
  ) => Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
) =>
  Effect.flatMap(
    HttpRouter.toHttpEffect(Routes),
    // what the wrapped app needs is the backend and what the server gives: checked where it is written
    (router) => serve(wrap(router) as Effect.Effect<HttpServerResponse.HttpServerResponse, E, AuthenticationBackend>)
  ).pipe(Effect.provide(BasicLive))

describe("a hidden route looks missing (the function form)", () => {
  it.effect("the platform's own rendering of a missing path", () =>
    Effect.flatMap(serveWith(AuthenticationMiddleware), assertLooksMissing))

  it.effect("an app that renders RouteNotFound itself, around its router", () =>
    Effect.flatMap(
      serveWith((router) =>
        AuthenticationMiddleware(router.pipe(Effect.catchReason("HttpServerError", "RouteNotFound", nothingHere)))
      ),
      (url) =>
        Effect.gen(function*() {
          assert.strictEqual((yield* request(`${url}/hidden`)).body, "nothing here")
          yield* assertLooksMissing(url)
        })
    ))

  it.effect("an app that renders RouteNotFound itself, around the middleware", () =>
    Effect.flatMap(
      serveWith((router) =>
        AuthenticationMiddleware(router).pipe(Effect.catchReason("HttpServerError", "RouteNotFound", nothingHere))
      ),
      assertLooksMissing
    ))

  it.effect("an app that renders every HttpServerError itself (catchTag) treats them alike", () =>
    Effect.flatMap(
      serveWith((router) =>
        AuthenticationMiddleware(router).pipe(
          Effect.catchTag(
            "HttpServerError",
            (error) => Effect.succeed(HttpServerResponse.text(`${error.reason._tag}`, { status: 404 }))
          )
        )
      ),
      assertLooksMissing
    ))

  it.effect("an app that re-renders every PermissionDenied does not reveal it either", () =>
    Effect.flatMap(
      serveWith((router) =>
        AuthenticationMiddleware(router).pipe(
          Effect.catchTag(
            "PermissionDenied",
            (denied: PermissionDenied) =>
              Effect.succeed(HttpServerResponse.text(`denied: ${denied.clause}`, { status: denied.status }))
          )
        )
      ),
      assertLooksMissing
    ))

  it.effect("a hidden route's websocket handshake is rejected with 404, even with websocket: \"close\"", () =>
    Effect.gen(function*() {
      const url = yield* serveWith(AuthenticationMiddleware)
      assert.deepStrictEqual(yield* connect(`${url}/hidden/socket`, basic("bob", "x")), {
        _tag: "Rejected",
        status: 404
      })
      assert.deepStrictEqual(yield* connect(`${url}/no-such-socket`, basic("bob", "x")), {
        _tag: "Rejected",
        status: 404
      })
    }))

  it.effect("logs can tell them apart: isHidden, with the denial as the cause", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const url = yield* serveWith((router) =>
        AuthenticationMiddleware(router).pipe(
          Effect.tapError((error) =>
            Effect.sync(() => {
              const failure = error as HttpServerError.HttpServerError
              seen.push(
                isHidden(error)
                  ? `hidden by ${error.cause.clause}`
                  : `${failure.reason._tag} ${failure.request.url}`
              )
            })
          )
        )
      )
      yield* request(`${url}/hidden`)
      yield* request(`${url}/no-such-path`)
      assert.deepStrictEqual(seen, [`hidden by "admin"`, "RouteNotFound /no-such-path"])
    }))

  it.effect("without a request (no router to look like), the denial is NotFound", () =>
    Effect.gen(function*() {
      const anonymous = new Authentication(new UnauthenticatedUser(), new AuthCredentials(), undefined)
      const denied = yield* Effect.flip(Effect.provideService(hidden, CurrentAuthentication, anonymous))
      assert.isTrue(isNotFound(denied))
      assert.isFalse(isHidden(denied))
    }))
})

describe("a hidden route looks missing (the router layer form)", () => {
  it.effect("the platform's own rendering of a missing path", () =>
    Effect.gen(function*() {
      const url = yield* serve(Routes.pipe(Layer.provide(HttpLayerRouterAuthentication.layer))).pipe(
        Effect.provide(BasicLive)
      )
      yield* assertLooksMissing(url)
    }))

  it.effect("an app that renders RouteNotFound in a global middleware", () =>
    Effect.gen(function*() {
      const NotFoundPage = HttpRouter.middleware<{ handles: HttpServerError.HttpServerError }>()(
        (app) => Effect.catchReason(app, "HttpServerError", "RouteNotFound", nothingHere),
        { global: true }
      )
      const app = Layer.mergeAll(Routes, NotFoundPage).pipe(Layer.provide(HttpLayerRouterAuthentication.layer))
      const url = yield* serve(app).pipe(Effect.provide(BasicLive))
      assert.strictEqual((yield* request(`${url}/no-such-path`)).body, "nothing here")
      yield* assertLooksMissing(url)
    }))
})
