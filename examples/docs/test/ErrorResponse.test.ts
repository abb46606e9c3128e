/**
 * docs/errors.md, "Your body, our headers" (src/Errors.ts), through a real server: a denial or a refusal
 * re-rendered with `ErrorResponse.withBody` keeps its status and its headers.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { AuthenticationMiddleware } from "effect-auth"
import { request, serve } from "effect-auth/NodeTesting"
import { errorsRouter, TokensLive, withJsonErrors } from "../src/Errors.js"

describe("docs: errors, your body and our headers", () => {
  it.scoped("a denial caught by its family keeps the 401's WWW-Authenticate under its JSON body", () =>
    Effect.gen(function*() {
      const url = yield* serve(AuthenticationMiddleware(errorsRouter)).pipe(Effect.provide(TokensLive))
      const feed = yield* request(`${url}/feed`)
      assert.deepStrictEqual([feed.status, feed.body, feed.headers.get("content-type")], [
        401,
        "[]",
        "application/json"
      ])
      assert.strictEqual(feed.headers.get("www-authenticate"), `Bearer realm="docs"`)
    }))

  it.scoped("onError with withBody: JSON, with the 401 challenge and the 503 Retry-After", () =>
    Effect.gen(function*() {
      const url = yield* serve(withJsonErrors).pipe(Effect.provide(TokensLive))
      const rejected = yield* request(`${url}/admin`, { headers: { authorization: "Bearer nope" } })
      assert.deepStrictEqual([rejected.status, rejected.body], [401, `{"error":"Invalid token"}`])
      assert.strictEqual(rejected.headers.get("www-authenticate"), `Bearer realm="docs", error="invalid_token"`)
      const down = yield* request(`${url}/admin`, { headers: { authorization: "Bearer down" } })
      assert.deepStrictEqual([down.status, down.headers.get("retry-after")], [503, "5"])
    }))
})
