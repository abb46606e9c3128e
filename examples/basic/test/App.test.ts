/**
 * The example app, through a real server and real clients: every curl line it prints on start.
 */
import { assert, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Testing } from "effect-auth"
import { serve } from "effect-auth/NodeTesting"
import WebSocket from "ws"
import { app, BackendLive, router } from "../src/App.js"

const get = (url: string, headers: Record<string, string> = {}) =>
  Effect.promise(async () => {
    const response = await fetch(url, { headers, redirect: "manual" })
    return { status: response.status, body: await response.text(), location: response.headers.get("location") }
  })

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
  it.scoped("does what its curl lines say", () =>
    Effect.gen(function*() {
      const url = yield* serve(app).pipe(Effect.provide(BackendLive))
      assert.deepStrictEqual(yield* get(`${url}/`), { status: 200, body: "hello, you", location: null })
      assert.strictEqual((yield* get(`${url}/`, basic("bob", "builder"))).body, "hello, bob")
      assert.strictEqual((yield* get(`${url}/dashboard`)).status, 403)
      assert.strictEqual((yield* get(`${url}/dashboard`, basic("bob", "builder"))).status, 403)
      assert.deepStrictEqual(yield* get(`${url}/dashboard`, basic("alice", "wonderland")), {
        status: 200,
        body: "dashboard of alice",
        location: null
      })
      assert.deepStrictEqual(
        [(yield* get(`${url}/admin`, basic("bob", "builder"))).status, (yield* get(`${url}/admin`)).body],
        [404, "Not Found"]
      )
      assert.strictEqual((yield* get(`${url}/admin`, basic("alice", "wonderland"))).status, 200)
      assert.deepStrictEqual(yield* get(`${url}/account`), { status: 303, body: "", location: "/login?next=%2Faccount" })
      assert.strictEqual((yield* get(`${url}/dashboard`, basic("alice", "wrong"))).status, 403)
      assert.strictEqual((yield* get(`${url}/dashboard`, basic("mallory", "wonderland"))).status, 403)
      assert.deepStrictEqual(yield* get(`${url}/`, { authorization: "Basic foobar" }), {
        status: 400,
        body: "Invalid basic auth credentials",
        location: null
      })
      assert.deepStrictEqual(yield* socket(`${url}/ws`, basic("bob", "builder")), {
        messages: ["hello, bob"],
        code: 1000
      })
      assert.deepStrictEqual(yield* socket(`${url}/ws`, {}), { status: 403, messages: [] })
    }))

  it.effect("who may reach what: the access table is snapshotted, so a privilege change fails here", () =>
    Effect.gen(function*() {
      const table = yield* Testing.accessTable(app, {
        routes: Testing.routesOf(router).filter((route) => route !== "GET /ws"),
        principals: {
          anonymous: Testing.anonymous,
          bob: Testing.principal("bob", ["authenticated"]),
          alice: Testing.principal("alice", ["authenticated", "admin"])
        }
      })
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
          "GET /dashboard": {
            "alice": 200,
            "anonymous": 403,
            "bob": 403,
          },
          "GET /login": {
            "alice": 200,
            "anonymous": 200,
            "bob": 200,
          },
        }
      `)
    }))
})
