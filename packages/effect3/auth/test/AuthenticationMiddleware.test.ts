import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Option } from "effect"
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
import { request, serve } from "./utils/server.js"

const as = (name: string) =>
  AuthenticationBackend.layer(Effect.succeed(Option.some([new AuthCredentials(), new SimpleUser(name)] as const)))
const name = Effect.map(CurrentUser, (user) => user.displayName)

describe("AuthenticationMiddleware", () => {
  it.scoped("a middleware inside another: the inner app sees its own run's user, the outer handler keeps its own", () =>
    Effect.gen(function*() {
      // each run of the backend is a new user: the outer middleware's run is "run-1", the inner one's "run-2"
      let runs = 0
      const counting = AuthenticationBackend.layer(
        Effect.sync(() => Option.some([new AuthCredentials(), new SimpleUser(`run-${++runs}`)] as const))
      )
      const inner = AuthenticationMiddleware(Effect.map(name, (n) => HttpServerResponse.text(n)))
      const outer = HttpRouter.empty.pipe(
        HttpRouter.get(
          "/both",
          Effect.gen(function*() {
            const before = yield* name
            const response = yield* inner
            const innerBody = response.body._tag === "Uint8Array" ? new TextDecoder().decode(response.body.body) : "?"
            const after = yield* name
            return HttpServerResponse.text(`${before} ${innerBody} ${after}`)
          })
        )
      )
      const url = yield* serve(AuthenticationMiddleware(outer)).pipe(Effect.provide(counting))
      const reply = yield* request(`${url}/both`)
      assert.strictEqual(`${reply.status} ${reply.body}`, "200 run-1 run-2 run-1")
    }))

  it.scopedLive("fibers forked by a handler keep seeing the user after the response", () =>
    Effect.gen(function*() {
      const seen = yield* Deferred.make<string>()
      const app = AuthenticationMiddleware(HttpRouter.empty.pipe(HttpRouter.get(
        "/",
        Effect.as(
          Effect.forkDaemon(
            Effect.sleep("50 millis").pipe(Effect.zipRight(name), Effect.flatMap((n) => Deferred.succeed(seen, n)))
          ),
          HttpServerResponse.text("accepted")
        )
      )))
      const url = yield* serve(app).pipe(Effect.provide(as("alice")))
      assert.strictEqual((yield* request(url)).body, "accepted")
      assert.strictEqual(yield* Deferred.await(seen), "alice")
    }))

  it.scopedLive("concurrent requests each see their own user (or none)", () =>
    Effect.gen(function*() {
      const byHeader = AuthenticationBackend.layer(
        Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
          Option.map(
            Option.fromNullable(request.headers["x-user"]),
            (user) => [new AuthCredentials(), new SimpleUser(user)] as const
          ))
      )
      const app = AuthenticationMiddleware(HttpRouter.empty.pipe(HttpRouter.get(
        "/",
        Effect.map(Effect.zipRight(Effect.sleep("5 millis"), name), (n) => HttpServerResponse.text(n || "anonymous"))
      )))
      const url = yield* serve(app).pipe(Effect.provide(byHeader))
      const names = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? undefined : `user-${i}`))
      const bodies = yield* Effect.forEach(
        names,
        (user) => Effect.map(request(url, { headers: user === undefined ? {} : { "x-user": user } }), (r) => r.body),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(bodies, names.map((user) => user ?? "anonymous"))
    }))

  it.scoped("each outcome renders with the status of its class: 400, 401 with its challenge, 503 with Retry-After", () =>
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
        const url = yield* serve(app).pipe(Effect.provide(AuthenticationBackend.layer(Effect.fail(failure))))
        const reply = yield* request(url)
        assert.deepStrictEqual([reply.status, reply.body], [status, body])
        for (const [header, value] of Object.entries(headers)) {
          assert.strictEqual(reply.headers.get(header), value, header)
        }
        assert.notInclude(reply.body, "10.0.0.7")
      }
    }))

  it.scoped("onError receives every refusal and ServiceUnavailable; catchTag tells them apart without it", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const failing = (failure: AuthenticationError | ServiceUnavailable) =>
        AuthenticationBackend.layer(Effect.fail(failure))
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

  it.scoped("Cache-Control: no-store on what depends on credentials; a handler's own Cache-Control is kept", () =>
    Effect.gen(function*() {
      const router = HttpRouter.empty.pipe(
        HttpRouter.get("/", Effect.map(name, (n) => HttpServerResponse.text(n))),
        HttpRouter.get(
          "/asset",
          HttpServerResponse.text("asset", { headers: { "cache-control": "public, max-age=60" } })
        ),
        HttpRouter.get("/denied", Effect.flatMap(name, () => Effect.fail(new RejectedCredentials({ message: "no" }))))
      )
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
      const failing = (failure: AuthenticationError | ServiceUnavailable) =>
        AuthenticationBackend.layer(Effect.fail(failure))
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
})
