/**
 * The HttpLayerRouter example through a real server on 127.0.0.1: authentication before routing on every path, the
 * Basic realm's challenge kept, errors as JSON with their headers, editors editing their own posts only.
 */
import { HttpLayerRouter, HttpServer } from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { request } from "effect-auth/NodeTesting"
import * as Testing from "effect-auth/Testing"
import { createServer } from "node:http"
import { AppLive, BackendLive, PlainAppLive } from "../src/App.js"

// serves an app's Layer as main.ts does, on a free port, for the test's scope, and answers its URL
const serveLayer = <A, E, R>(app: Layer.Layer<A, E, R>) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(
      HttpLayerRouter.serve(app, { disableLogger: true, disableListenLog: true }).pipe(
        Layer.provide(BackendLive),
        Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { host: "127.0.0.1", port: 0 }))
      )
    )
    const address = (yield* Effect.provide(HttpServer.HttpServer, context)).address
    return address._tag === "TcpAddress" ? `http://127.0.0.1:${address.port}` : yield* Effect.die("not TCP")
  }).pipe(Effect.orDie)

const as = (username: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`
})
const alice = as("alice", "wonderland")
const bob = as("bob", "builder")
const carol = as("carol", "singer")
const challenge = `Basic realm="posts", charset="UTF-8"`

describe("layer-router example", () => {
  it.scoped("every route sees the user; requires answers with JSON, keeping the challenge and the Location", () =>
    Effect.gen(function*() {
      const url = yield* serveLayer(AppLive)
      assert.strictEqual((yield* request(`${url}/`)).body, "hello, you")
      assert.strictEqual((yield* request(`${url}/`, { headers: alice })).body, "hello, alice")
      const anonymous = yield* request(`${url}/dashboard`)
      assert.deepStrictEqual([anonymous.status, anonymous.body], [401, `{"error":"authentication required"}`])
      assert.strictEqual(anonymous.headers.get("www-authenticate"), challenge)
      assert.strictEqual(anonymous.headers.get("content-type"), "application/json")
      // a wrong password is anonymous, as in Starlette
      assert.strictEqual((yield* request(`${url}/dashboard`, { headers: as("alice", "nope") })).status, 401)
      const forbidden = yield* request(`${url}/dashboard`, { headers: bob })
      assert.deepStrictEqual([forbidden.status, forbidden.body], [403, `{"error":"forbidden"}`])
      assert.strictEqual((yield* request(`${url}/dashboard`, { headers: alice })).body, "dashboard")
      const redirect = yield* request(`${url}/account?tab=2`)
      assert.deepStrictEqual([redirect.status, redirect.body], [303, `{"error":"log in first"}`])
      assert.strictEqual(redirect.headers.get("location"), "/login?next=%2Faccount%3Ftab%3D2")
    }))

  it.scoped("authentication runs before routing: a malformed header is a 400 on a path that does not exist", () =>
    Effect.gen(function*() {
      const url = yield* serveLayer(AppLive)
      const malformed = yield* request(`${url}/no/such/page`, { headers: { authorization: "Basic foobar" } })
      assert.deepStrictEqual([malformed.status, malformed.body], [400, `{"error":"Invalid basic auth credentials"}`])
      // a hidden route looks exactly like one that does not exist
      const hidden = yield* request(`${url}/internal`, { headers: bob })
      const missing = yield* request(`${url}/no/such/page`, { headers: bob })
      assert.deepStrictEqual([hidden.status, hidden.body, hidden.headers.get("content-type")], [
        missing.status,
        missing.body,
        missing.headers.get("content-type")
      ])
      assert.strictEqual(hidden.status, 404)
      assert.strictEqual((yield* request(`${url}/internal`, { headers: alice })).body, "internal")
    }))

  it.scoped("editors may edit their own posts, and only those", () =>
    Effect.gen(function*() {
      const url = yield* serveLayer(AppLive)
      const put = (id: string, headers: Record<string, string>) =>
        Effect.map(request(`${url}/posts/${id}`, { method: "PUT", headers }), (reply) => reply.status)
      assert.deepStrictEqual(
        [
          yield* put("1", alice),
          yield* put("2", alice),
          yield* put("2", bob),
          yield* put("1", bob),
          yield* put("1", carol)
        ],
        [200, 403, 200, 403, 403]
      )
    }))

  it.scoped("the one-liner without handle: errors render themselves, before routing too", () =>
    Effect.gen(function*() {
      const url = yield* serveLayer(PlainAppLive)
      const malformed = yield* request(`${url}/nowhere`, { headers: { authorization: "Basic foobar" } })
      assert.deepStrictEqual([malformed.status, malformed.body], [400, "Invalid basic auth credentials"])
      const anonymous = yield* request(`${url}/dashboard`)
      assert.deepStrictEqual([anonymous.status, anonymous.body], [401, "Unauthorized"])
      assert.strictEqual(anonymous.headers.get("www-authenticate"), challenge)
    }))

  it.scoped("the test kit works on an HttpLayerRouter app: its access table, with the app's own challenge", () =>
    Effect.gen(function*() {
      const app = yield* HttpLayerRouter.toHttpEffect(AppLive)
      const table = yield* Testing.accessTable(app, {
        routes: ["GET /dashboard", "GET /internal", "GET /account", "PUT /posts/1", "PUT /posts/2"],
        principals: {
          anonymous: Testing.anonymous,
          alice: Testing.principal("alice", ["authenticated", "admin", "editor"]),
          carol: Testing.principal("carol", ["authenticated"])
        }
      }).pipe(Effect.provide(BackendLive))
      assert.deepStrictEqual(table, {
        "GET /dashboard": { anonymous: 401, alice: 200, carol: 403 },
        "GET /internal": { anonymous: 404, alice: 200, carol: 404 },
        "GET /account": { anonymous: 303, alice: 200, carol: 200 },
        "PUT /posts/1": { anonymous: 401, alice: 200, carol: 403 },
        "PUT /posts/2": { anonymous: 401, alice: 403, carol: 403 }
      })
    }))
})
