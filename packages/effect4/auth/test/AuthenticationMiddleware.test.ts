import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Layer, Option } from "effect"
import type { AuthenticationError } from "effect-auth"
import {
  AuthCredentials,
  AuthenticationBackend,
  AuthenticationMiddleware,
  CurrentUser,
  InvalidCredentials,
  RejectedCredentials,
  ServiceUnavailable,
  SimpleUser
} from "effect-auth"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Socket from "effect/socket/Socket"
import { connect, request, serve } from "./utils/server.js"

const as = (name: string) =>
  AuthenticationBackend.layer(Effect.succeed(Option.some([new AuthCredentials(), new SimpleUser(name)] as const)))
const name = Effect.map(CurrentUser, (user) => user.displayName)
const failing = (failure: AuthenticationError | ServiceUnavailable) => AuthenticationBackend.layer(Effect.fail(failure))

describe("AuthenticationMiddleware", () => {
  it.effect("a middleware inside another: the inner app sees its own run's user, the outer handler keeps its own", () =>
    Effect.gen(function*() {
      // each run of the backend is a new user: the outer middleware's run is "run-1", the inner one's "run-2"
      let runs = 0
      const counting = AuthenticationBackend.layer(
        Effect.sync(() => Option.some([new AuthCredentials(), new SimpleUser(`run-${++runs}`)] as const))
      )
      const inner = AuthenticationMiddleware(Effect.map(name, (n) => HttpServerResponse.text(n)))
      const outer = yield* HttpRouter.toHttpEffect(HttpRouter.add(
        "GET",
        "/both",
        Effect.gen(function*() {
          const before = yield* name
          const response = yield* inner
          const innerBody = response.body._tag === "Uint8Array" ? new TextDecoder().decode(response.body.body) : "?"
          const after = yield* name
          return HttpServerResponse.text(`${before} ${innerBody} ${after}`)
        })
      ))
      const url = yield* serve(AuthenticationMiddleware(outer)).pipe(Effect.provide(counting))
      const reply = yield* request(`${url}/both`)
      assert.strictEqual(`${reply.status} ${reply.body}`, "200 run-1 run-2 run-1")
    }))

  it.live("fibers forked by a handler keep seeing the user after the response", () =>
    Effect.gen(function*() {
      const seen = yield* Deferred.make<string>()
      const app = AuthenticationMiddleware(
        yield* HttpRouter.toHttpEffect(HttpRouter.add(
          "GET",
          "/",
          Effect.as(
            Effect.forkDetach(
              Effect.sleep("50 millis").pipe(Effect.andThen(name), Effect.flatMap((n) => Deferred.succeed(seen, n)))
            ),
            HttpServerResponse.text("accepted")
          )
        ))
      )
      const url = yield* serve(app).pipe(Effect.provide(as("alice")))
      assert.strictEqual((yield* request(url)).body, "accepted")
      assert.strictEqual(yield* Deferred.await(seen), "alice")
    }))

  it.live("concurrent requests each see their own user (or none)", () =>
    Effect.gen(function*() {
      const byHeader = AuthenticationBackend.layer(
        Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
          Option.map(
            Option.fromNullishOr(request.headers["x-user"]),
            (user) => [new AuthCredentials(), new SimpleUser(user)] as const
          ))
      )
      const app = AuthenticationMiddleware(
        yield* HttpRouter.toHttpEffect(HttpRouter.add(
          "GET",
          "/",
          Effect.map(Effect.andThen(Effect.sleep("5 millis"), name), (n) => HttpServerResponse.text(n || "anonymous"))
        ))
      )
      const url = yield* serve(app).pipe(Effect.provide(byHeader))
      const names = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? undefined : `user-${i}`))
      const bodies = yield* Effect.forEach(
        names,
        (user) => Effect.map(request(url, { headers: user === undefined ? {} : { "x-user": user } }), (r) => r.body),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(bodies, names.map((user) => user ?? "anonymous"))
    }))

  it.effect("each outcome renders with the status of its class: 400, 401 with its challenge, 503 with Retry-After", () =>
    Effect.gen(function*() {
      const failures: ReadonlyArray<
        readonly [AuthenticationError | ServiceUnavailable, number, string, Record<string, string | null>]
      > = [
        [new InvalidCredentials({ message: "Malformed" }), 400, "Malformed", { "www-authenticate": null }],
        [new RejectedCredentials({ message: "Refused", challenge: "Bearer" }), 401, "Refused", {
          "www-authenticate": "Bearer"
        }],
        [new ServiceUnavailable({ reason: "key set down at 10.0.0.7", retryAfter: 30 }), 503, "Service Unavailable", {
          "retry-after": "30",
          "www-authenticate": null
        }],
        [new ServiceUnavailable({ reason: "store down" }), 503, "Service Unavailable", { "retry-after": "1" }]
      ]
      for (const [failure, status, body, headers] of failures) {
        assert.strictEqual(failure.status, status)
        const app = AuthenticationMiddleware(Effect.map(name, (n) => HttpServerResponse.text(n)))
        const url = yield* serve(app).pipe(Effect.provide(failing(failure)))
        const reply = yield* request(url)
        assert.deepStrictEqual([reply.status, reply.body], [status, body])
        for (const [header, value] of Object.entries(headers)) {
          assert.strictEqual(reply.headers.get(header), value, header)
        }
        assert.notInclude(reply.body, "10.0.0.7")
      }
    }))

  it.effect("onError receives every refusal and ServiceUnavailable; catchTag tells them apart without it", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const handler = Effect.map(name, (n) => HttpServerResponse.text(n))
      const withOnError = AuthenticationMiddleware.make({
        onError: (error, request) => {
          seen.push(`${error._tag} ${error.status} ${request.url}`)
          return Effect.succeed(HttpServerResponse.text("custom", { status: error.status === 503 ? 503 : 401 }))
        }
      })(handler)
      for (const failure of [new InvalidCredentials({ message: "m" }), new ServiceUnavailable({ reason: "r" })]) {
        const url = yield* serve(withOnError).pipe(Effect.provide(failing(failure)))
        assert.strictEqual((yield* request(`${url}/x`)).body, "custom")
      }
      assert.deepStrictEqual(seen, ["AuthenticationError 400 /x", "ServiceUnavailable 503 /x"])

      const caught = AuthenticationMiddleware(handler).pipe(
        Effect.catchTags({
          AuthenticationError: (error) => Effect.succeed(HttpServerResponse.text(`refused ${error.status}`)),
          ServiceUnavailable: (error) => Effect.succeed(HttpServerResponse.text(`later ${error.retryAfter}`))
        })
      )
      const refused = yield* serve(caught).pipe(Effect.provide(failing(new RejectedCredentials({ message: "no" }))))
      assert.strictEqual((yield* request(refused)).body, "refused 401")
      const later = yield* serve(caught).pipe(
        Effect.provide(failing(new ServiceUnavailable({ reason: "r", retryAfter: 5 })))
      )
      assert.strictEqual((yield* request(later)).body, "later 5")
    }))

  it.effect("Cache-Control: no-store on what depends on credentials; a handler's own Cache-Control is kept", () =>
    Effect.gen(function*() {
      const router = yield* HttpRouter.toHttpEffect(Layer.mergeAll(
        HttpRouter.add("GET", "/", Effect.map(name, (n) => HttpServerResponse.text(n))),
        HttpRouter.add(
          "GET",
          "/asset",
          HttpServerResponse.text("asset", { headers: { "cache-control": "public, max-age=60" } })
        ),
        HttpRouter.add(
          "GET",
          "/denied",
          Effect.flatMap(name, () => Effect.fail(new RejectedCredentials({ message: "no" })))
        )
      ))
      const cacheControl = (url: string) => Effect.map(request(url), (reply) => reply.headers.get("cache-control"))
      // authenticated: every response, an error rendered outside the middleware included
      const signedIn = yield* serve(AuthenticationMiddleware(router)).pipe(Effect.provide(as("alice")))
      assert.strictEqual(yield* cacheControl(signedIn), "no-store")
      assert.strictEqual(yield* cacheControl(`${signedIn}/denied`), "no-store")
      assert.strictEqual(yield* cacheControl(`${signedIn}/missing`), "no-store")
      assert.strictEqual(yield* cacheControl(`${signedIn}/asset`), "public, max-age=60")
      // anonymous: nothing depends on credentials, the response is the app's
      const anonymous = yield* serve(AuthenticationMiddleware(router)).pipe(
        Effect.provide(AuthenticationBackend.layer(Effect.succeedNone))
      )
      assert.strictEqual(yield* cacheControl(anonymous), null)
      // refusals: rendered by the error, by onError, or by a catchTag
      const withOnError = AuthenticationMiddleware.make({
        onError: (error) => Effect.succeed(HttpServerResponse.text("custom", { status: error.status }))
      })(router)
      const caught = AuthenticationMiddleware(router).pipe(
        Effect.catchTag("AuthenticationError", () => Effect.succeed(HttpServerResponse.text("caught")))
      )
      for (
        const failure of [
          new InvalidCredentials({ message: "m" }),
          new RejectedCredentials({ message: "no" }),
          new ServiceUnavailable({ reason: "r" })
        ]
      ) {
        for (const app of [AuthenticationMiddleware(router), withOnError, caught]) {
          const url = yield* serve(app).pipe(Effect.provide(failing(failure)))
          const reply = yield* request(url)
          assert.strictEqual(reply.headers.get("cache-control"), "no-store", `${failure._tag} ${reply.status}`)
        }
      }
    }))

  it.effect("the router layer form runs before routing: a refusal is rendered on a path no route matches", () =>
    Effect.gen(function*() {
      const routes = HttpRouter.add("GET", "/", Effect.map(name, (n) => HttpServerResponse.text(n || "anonymous")))
      const app = routes.pipe(Layer.provide(AuthenticationMiddleware.layer))
      const refused = yield* serve(app).pipe(Effect.provide(failing(new InvalidCredentials({ message: "Malformed" }))))
      const unknown = yield* request(`${refused}/nowhere`)
      assert.deepStrictEqual([unknown.status, unknown.body], [400, "Malformed"])
      assert.strictEqual(unknown.headers.get("cache-control"), "no-store")
      const signedIn = yield* serve(app).pipe(Effect.provide(as("alice")))
      assert.strictEqual((yield* request(signedIn)).body, "alice")
      assert.strictEqual((yield* request(`${signedIn}/nowhere`)).status, 404)
      const anonymous = yield* serve(app).pipe(Effect.provide(AuthenticationBackend.layer(Effect.succeedNone)))
      assert.strictEqual((yield* request(anonymous)).body, "anonymous")
    }))

  it.effect("layerWith: onError answers the refusal on every path", () =>
    Effect.gen(function*() {
      const routes = HttpRouter.add("GET", "/", Effect.map(name, (n) => HttpServerResponse.text(n)))
      const app = routes.pipe(Layer.provide(AuthenticationMiddleware.layerWith({
        onError: (error) => Effect.succeed(HttpServerResponse.text(`custom ${error.status}`, { status: 401 }))
      })))
      const url = yield* serve(app).pipe(Effect.provide(failing(new InvalidCredentials({ message: "m" }))))
      const reply = yield* request(`${url}/nowhere`)
      assert.deepStrictEqual([reply.status, reply.body], [401, "custom 400"])
    }))

  it.effect("a backend defect is a logged 500 with a generic body and no stack", () =>
    Effect.gen(function*() {
      const app = AuthenticationMiddleware(Effect.map(name, (n) => HttpServerResponse.text(n)))
      const url = yield* serve(app).pipe(
        Effect.provide(AuthenticationBackend.layer(Effect.die(new Error("secret at 10.0.0.9"))))
      )
      const reply = yield* request(url)
      assert.deepStrictEqual([reply.status, reply.body], [500, "Internal Server Error"])
      assert.notInclude(reply.body, "10.0.0.9")
    }))

  it.live("websocket upgrades are authenticated too, by either form: the user, or the refusal's status", () =>
    Effect.gen(function*() {
      // the socket opens when its reader is acquired: reader first, then the greeting and the close
      const greet = Effect.gen(function*() {
        const user = yield* CurrentUser
        const request = yield* HttpServerRequest.HttpServerRequest
        const socket = yield* request.upgrade
        yield* socket.reader
        const writer = yield* socket.writer
        yield* writer.write(`hello, ${user.displayName || "you"}`)
        yield* writer.write(new Socket.CloseEvent(1000))
        return HttpServerResponse.empty()
      }).pipe(Effect.scoped, Effect.orDie)
      const routes = HttpRouter.add("GET", "/ws", greet)
      const apps = {
        function: Effect.flatMap(
          Effect.map(HttpRouter.toHttpEffect(routes), AuthenticationMiddleware),
          (app) => serve(app)
        ),
        layer: serve(routes.pipe(Layer.provide(AuthenticationMiddleware.layer)))
      }
      for (const [form, served] of Object.entries(apps)) {
        const alice = yield* served.pipe(Effect.provide(as("alice")))
        const greeted = yield* connect(`${alice}/ws`)
        assert.deepStrictEqual(
          greeted._tag === "Closed" ? greeted.messages : greeted,
          ["hello, alice"],
          form
        )
        const anonymous = yield* served.pipe(Effect.provide(AuthenticationBackend.layer(Effect.succeedNone)))
        const you = yield* connect(`${anonymous}/ws`)
        assert.deepStrictEqual(you._tag === "Closed" ? you.messages : you, ["hello, you"], form)
        const refused = yield* served.pipe(Effect.provide(failing(new InvalidCredentials({ message: "Malformed" }))))
        assert.deepStrictEqual(yield* connect(`${refused}/ws`), { _tag: "Rejected", status: 400 }, form)
      }
    }))
})
