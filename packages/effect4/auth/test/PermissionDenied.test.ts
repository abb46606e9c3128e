import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  Forbidden,
  hidden,
  isForbidden,
  isHidden,
  isLoginRedirect,
  isNotFound,
  isPermissionDenied,
  isUnauthorized,
  LoginRedirect,
  NotFound,
  RejectedCredentials,
  Unauthorized
} from "effect-auth"
import { request, serve } from "effect-auth/NodeTesting"
import * as HttpServerError from "effect/http/HttpServerError"
import * as HttpServerRequest from "effect/http/HttpServerRequest"

const clause = { scopes: ["admin"], clause: "admin" }
const unauthorized = new Unauthorized({ ...clause, challenge: `Basic realm="app"` })
const forbidden = new Forbidden(clause)
const notFound = new NotFound(clause)
const redirect = new LoginRedirect({ ...clause, location: "/login?next=%2Fadmin" })
const denials = [unauthorized, forbidden, notFound, redirect] as const

const rendered = (error: unknown) => Effect.flatMap(serve(Effect.fail(error)), (url) => request(url))

describe("the denials", () => {
  it("one status each, one tag for all", () => {
    assert.deepStrictEqual(denials.map((denied) => denied.status), [401, 403, 404, 303])
    assert.deepStrictEqual(denials.map((denied) => denied._tag), [
      "PermissionDenied",
      "PermissionDenied",
      "PermissionDenied",
      "PermissionDenied"
    ])
  })

  it("guards: each its own class; isPermissionDenied every denial and nothing else", () => {
    const refused = new RejectedCredentials({ message: "no" })
    const all = [...denials, refused, undefined]
    assert.deepStrictEqual(all.map(isUnauthorized), [true, false, false, false, false, false])
    assert.deepStrictEqual(all.map(isForbidden), [false, true, false, false, false, false])
    assert.deepStrictEqual(all.map(isNotFound), [false, false, true, false, false, false])
    assert.deepStrictEqual(all.map(isLoginRedirect), [false, false, false, true, false, false])
    assert.deepStrictEqual(all.map(isPermissionDenied), [true, true, true, true, false, false])
  })

  it("isHidden: only the router's not-found caused by a denial, never a denial itself nor a plain not-found", () => {
    for (const value of [...denials, undefined, {}]) assert.isFalse(isHidden(value))
    const request = HttpServerRequest.fromWeb(new Request("http://localhost/admin"))
    const missing = new HttpServerError.HttpServerError({ reason: new HttpServerError.RouteNotFound({ request }) })
    assert.isFalse(isHidden(missing))
    const denied = hidden(request, notFound)
    assert.isTrue(isHidden(denied))
    assert.strictEqual(denied.cause, notFound)
    assert.strictEqual(denied.reason._tag, "RouteNotFound")
  })

  it.effect("catchTag(\"PermissionDenied\") catches every one", () =>
    Effect.gen(function*() {
      for (const denied of denials) {
        const status = yield* Effect.fail(denied).pipe(
          Effect.catchTag("PermissionDenied", (e) => Effect.succeed(e.status))
        )
        assert.strictEqual(status, denied.status)
      }
    }))

  it.effect("render with their status and headers; the scopes and the clause stay in the process", () =>
    Effect.gen(function*() {
      const [a, b, c, d] = yield* Effect.forEach(denials, rendered)
      assert.strictEqual(a!.status, 401)
      assert.strictEqual(a!.headers.get("www-authenticate"), `Basic realm="app"`)
      assert.strictEqual(b!.status, 403)
      assert.strictEqual(c!.status, 404)
      assert.strictEqual(d!.status, 303)
      assert.strictEqual(d!.headers.get("location"), "/login?next=%2Fadmin")
      for (const reply of [a!, b!, c!, d!]) assert.notInclude(reply.body, "admin")
    }))
})
