/**
 * The HttpApi example, through a real server: its OpenAPI document and the curl lines it prints on start.
 */
import { HttpServer } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { ServerLive } from "../src/App.js"

const get = (url: string, headers: Record<string, string> = {}) =>
  Effect.promise(async () => {
    const response = await fetch(url, { headers, redirect: "manual" })
    return { status: response.status, body: await response.text(), headers: response.headers }
  })

const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`
})

// the app's own layer, on a free port
const start = Effect.gen(function*() {
  const context = yield* Layer.build(ServerLive(0))
  const address = Context.get(context, HttpServer.HttpServer).address
  if (address._tag !== "TcpAddress") return yield* Effect.dieMessage("expected a TCP address")
  return `http://127.0.0.1:${address.port}`
})

describe("the HttpApi example", () => {
  it.scoped("serves an OpenAPI document with the Basic scheme and each operation's scopes", () =>
    Effect.gen(function*() {
      const url = yield* start
      const reply = yield* get(`${url}/openapi.json`)
      assert.strictEqual(reply.status, 200)
      const spec = JSON.parse(reply.body)
      assert.strictEqual(spec.info.title, "effect-auth HttpApi example")
      assert.deepStrictEqual(spec.components.securitySchemes, { basic: { type: "http", scheme: "basic" } })
      assert.deepStrictEqual(spec.paths["/"].get.security, [{}, { basic: [] }])
      assert.deepStrictEqual(spec.paths["/board"].get.security, [{}, { basic: [] }])
      assert.deepStrictEqual(spec.paths["/mailbox/{owner}"].get.security, [{}, { basic: [] }])
      assert.include(spec.paths["/mailbox/{owner}"].get.description, `check("reads the mailbox")`)
      // each error as it is sent: text/plain with its status
      assert.deepStrictEqual(Object.keys(spec.paths["/admin"].get.responses["403"].content), ["text/plain"])
      assert.deepStrictEqual(Object.keys(spec.paths["/admin"].get.responses["401"].content), ["text/plain"])
      assert.deepStrictEqual(spec.paths["/me"].get.security, [{ basic: ["authenticated"] }])
      assert.deepStrictEqual(spec.paths["/admin"].get.security, [{ basic: ["admin"] }])
      assert.deepStrictEqual(Object.keys(spec.paths["/admin"].get.responses).sort(), [
        "200",
        "400",
        "401",
        "403",
        "429",
        "503"
      ])
      const docs = yield* get(`${url}/docs`)
      assert.strictEqual(docs.status, 200)
      assert.match(docs.headers.get("content-type") ?? "", /^text\/html/)
    }))

  it.scoped("does what its curl lines say", () =>
    Effect.gen(function*() {
      const url = yield* start
      assert.deepStrictEqual([(yield* get(`${url}/`)).status, (yield* get(`${url}/`)).body], [200, "hello, you"])
      assert.strictEqual((yield* get(`${url}/`, basic("bob", "builder"))).body, "hello, bob")
      const anonymous = yield* get(`${url}/me`)
      assert.deepStrictEqual([anonymous.status, anonymous.body], [401, "Unauthorized"])
      assert.strictEqual(
        anonymous.headers.get("www-authenticate"),
        `Basic realm="effect-auth example", charset="UTF-8"`
      )
      const me = yield* get(`${url}/me`, basic("bob", "builder"))
      assert.deepStrictEqual([me.status, JSON.parse(me.body)], [200, { username: "bob", scopes: ["authenticated"] }])
      const bob = yield* get(`${url}/admin`, basic("bob", "builder"))
      assert.deepStrictEqual([bob.status, bob.body], [403, "Forbidden"])
      const alice = yield* get(`${url}/admin`, basic("alice", "wonderland"))
      assert.deepStrictEqual([alice.status, alice.body], [200, "admin area, welcome alice"])
      assert.strictEqual((yield* get(`${url}/me`, basic("alice", "wrong"))).status, 401)
      assert.strictEqual((yield* get(`${url}/me`, basic("mallory", "wonderland"))).status, 401)
      const malformed = yield* get(`${url}/me`, { authorization: "Basic foobar" })
      assert.deepStrictEqual([malformed.status, malformed.body], [400, "Invalid basic auth credentials"])
      const optional = yield* get(`${url}/`, { authorization: "Basic foobar" })
      assert.deepStrictEqual([optional.status, optional.body], [200, "hello, you"])
      assert.deepStrictEqual([(yield* get(`${url}/board`)).status, (yield* get(`${url}/board`)).body], [
        200,
        "the board"
      ])
      assert.strictEqual((yield* get(`${url}/mailbox/bob`, basic("alice", "wonderland"))).body, "mailbox of bob")
      assert.strictEqual((yield* get(`${url}/mailbox/alice`, basic("bob", "builder"))).status, 403)
      assert.strictEqual((yield* get(`${url}/mailbox/alice`)).status, 401)
    }))
})
