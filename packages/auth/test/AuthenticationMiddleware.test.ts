import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Option } from "effect"
import { AuthCredentials, AuthenticationBackend, AuthenticationMiddleware, CurrentUser, SimpleUser } from "effect-auth"
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
          Effect.forkDaemon(Effect.sleep("50 millis").pipe(Effect.zipRight(name), Effect.flatMap((n) => Deferred.succeed(seen, n)))),
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
})
