/**
 * Faults in the backend, through a real server: a refusal, a defect, a hang. The request always gets a clean
 * response (no stack, no secret), and the server keeps serving the next one.
 */
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger, LogLevel } from "effect"
import { AuthenticationBackend, AuthenticationMiddleware, CurrentUser, InvalidCredentials } from "effect-auth"
import { request, serve } from "../utils/server.js"

const whoami = HttpRouter.empty.pipe(
  HttpRouter.get("/", Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName || "anonymous")))
)

const backend = (fault: "refuse" | "die" | "hang" | "none") =>
  AuthenticationBackend.layer(
    fault === "refuse"
      ? Effect.fail(new InvalidCredentials({ message: "Invalid credentials" }))
      : fault === "die"
      ? Effect.die(new Error("the user store is down: postgres://admin:hunter2@db/users"))
      : fault === "hang"
      ? Effect.never
      : Effect.succeedNone
  )

describe("backend faults", () => {
  it.scoped("a refusal is its own status; a defect is a generic 500 with no stack or secret; the server serves on", () =>
    Effect.gen(function*() {
      const refused = yield* serve(AuthenticationMiddleware(whoami)).pipe(Effect.provide(backend("refuse")))
      const reply = yield* request(refused)
      assert.deepStrictEqual([reply.status, reply.body], [400, "Invalid credentials"])
      const dying = yield* serve(AuthenticationMiddleware(whoami)).pipe(Effect.provide(backend("die")))
      for (let i = 0; i < 3; i++) {
        const died = yield* request(dying)
        assert.strictEqual(died.status, 500)
        assert.strictEqual(died.body, "Internal Server Error")
        assert.notInclude(died.body, "hunter2")
      }
    }).pipe(Logger.withMinimumLogLevel(LogLevel.None)))

  it.scopedLive("a hanging backend: with a timeout, 503 with Retry-After, and the next request is served", () =>
    Effect.gen(function*() {
      const app = AuthenticationMiddleware.make({ timeout: "200 millis" })(whoami)
      const hanging = yield* serve(app).pipe(Effect.provide(backend("hang")))
      const [first, second] = yield* Effect.all([request(hanging), request(hanging)], { concurrency: 2 })
      for (const reply of [first, second]) {
        assert.strictEqual(reply.status, 503)
        assert.strictEqual(reply.headers.get("retry-after"), "1")
        assert.strictEqual(reply.body, "Service Unavailable")
      }
      const healthy = yield* serve(app).pipe(Effect.provide(backend("none")))
      assert.strictEqual((yield* request(healthy)).body, "anonymous")
    }))

  it.scopedLive("onError sees the timeout as ServiceUnavailable", () =>
    Effect.gen(function*() {
      const app = AuthenticationMiddleware.make({
        timeout: "100 millis",
        onError: (error) => HttpServerResponse.text(`${error._tag}: ${error.status}`, { status: error.status })
      })(whoami)
      const url = yield* serve(app).pipe(Effect.provide(backend("hang")))
      const reply = yield* request(url)
      assert.deepStrictEqual([reply.status, reply.body], [503, "ServiceUnavailable: 503"])
    }))
})
