/**
 * docs/errors.md (src/Errors.ts), through a real server: each error as it renders, onError, and catching in
 * the error channel.
 */
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { AuthenticationBackend, AuthenticationMiddleware, CurrentUser } from "effect-auth"
import { request, serve } from "effect-auth/NodeTesting"
import { caught, errorsRouter, TokensLive, withJsonErrors } from "../src/Errors.js"

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe("docs: errors", () => {
  it.scoped("unhandled, every error renders itself", () =>
    Effect.gen(function*() {
      const url = yield* serve(AuthenticationMiddleware(errorsRouter)).pipe(Effect.provide(TokensLive))
      const invalid = yield* request(`${url}/admin`, { headers: bearer("not a token") })
      assert.deepStrictEqual([invalid.status, invalid.body], [400, "Invalid bearer token"])
      assert.strictEqual(invalid.headers.get("www-authenticate"), `Bearer realm="docs", error="invalid_request"`)
      assert.strictEqual(invalid.headers.get("content-type"), "text/plain")
      const rejected = yield* request(`${url}/admin`, { headers: bearer("nope") })
      assert.deepStrictEqual([rejected.status, rejected.body], [401, "Invalid token"])
      assert.strictEqual(rejected.headers.get("www-authenticate"), `Bearer realm="docs", error="invalid_token"`)
      const down = yield* request(`${url}/admin`, { headers: bearer("down") })
      assert.deepStrictEqual([down.status, down.body, down.headers.get("retry-after")], [
        503,
        "Service Unavailable",
        "5"
      ])
      const unauthorized = yield* request(`${url}/admin`)
      assert.deepStrictEqual([unauthorized.status, unauthorized.body], [401, "Unauthorized"])
      assert.strictEqual(unauthorized.headers.get("www-authenticate"), `Bearer realm="docs"`)
      const forbidden = yield* request(`${url}/admin`, { headers: bearer("t0ken") })
      assert.deepStrictEqual([forbidden.status, forbidden.body], [403, "Forbidden"])
    }))

  it.scoped("catchIf(isForbidden) catches one outcome; catchTag the family", () =>
    Effect.gen(function*() {
      const url = yield* serve(AuthenticationMiddleware(errorsRouter)).pipe(Effect.provide(TokensLive))
      const forbidden = yield* request(`${url}/reports`, { headers: bearer("t0ken") })
      assert.deepStrictEqual([forbidden.status, forbidden.body], [403, "you need: reports"])
      const anonymous = yield* request(`${url}/reports`)
      assert.deepStrictEqual([anonymous.status, anonymous.body], [401, "Unauthorized"])
      const feed = yield* request(`${url}/feed`)
      assert.deepStrictEqual([feed.status, feed.body], [401, "[]"])
    }))

  it.scoped("onError: JSON, with each error's status and headers", () =>
    Effect.gen(function*() {
      const url = yield* serve(withJsonErrors).pipe(Effect.provide(TokensLive))
      const invalid = yield* request(`${url}/admin`, { headers: bearer("not a token") })
      assert.deepStrictEqual([invalid.status, invalid.body], [400, `{"error":"Invalid bearer token"}`])
      assert.strictEqual(invalid.headers.get("www-authenticate"), `Bearer realm="docs", error="invalid_request"`)
      const rejected = yield* request(`${url}/admin`, { headers: bearer("nope") })
      assert.deepStrictEqual([rejected.status, rejected.body], [401, `{"error":"Invalid token"}`])
      const down = yield* request(`${url}/admin`, { headers: bearer("down") })
      assert.deepStrictEqual([down.status, down.body, down.headers.get("retry-after")], [
        503,
        `{"error":"try again later"}`,
        "5"
      ])
      // onError handles the backend's errors only: denials still render as requires asked
      assert.strictEqual((yield* request(`${url}/admin`)).status, 401)
    }))

  it.scoped("in the error channel: one outcome by its guard, the rest of the family by its tag", () =>
    Effect.gen(function*() {
      const url = yield* serve(caught).pipe(Effect.provide(TokensLive))
      const rejected = yield* request(`${url}/admin`, { headers: bearer("nope") })
      assert.deepStrictEqual([rejected.status, rejected.body], [401, "Invalid token: get a new token at /token"])
      const invalid = yield* request(`${url}/admin`, { headers: bearer("not a token") })
      assert.deepStrictEqual([invalid.status, invalid.body], [400, "Invalid bearer token"])
      assert.strictEqual(invalid.headers.get("www-authenticate"), null)
      assert.strictEqual((yield* request(`${url}/admin`, { headers: bearer("down") })).status, 503)
    }))

  it.scoped("a backend defect is a logged 500 with a generic body", () =>
    Effect.gen(function*() {
      const url = yield* serve(
        AuthenticationMiddleware(
          HttpRouter.empty.pipe(HttpRouter.get("/", Effect.as(CurrentUser, HttpServerResponse.text("ok"))))
        )
      ).pipe(Effect.provide(AuthenticationBackend.layer(Effect.dieMessage("a bug in the backend, with a secret"))))
      const reply = yield* request(url)
      assert.deepStrictEqual([reply.status, reply.body], [500, "Internal Server Error"])
    }))
})
