/**
 * `requires(…, { status: 404 })` hides a route: through a real server, the answer to a hidden route is the answer to a
 * path that does not exist (status, every header but Date, body), whatever renders the app's missing paths.
 */
import { HttpLayerRouter, HttpRouter, HttpServerResponse } from "@effect/platform"
import type { HttpServerError } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import type { PermissionDenied } from "effect-auth"
import {
  AuthCredentials,
  AuthenticationMiddleware,
  Basic,
  CurrentAuthentication,
  CurrentUser,
  isHidden,
  isNotFound,
  requires,
  UnauthenticatedUser
} from "effect-auth"
import { Authentication } from "effect-auth/CurrentUser"
import { usersWithScopes } from "../utils/fixtures.js"
import type { Reply } from "../utils/server.js"
import { basic, connect, request, serve } from "../utils/server.js"

const BasicLive = Basic.layer({
  verify: usersWithScopes({ alice: ["authenticated", "admin"], bob: ["authenticated"] })
})

const hello = Effect.map(CurrentUser, (user) => HttpServerResponse.text(`hello, ${user.displayName}`))
const hidden = hello.pipe(requires("admin", { status: 404 }))

const router = HttpRouter.empty.pipe(
  HttpRouter.get("/hidden", hidden),
  HttpRouter.get("/hidden/socket", hidden.pipe(requires("admin", { status: 404, websocket: "close" })))
)

// an app's own rendering of paths that do not exist
const nothingHere = () => HttpServerResponse.text("nothing here", { status: 404, headers: { "x-app": "custom" } })

// what a client can observe of an answer: status, every header but Date (the clock), body
const observed = (reply: Reply) => ({
  status: reply.status,
  headers: Array.from(reply.headers.entries()).filter(([name]) => name !== "date"),
  body: reply.body
})

// GET /hidden and GET /no-such-path, as an anonymous client, as bob (authenticated, not admin), and with an unknown
// method: each pair must be indistinguishable
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

const serveWith = <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
  Effect.provide(serve(app), BasicLive)

describe("a hidden route looks missing (HttpRouter)", () => {
  it.scoped("the platform's own rendering of a missing path", () =>
    Effect.flatMap(serveWith(AuthenticationMiddleware(router)), assertLooksMissing))

  it.scoped("an app that renders RouteNotFound itself, around its router", () =>
    Effect.flatMap(
      serveWith(AuthenticationMiddleware(router.pipe(Effect.catchTag("RouteNotFound", nothingHere)))),
      (url) =>
        Effect.gen(function*() {
          assert.strictEqual((yield* request(`${url}/hidden`)).body, "nothing here")
          yield* assertLooksMissing(url)
        })
    ))

  it.scoped("an app that renders RouteNotFound itself, around the middleware", () =>
    Effect.flatMap(
      serveWith(AuthenticationMiddleware(router).pipe(Effect.catchTag("RouteNotFound", nothingHere))),
      assertLooksMissing
    ))

  it.scoped("an app that re-renders every PermissionDenied does not reveal it either", () =>
    Effect.flatMap(
      serveWith(
        AuthenticationMiddleware(router).pipe(
          Effect.catchTag("PermissionDenied", (denied: PermissionDenied) =>
            HttpServerResponse.text(`denied: ${denied.clause}`, { status: denied.status }))
        )
      ),
      assertLooksMissing
    ))

  it.scoped("a hidden route's websocket handshake is rejected with 404, even with websocket: \"close\"", () =>
    Effect.gen(function*() {
      const url = yield* serveWith(AuthenticationMiddleware(router))
      assert.deepStrictEqual(yield* connect(`${url}/hidden/socket`, basic("bob", "x")), {
        _tag: "Rejected",
        status: 404
      })
      assert.deepStrictEqual(yield* connect(`${url}/no-such-socket`, basic("bob", "x")), {
        _tag: "Rejected",
        status: 404
      })
    }))

  it.scoped("logs can tell them apart: isHidden, with the denial as the RouteNotFound's cause", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const logged = AuthenticationMiddleware(router).pipe(
        Effect.tapError((error) =>
          Effect.sync(() => {
            const notFound = error as HttpServerError.RouteNotFound
            seen.push(isHidden(error) ? `hidden by ${error.cause.clause}` : `${notFound._tag} ${notFound.request.url}`)
          })
        )
      )
      const url = yield* serveWith(logged)
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

describe("a hidden route looks missing (HttpLayerRouter)", () => {
  const Routes = HttpLayerRouter.add("GET", "/hidden", hidden)

  it.scoped("the platform's own rendering of a missing path", () =>
    Effect.gen(function*() {
      const app = yield* HttpLayerRouter.toHttpEffect(Routes)
      yield* assertLooksMissing(yield* serveWith(AuthenticationMiddleware(app)))
    }))

  it.scoped("an app that renders RouteNotFound in a global middleware", () =>
    Effect.gen(function*() {
      const NotFoundPage = HttpLayerRouter.middleware<{ handles: HttpServerError.RouteNotFound }>()(
        (app) => Effect.catchTag(app, "RouteNotFound", nothingHere),
        { global: true }
      )
      const app = yield* HttpLayerRouter.toHttpEffect(Layer.mergeAll(Routes, NotFoundPage))
      const url = yield* serveWith(AuthenticationMiddleware(app))
      assert.strictEqual((yield* request(`${url}/no-such-path`)).body, "nothing here")
      yield* assertLooksMissing(url)
    }))
})
