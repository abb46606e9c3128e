/**
 * The example app, through a real server and real clients: every curl line it prints on start.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import { Password } from "effect-auth"
import { request, serve } from "effect-auth/NodeTesting"
import * as Testing from "effect-auth/Testing"
import WebSocket from "ws"
import { app, BackendLive, router, Users } from "../src/App.js"

const get = (url: string, headers: Record<string, string> = {}) =>
  Effect.map(request(url, { headers }), (reply) => ({
    status: reply.status,
    body: reply.body,
    location: reply.headers.get("location")
  }))

const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`
})

const socket = (url: string, headers: Record<string, string>) =>
  Effect.async<{ status?: number; messages: Array<string>; code?: number }>((resume) => {
    const ws = new WebSocket(url.replace(/^http/, "ws"), { headers })
    const messages: Array<string> = []
    ws.on("unexpected-response", (_, response) => {
      resume(Effect.succeed({ status: response.statusCode!, messages }))
      ws.terminate()
    })
    ws.on("message", (data) => messages.push(String(data)))
    ws.on("close", (code) => resume(Effect.succeed({ messages, code })))
    ws.on("error", () => {})
  })

describe("the example app", () => {
  it.effect(
    "rehashes a password stored at an older cost on the next good login, and only then",
    () =>
      Effect.gen(function*() {
        const users = yield* Users
        const before = Option.getOrThrow(yield* users.hashOf("bob"))
        assert.isTrue(Password.needsRehash(before))
        assert.isTrue(Option.isNone(yield* users.check("bob", Redacted.make("wrong"))))
        assert.strictEqual(Option.getOrThrow(yield* users.hashOf("bob")), before)
        assert.isTrue(Option.isSome(yield* users.check("bob", Redacted.make("builder"))))
        const after = Option.getOrThrow(yield* users.hashOf("bob"))
        assert.notStrictEqual(after, before)
        assert.isFalse(Password.needsRehash(after))
        assert.isTrue(Option.isSome(yield* users.check("bob", Redacted.make("builder"))))
      }).pipe(Effect.provide(BackendLive)),
    { timeout: 180_000 }
  )

  it.scoped("does what its curl lines say", () =>
    Effect.gen(function*() {
      // built in the test's scope: the database stays open while the server runs
      const url = yield* serve(app).pipe(Effect.provide(yield* Layer.build(BackendLive)))
      const alice = basic("alice", "wonderland")
      const bob = basic("bob", "builder")
      assert.deepStrictEqual(yield* get(`${url}/`), { status: 200, body: "hello, you", location: null })
      assert.strictEqual((yield* get(`${url}/`, bob)).body, "hello, bob")

      // anonymous: 401 with both backends' challenges, so a browser asks for a password
      const anonymous = yield* request(`${url}/dashboard`)
      assert.strictEqual(anonymous.status, 401)
      assert.strictEqual(
        anonymous.headers.get("www-authenticate"),
        `Basic realm="effect-auth example", charset="UTF-8", Bearer`
      )
      assert.strictEqual((yield* get(`${url}/dashboard`, bob)).status, 403)
      assert.deepStrictEqual(yield* get(`${url}/dashboard`, alice), {
        status: 200,
        body: "dashboard of alice",
        location: null
      })
      assert.strictEqual((yield* get(`${url}/dashboard`, basic("alice", "wrong"))).status, 401)
      assert.strictEqual((yield* get(`${url}/dashboard`, basic("mallory", "wonderland"))).status, 401)

      assert.deepStrictEqual(
        [(yield* get(`${url}/admin`, bob)).status, (yield* get(`${url}/admin`, bob)).body],
        [404, ""]
      )
      assert.strictEqual((yield* get(`${url}/admin`, alice)).status, 200)
      assert.deepStrictEqual(yield* get(`${url}/account`), {
        status: 303,
        body: "",
        location: "/login?next=%2Faccount"
      })
      assert.deepStrictEqual(yield* get(`${url}/`, { authorization: "Basic foobar" }), {
        status: 400,
        body: "Invalid basic auth credentials",
        location: null
      })

      // browsers (Accept: text/html) are sent to the login form; API clients (above) keep the 401 and its challenges
      assert.deepStrictEqual(yield* get(`${url}/dashboard`, { accept: "text/html" }), {
        status: 303,
        body: "",
        location: "/login?next=%2Fdashboard"
      })
      // a state-changing request from another site's page, or without the form's CSRF token, is refused
      const crossSite = yield* request(`${url}/logout`, { method: "POST", headers: { origin: "https://evil.example" } })
      assert.deepStrictEqual([crossSite.status, crossSite.body], [403, "Forbidden: cross-site request"])
      const noToken = yield* request(`${url}/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "username=alice&password=wonderland"
      })
      assert.deepStrictEqual(
        [noToken.status, noToken.body],
        [403, "Forbidden: missing or invalid CSRF token. Reload the form and try again."]
      )

      // API clients: a JWT for alice, then Bearer requests
      const token = yield* request(`${url}/token`, { method: "POST", headers: alice })
      assert.strictEqual(token.status, 200)
      const me = yield* get(`${url}/api/me`, { authorization: `Bearer ${token.body}` })
      assert.deepStrictEqual(JSON.parse(me.body), { user: "alice", scopes: ["authenticated", "admin"] })
      assert.strictEqual((yield* get(`${url}/dashboard`, { authorization: `Bearer ${token.body}` })).status, 200)
      const forged = yield* request(`${url}/api/me`, { headers: { authorization: "Bearer a.b.c" } })
      assert.strictEqual(forged.status, 401)
      assert.match(forged.headers.get("www-authenticate") ?? "", /error="invalid_token"/)
      assert.strictEqual((yield* request(`${url}/token`, { method: "POST" })).status, 401)
      // a JWT never buys a fresh one (it would renew itself for ever): tokens are for a password login only
      const renewed = yield* request(`${url}/token`, {
        method: "POST",
        headers: { authorization: `Bearer ${token.body}` }
      })
      assert.strictEqual(renewed.status, 403)

      assert.deepStrictEqual(yield* socket(`${url}/ws`, bob), { messages: ["hello, bob"], code: 1000 })
      assert.deepStrictEqual(yield* socket(`${url}/ws`, {}), { status: 401, messages: [] })
    }), { timeout: 120_000 }) // every Basic request hashes a password (scrypt, N = 2^17)

  // POST /login and /logout answer 403 to all: the table's requests carry no CSRF token (examples/basic/test/Login.test.ts
  // logs in and out with one)
  it.effect(
    "who may reach what: the access table is snapshotted, so a privilege change fails here",
    () =>
      Effect.gen(function*() {
        const table = yield* Testing.accessTable(app, {
          routes: Testing.routesOf(router).filter((route) => route !== "GET /ws"),
          principals: {
            anonymous: Testing.anonymous,
            bob: Testing.principal("bob", ["authenticated"]),
            alice: Testing.principal("alice", ["authenticated", "admin"])
          }
        }).pipe(Effect.provide(BackendLive)) // the app's own challenges, so anonymous denials are its 401s
        expect(table).toMatchInlineSnapshot(`
        {
          "GET /": {
            "alice": 200,
            "anonymous": 200,
            "bob": 200,
          },
          "GET /account": {
            "alice": 200,
            "anonymous": 303,
            "bob": 200,
          },
          "GET /admin": {
            "alice": 200,
            "anonymous": 404,
            "bob": 404,
          },
          "GET /api/me": {
            "alice": 200,
            "anonymous": 401,
            "bob": 200,
          },
          "GET /dashboard": {
            "alice": 200,
            "anonymous": 401,
            "bob": 403,
          },
          "GET /login": {
            "alice": 200,
            "anonymous": 200,
            "bob": 200,
          },
          "POST /login": {
            "alice": 403,
            "anonymous": 403,
            "bob": 403,
          },
          "POST /logout": {
            "alice": 403,
            "anonymous": 403,
            "bob": 403,
          },
          "POST /token": {
            "alice": 403,
            "anonymous": 401,
            "bob": 403,
          },
        }
      `)
      }),
    // each principal's requests go through the app's own checks at their real cost: seconds on a quiet machine, far more
    // on a busy one
    120_000
  )

  it.scoped(
    "HTML pages refuse to be framed; what is computed for a user is not stored by caches",
    () =>
      Effect.gen(function*() {
        const url = yield* serve(app).pipe(Effect.provide(yield* Layer.build(BackendLive)))
        const form = yield* request(`${url}/login`, { headers: { accept: "text/html" } })
        assert.strictEqual(form.headers.get("content-type"), "text/html; charset=utf-8")
        assert.strictEqual(form.headers.get("content-security-policy"), "frame-ancestors 'none'")
        assert.strictEqual(form.headers.get("x-frame-options"), "DENY")
        // anonymous: nothing depends on credentials
        assert.strictEqual((yield* request(`${url}/`)).headers.get("cache-control"), null)
        const dashboard = yield* request(`${url}/dashboard`, {
          headers: { accept: "text/html", ...basic("alice", "wonderland") }
        })
        assert.strictEqual(dashboard.status, 200)
        assert.strictEqual(dashboard.headers.get("content-security-policy"), "frame-ancestors 'none'")
        assert.strictEqual(dashboard.headers.get("cache-control"), "no-store")
        // a refused password is a response about credentials too
        const refused = yield* request(`${url}/`, { headers: { authorization: "Basic foobar" } })
        assert.deepStrictEqual([refused.status, refused.headers.get("cache-control")], [400, "no-store"])
      }),
    { timeout: 180_000 }
  ) // a Basic request hashes a password (scrypt, N = 2^17)
})
