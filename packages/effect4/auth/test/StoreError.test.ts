import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { SessionStoreError } from "effect-auth/SessionStore"
import { StoreError } from "effect-auth/StoreError"
import { ThrottleStoreError } from "effect-auth/Throttle"
import * as HttpServerRespondable from "effect/http/HttpServerRespondable"

class ProfileStoreError extends StoreError("ProfileStoreError") {}

describe("StoreError", () => {
  it.effect("a store's error is tagged, keeps its message and cause, and renders a 503 with Retry-After: 1", () =>
    Effect.gen(function*() {
      const cause = new Error("connect ECONNREFUSED 10.0.0.7:5432")
      for (
        const error of [
          new SessionStoreError({ message: "database is down at 10.0.0.7", cause }),
          new ThrottleStoreError({ message: "database is down at 10.0.0.7", cause }),
          new ProfileStoreError({ message: "database is down at 10.0.0.7", cause })
        ]
      ) {
        assert.strictEqual(error.message, "database is down at 10.0.0.7")
        assert.strictEqual(error.cause, cause)
        assert.isTrue(error._tag.endsWith("StoreError"))
        const response = yield* HttpServerRespondable.toResponse(error)
        assert.deepStrictEqual([response.status, response.headers["retry-after"]], [503, "1"])
      }
    }))
})
