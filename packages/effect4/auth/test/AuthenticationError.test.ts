import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  Forbidden,
  InvalidCredentials,
  isAuthenticationError,
  isInvalidCredentials,
  isRejectedCredentials,
  isServiceUnavailable,
  isTooManyRequests,
  RejectedCredentials,
  ServiceUnavailable,
  TooManyRequests
} from "effect-auth"
import { request, serve } from "effect-auth/NodeTesting"

// an error as a real server renders it: the failure of the app, answered by the platform
const rendered = (error: unknown) => Effect.flatMap(serve(Effect.fail(error)), (url) => request(url))

const invalid = new InvalidCredentials({ message: "Malformed Authorization header" })
const rejected = new RejectedCredentials({ message: "Token expired", challenge: `Bearer error="invalid_token"` })
const unavailable = new ServiceUnavailable({ reason: "the session store is down" })
const throttled = new TooManyRequests({ reason: "user alice", retryAfter: 30 })

describe("the authentication errors", () => {
  it("a status each; the two refusals of credentials share the tag AuthenticationError", () => {
    assert.deepStrictEqual([invalid.status, rejected.status, unavailable.status, throttled.status], [
      400,
      401,
      503,
      429
    ])
    assert.deepStrictEqual(
      [invalid._tag, rejected._tag, unavailable._tag, throttled._tag],
      ["AuthenticationError", "AuthenticationError", "ServiceUnavailable", "TooManyRequests"]
    )
  })

  it("guards: each its own class; isAuthenticationError both refusals and nothing else", () => {
    const all = [invalid, rejected, unavailable, throttled, new Forbidden({ scopes: [], clause: "" }), undefined, {}]
    assert.deepStrictEqual(all.map(isInvalidCredentials), [true, false, false, false, false, false, false])
    assert.deepStrictEqual(all.map(isRejectedCredentials), [false, true, false, false, false, false, false])
    assert.deepStrictEqual(all.map(isServiceUnavailable), [false, false, true, false, false, false, false])
    assert.deepStrictEqual(all.map(isTooManyRequests), [false, false, false, true, false, false, false])
    assert.deepStrictEqual(all.map(isAuthenticationError), [true, true, false, false, false, false, false])
  })

  it.effect("catchTag(\"AuthenticationError\") catches both refusals", () =>
    Effect.gen(function*() {
      for (const error of [invalid, rejected]) {
        const caught = yield* Effect.fail(error).pipe(
          Effect.catchTag("AuthenticationError", (e) => Effect.succeed(e.status))
        )
        assert.strictEqual(caught, error.status)
      }
    }))

  it.effect("InvalidCredentials renders as 400 with its message, and its challenge when it has one", () =>
    Effect.gen(function*() {
      const plain = yield* rendered(invalid)
      assert.strictEqual(plain.status, 400)
      assert.strictEqual(plain.body, "Malformed Authorization header")
      assert.isNull(plain.headers.get("www-authenticate"))
      const challenged = yield* rendered(
        new InvalidCredentials({ message: "Bad request", challenge: `Bearer error="invalid_request"` })
      )
      assert.strictEqual(challenged.headers.get("www-authenticate"), `Bearer error="invalid_request"`)
    }))

  it.effect("RejectedCredentials renders as 401 with its message and challenge", () =>
    Effect.gen(function*() {
      const reply = yield* rendered(rejected)
      assert.strictEqual(reply.status, 401)
      assert.strictEqual(reply.body, "Token expired")
      assert.strictEqual(reply.headers.get("www-authenticate"), `Bearer error="invalid_token"`)
    }))

  it.effect("ServiceUnavailable and TooManyRequests render with Retry-After, and keep their reason to themselves", () =>
    Effect.gen(function*() {
      const down = yield* rendered(unavailable)
      assert.strictEqual(down.status, 503)
      assert.strictEqual(down.headers.get("retry-after"), "1")
      assert.notInclude(down.body, "session store")
      const later = yield* rendered(new ServiceUnavailable({ reason: "x", retryAfter: 7 }))
      assert.strictEqual(later.headers.get("retry-after"), "7")
      const slow = yield* rendered(throttled)
      assert.strictEqual(slow.status, 429)
      assert.strictEqual(slow.headers.get("retry-after"), "30")
      assert.notInclude(slow.body, "alice")
    }))
})
