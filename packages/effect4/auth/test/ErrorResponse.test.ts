/**
 * ErrorResponse.withBody through a real server: the body is yours, the status and the headers (WWW-Authenticate,
 * Location, Retry-After) stay the error's.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import {
  AuthenticationMiddleware,
  Bearer,
  Forbidden,
  InvalidCredentials,
  NotFound,
  requires,
  ServiceUnavailable
} from "effect-auth"
import * as ErrorResponse from "effect-auth/ErrorResponse"
import * as HttpRouter from "effect/http/HttpRouter"
import { whoami } from "./utils/fixtures.js"
import { request, serve } from "./utils/server.js"

// "down" stands for a store that cannot be reached; every other token is anonymous
const BearerLive = Bearer.layer({
  realm: "api",
  verify: (token) =>
    Redacted.value(token) === "down"
      ? Effect.fail(new ServiceUnavailable({ reason: "store down", retryAfter: 7 }))
      : Effect.succeedNone
})

const routes = Layer.mergeAll(
  HttpRouter.add("GET", "/api", whoami.pipe(requires("authenticated"))),
  HttpRouter.add("GET", "/page", whoami.pipe(requires("authenticated", { redirect: "/login" })))
)

const app = Effect.map(HttpRouter.toHttpEffect(routes), (router) =>
  AuthenticationMiddleware(router).pipe(
    Effect.catchTags({
      PermissionDenied: (denied) => ErrorResponse.withBody(denied, { json: { status: denied.status } }),
      AuthenticationError: ErrorResponse.withBody({ text: "bad credentials" }),
      ServiceUnavailable: (error) => ErrorResponse.withBody(error, { json: { retryAfter: error.retryAfter } })
    })
  ))

describe("ErrorResponse", () => {
  it.effect("withBody keeps the 401 challenge, the 303 Location and the 503 Retry-After", () =>
    Effect.gen(function*() {
      const url = yield* Effect.flatMap(app, (handler) => serve(handler)).pipe(Effect.provide(BearerLive))
      const unauthorized = yield* request(`${url}/api`)
      assert.deepStrictEqual([unauthorized.status, unauthorized.body], [401, `{"status":401}`])
      assert.strictEqual(unauthorized.headers.get("www-authenticate"), `Bearer realm="api"`)
      assert.strictEqual(unauthorized.headers.get("content-type"), "application/json")
      const redirect = yield* request(`${url}/page?tab=1`)
      assert.deepStrictEqual([redirect.status, redirect.body], [303, `{"status":303}`])
      assert.strictEqual(redirect.headers.get("location"), "/login?next=%2Fpage%3Ftab%3D1")
      const down = yield* request(`${url}/api`, { headers: { authorization: "Bearer down" } })
      assert.deepStrictEqual([down.status, down.body, down.headers.get("retry-after")], [503, `{"retryAfter":7}`, "7"])
      const invalid = yield* request(`${url}/api`, { headers: { authorization: "Bearer" } })
      assert.deepStrictEqual([invalid.status, invalid.body], [400, "bad credentials"])
      assert.strictEqual(invalid.headers.get("content-type"), "text/plain")
      assert.strictEqual(invalid.headers.get("www-authenticate"), `Bearer realm="api", error="invalid_request"`)
    }))

  it.effect("withBody replaces the body of a bodiless default, and keeps an error without headers headerless", () =>
    Effect.gen(function*() {
      const fields = { scopes: ["admin"], clause: `"admin"` }
      const hidden = yield* ErrorResponse.withBody(new NotFound(fields), { text: "nothing here" })
      assert.strictEqual(hidden.status, 404)
      assert.strictEqual(hidden.body._tag, "Uint8Array")
      // the default body's length goes with it: an empty body is sent whole, not cut to "Forbidden"'s length
      const forbidden = yield* ErrorResponse.withBody(new Forbidden(fields), { text: "" })
      assert.deepStrictEqual([forbidden.status, { ...forbidden.headers }], [403, {
        "content-type": "text/plain",
        "content-length": "0"
      }])
      const invalid = yield* ErrorResponse.withBody(new InvalidCredentials({ message: "m" }), { json: [] })
      assert.deepStrictEqual([invalid.status, { ...invalid.headers }], [400, {
        "content-type": "application/json",
        "content-length": "2"
      }])
    }))
})
