/**
 * docs/requiring-scopes.md and docs/websockets.md (src/Requires.ts), through a real server and a real
 * websocket client.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { request, serve } from "effect-auth/NodeTesting"
import WebSocket from "ws"
import { ChallengeLive } from "../src/Errors.js"
import { requiresApp, socketsApp } from "../src/Requires.js"
import { ScopesBackend } from "../src/Users.js"

const as = (user: string, scopes: string) => ({ "x-user": user, "x-scopes": scopes })

type Outcome =
  | { readonly status: number }
  | { readonly code: number; readonly reason: string; readonly messages: ReadonlyArray<string> }

const connect = (url: string, headers: Record<string, string> = {}) =>
  Effect.async<Outcome>((resume) => {
    const socket = new WebSocket(url.replace(/^http/, "ws"), { headers })
    const messages: Array<string> = []
    socket.on("unexpected-response", (_request, response) => {
      resume(Effect.succeed({ status: response.statusCode ?? 0 }))
      socket.terminate()
    })
    socket.on("message", (data) => messages.push(String(data)))
    socket.on("close", (code, reason) => resume(Effect.succeed({ code, reason: String(reason), messages })))
    socket.on("error", () => {})
    return Effect.sync(() => socket.terminate())
  })

describe("docs: requiring scopes", () => {
  it.scoped("scopes, status, redirect, and per-method handlers", () =>
    Effect.gen(function*() {
      const url = yield* serve(requiresApp).pipe(Effect.provide(ScopesBackend))
      const status = (path: string, headers: Record<string, string> = {}, method = "GET") =>
        Effect.map(request(`${url}${path}`, { headers, method }), (reply) => reply.status)
      assert.strictEqual(yield* status("/dashboard"), 403) // no challenge: Starlette's 403
      assert.strictEqual(yield* status("/dashboard", as("bob", "authenticated")), 403)
      assert.strictEqual(yield* status("/dashboard", as("alice", "authenticated admin")), 200)
      const hidden = yield* request(`${url}/internal`, { headers: as("bob", "authenticated") })
      const missing = yield* request(`${url}/no-such-page`, { headers: as("bob", "authenticated") })
      assert.deepStrictEqual([hidden.status, hidden.body], [missing.status, missing.body])
      assert.strictEqual(hidden.headers.get("content-type"), missing.headers.get("content-type"))
      const redirected = yield* request(`${url}/settings?tab=keys`)
      assert.strictEqual(redirected.status, 303)
      assert.strictEqual(redirected.headers.get("location"), "/login?via=docs&next=%2Fsettings%3Ftab%3Dkeys")
      assert.strictEqual(yield* status("/articles/1", as("bob", "authenticated")), 200)
      assert.strictEqual(yield* status("/articles/1", as("bob", "authenticated"), "PUT"), 403)
      assert.strictEqual(yield* status("/articles/1", as("eve", "authenticated editor"), "PUT"), 200)
      assert.strictEqual(yield* status("/articles/1", as("eve", "authenticated editor"), "DELETE"), 404)
      assert.strictEqual(yield* status("/articles/1", as("root", "admin"), "DELETE"), 200)
    }))

  it.scoped("with a challenge, anonymous denials are 401; status: 403 and authenticated users stay 403", () =>
    Effect.gen(function*() {
      const url = yield* serve(requiresApp).pipe(Effect.provide(ChallengeLive))
      const dashboard = yield* request(`${url}/dashboard`)
      assert.deepStrictEqual([dashboard.status, dashboard.body], [401, "Unauthorized"])
      assert.strictEqual(dashboard.headers.get("www-authenticate"), `Custom realm="docs"`)
      assert.strictEqual((yield* request(`${url}/billing`)).status, 403)
      assert.strictEqual((yield* request(`${url}/internal`)).status, 404)
      assert.strictEqual((yield* request(`${url}/settings`)).status, 303)
    }))
})

describe("docs: websockets", () => {
  it.scoped("the user on a websocket; a denied handshake is refused with the status, or closed with 1008", () =>
    Effect.gen(function*() {
      const url = yield* serve(socketsApp).pipe(Effect.provide(ScopesBackend))
      const bob = as("bob", "authenticated")
      assert.deepStrictEqual(yield* connect(`${url}/ws`, bob), { code: 1000, reason: "", messages: ["hello, bob"] })
      assert.deepStrictEqual(yield* connect(`${url}/ws`), { status: 403 })
      assert.deepStrictEqual(yield* connect(`${url}/ws/browser`), { code: 1008, reason: "Forbidden", messages: [] })
      const challenged = yield* serve(socketsApp).pipe(Effect.provide(ChallengeLive))
      assert.deepStrictEqual(yield* connect(`${challenged}/ws`), { status: 401 })
    }))
})
