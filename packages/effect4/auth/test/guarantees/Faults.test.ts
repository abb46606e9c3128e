/**
 * Faults in the backend, through a real server: a refusal, a defect, a hang. The request always gets a clean
 * response (no stack, no secret), and the server keeps serving the next one.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, References } from "effect"
import { AuthenticationBackend, AuthenticationMiddleware, CurrentUser, InvalidCredentials } from "effect-auth"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { request, serve } from "../utils/server.js"

// the app of a router: HttpRouter.toHttpEffect builds it in the test's scope
const whoami = HttpRouter.toHttpEffect(
  HttpRouter.add(
    "GET",
    "/",
    Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName || "anonymous"))
  )
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
  it.effect("a refusal is its own status; a defect is a generic 500 with no stack or secret; the server serves on", () =>
    Effect.gen(function*() {
      const app = AuthenticationMiddleware(yield* whoami)
      const refused = yield* serve(app).pipe(Effect.provide(backend("refuse")))
      const reply = yield* request(refused)
      assert.deepStrictEqual([reply.status, reply.body], [400, "Invalid credentials"])
      const dying = yield* serve(app).pipe(Effect.provide(backend("die")))
      for (let i = 0; i < 3; i++) {
        const died = yield* request(dying)
        assert.strictEqual(died.status, 500)
        assert.strictEqual(died.body, "Internal Server Error")
        assert.notInclude(died.body, "hunter2")
      }
    }).pipe(Effect.provideService(References.MinimumLogLevel, "None")))

  it.live("a hanging backend: with a timeout, 503 with Retry-After, and the next request is served", () =>
    Effect.gen(function*() {
      const app = AuthenticationMiddleware.make({ timeout: "200 millis" })(yield* whoami)
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

  it.live("onError sees the timeout as ServiceUnavailable", () =>
    Effect.gen(function*() {
      const app = AuthenticationMiddleware.make({
        timeout: "100 millis",
        onError: (error) =>
          Effect.succeed(HttpServerResponse.text(`${error._tag}: ${error.status}`, { status: error.status }))
      })(yield* whoami)
      const url = yield* serve(app).pipe(Effect.provide(backend("hang")))
      const reply = yield* request(url)
      assert.deepStrictEqual([reply.status, reply.body], [503, "ServiceUnavailable: 503"])
    }))
})
