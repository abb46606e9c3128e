/**
 * Bearer tokens (RFC 6750): the parser on its own, and the backend through a real server.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Redacted, Result } from "effect"
import {
  AuthCredentials,
  AuthenticationBackend,
  isInvalidCredentials,
  isRejectedCredentials,
  RejectedCredentials,
  SimpleUser
} from "effect-auth"
import * as Bearer from "effect-auth/Bearer"
import * as Password from "effect-auth/Password"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import { guardedApp } from "./utils/fixtures.js"
import { request, serve } from "./utils/server.js"

const token = "mF_9.B5f-4.1JqM"
const expired = "expired-token"

const verify = (presented: Redacted.Redacted<string>) =>
  Password.equals(presented, expired)
    ? Effect.fail(new RejectedCredentials({ message: "Token expired", challenge: "Bearer" }))
    : Effect.succeed(
      Password.equals(presented, token)
        ? Option.some([new AuthCredentials(["authenticated"]), new SimpleUser("robot")] as const)
        : Option.none()
    )

const withApp = <A, E>(options: { readonly realm?: string }, f: (url: string) => Effect.Effect<A, E>) =>
  Effect.flatMap(serve(guardedApp), f).pipe(Effect.provide(Bearer.layer({ ...options, verify })))

const bearer = (value: string) => ({ authorization: `Bearer ${value}` })

describe("Bearer.parse", () => {
  it("no header or another scheme is None", () => {
    for (const header of [undefined, "", "Basic YWxpY2U6cHc=", "Bearerx abc", "Token abc"]) {
      assert.deepStrictEqual(Bearer.parse(header), Result.succeed(Option.none()), String(header))
    }
  })

  it("a b64token is Some, redacted; the scheme is case-insensitive", () => {
    for (const scheme of ["Bearer", "bearer", "BEARER"]) {
      for (const value of [token, "abc", "a+b/c==", "~-._", "x="]) {
        const parsed = Bearer.parse(`${scheme} ${value}`)
        assert.isTrue(Result.isSuccess(parsed), value)
        const presented = Option.getOrThrow(Result.getOrThrow(parsed))
        assert.strictEqual(Redacted.value(presented), value)
        assert.notInclude(String(presented), value)
      }
    }
    assert.strictEqual(Redacted.value(Option.getOrThrow(Result.getOrThrow(Bearer.parse(`  Bearer \t abc  `)))), "abc")
  })

  it("anything else after the scheme is a 400 with an invalid_request challenge", () => {
    const headers = [
      "Bearer",
      "Bearer ",
      "Bearer a b",
      "Bearer =abc",
      "Bearer a=b",
      "Bearer a,b",
      `Bearer "abc"`,
      "Bearer a%20b",
      "Bearer é"
    ]
    for (const header of headers) {
      const parsed = Bearer.parse(header)
      assert.isTrue(Result.isFailure(parsed), header)
      if (Result.isFailure(parsed)) {
        assert.strictEqual(parsed.failure.message, "Invalid bearer token")
        assert.isTrue(isInvalidCredentials(parsed.failure))
        assert.strictEqual(parsed.failure.status, 400)
        assert.strictEqual(parsed.failure.challenge, `Bearer error="invalid_request"`)
      }
    }
  })

  it("challenge", () => {
    assert.strictEqual(Bearer.challenge(), "Bearer")
    assert.strictEqual(Bearer.challenge({ realm: "api" }), `Bearer realm="api"`)
    assert.strictEqual(Bearer.challenge({ error: "invalid_token" }), `Bearer error="invalid_token"`)
    assert.strictEqual(
      Bearer.challenge({ realm: `a "q" \\`, error: "insufficient_scope" }),
      `Bearer realm="a \\"q\\" \\\\", error="insufficient_scope"`
    )
  })

  it.effect("the backend declares its challenge, with the realm when given", () =>
    Effect.gen(function*() {
      const plain = yield* Effect.provide(AuthenticationBackend, Bearer.layer({ verify }))
      assert.deepStrictEqual(plain.challenges, ["Bearer"])
      const withRealm = yield* Bearer.make({ realm: "api", verify })
      assert.deepStrictEqual(withRealm.challenges, [`Bearer realm="api"`])
    }))

  it.effect("authenticate: a rejected token fails with 401 and the invalid_token challenge", () =>
    Effect.gen(function*() {
      const backend = yield* Bearer.make({ realm: "api", verify })
      const run = (authorization: string) =>
        backend.authenticate.pipe(
          Effect.provideService(
            HttpServerRequest.HttpServerRequest,
            HttpServerRequest.fromWeb(new Request("http://localhost/", { headers: { authorization } }))
          )
        )
      const error = yield* Effect.flip(run("Bearer nope"))
      assert.isTrue(isRejectedCredentials(error))
      if (isRejectedCredentials(error)) {
        assert.strictEqual(error.message, "Invalid token")
        assert.strictEqual(error.status, 401)
        assert.strictEqual(error.challenge, `Bearer realm="api", error="invalid_token"`)
      }
      const malformed = yield* Effect.flip(run("Bearer a b"))
      assert.isTrue(isInvalidCredentials(malformed))
      if (isInvalidCredentials(malformed)) {
        assert.strictEqual(malformed.status, 400)
        assert.strictEqual(malformed.challenge, `Bearer realm="api", error="invalid_request"`)
      }
      const ok = yield* run(`Bearer ${token}`)
      assert.strictEqual(Option.getOrThrow(ok)[1].displayName, "robot")
    }))
})

describe("Bearer through a real server", () => {
  it.effect("a valid token is its user", () =>
    withApp({}, (url) =>
      Effect.gen(function*() {
        for (const path of ["/", "/guarded"]) {
          const reply = yield* request(`${url}${path}`, { headers: bearer(token) })
          assert.strictEqual(reply.status, 200)
          assert.deepStrictEqual(JSON.parse(reply.body), { authenticated: true, user: "robot" })
        }
        assert.strictEqual((yield* request(`${url}/`, { headers: { authorization: `bearer ${token}` } })).status, 200)
      })))

  it.effect("a rejected token is 401 with the challenge, on every path, and is never echoed", () =>
    withApp({ realm: "api" }, (url) =>
      Effect.gen(function*() {
        const secret = "not-the-token-0123456789"
        for (const path of ["/", "/guarded", "/nowhere"]) {
          const reply = yield* request(`${url}${path}`, { headers: bearer(secret) })
          assert.strictEqual(reply.status, 401, path)
          assert.strictEqual(reply.body, "Invalid token")
          assert.strictEqual(reply.headers.get("www-authenticate"), `Bearer realm="api", error="invalid_token"`)
          for (const [, value] of reply.headers) assert.notInclude(value, secret)
        }
      })))

  it.effect("verify's own error goes through as it is", () =>
    withApp({}, (url) =>
      Effect.gen(function*() {
        const reply = yield* request(`${url}/`, { headers: bearer(expired) })
        assert.strictEqual(reply.status, 401)
        assert.strictEqual(reply.body, "Token expired")
        assert.strictEqual(reply.headers.get("www-authenticate"), "Bearer")
      })))

  it.effect("a malformed header is 400, whatever the path", () =>
    withApp({}, (url) =>
      Effect.gen(function*() {
        for (const value of ["Bearer", "Bearer a b", "Bearer =x", "Bearer a;b", "Bearer a\tb", "Bearer ä"]) {
          for (const path of ["/", "/guarded", "/nowhere"]) {
            const reply = yield* request(`${url}${path}`, { headers: { authorization: value } })
            assert.strictEqual(reply.status, 400, `${value} ${path}`)
            assert.strictEqual(reply.body, "Invalid bearer token")
            assert.strictEqual(reply.headers.get("www-authenticate"), `Bearer error="invalid_request"`)
          }
        }
      })))

  it.effect("no header or another scheme is anonymous", () =>
    withApp({}, (url) =>
      Effect.gen(function*() {
        for (const headers of [{}, { authorization: "Basic YWxpY2U6cHc=" }, { authorization: "Digest x" }]) {
          const open = yield* request(`${url}/`, { headers })
          assert.strictEqual(open.status, 200)
          assert.deepStrictEqual(JSON.parse(open.body), { authenticated: false, user: "" })
          // requires answers an anonymous denial with the backend's challenge
          const guarded = yield* request(`${url}/guarded`, { headers })
          assert.strictEqual(guarded.status, 401)
          assert.strictEqual(guarded.body, "Unauthorized")
          assert.strictEqual(guarded.headers.get("www-authenticate"), "Bearer")
        }
      })))
})
