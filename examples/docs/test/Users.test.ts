/**
 * docs/users.md and docs/credentials-and-scopes.md (src/Users.ts), through a real server.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { request, serve } from "effect-auth/NodeTesting"
import { reportsApp, ScopesBackend, usersApp } from "../src/Users.js"

describe("docs: users", () => {
  it.scoped("the homepage greets the user, or you; whoami reads both at once", () =>
    Effect.gen(function*() {
      const url = yield* serve(usersApp).pipe(Effect.provide(ScopesBackend))
      assert.strictEqual((yield* request(url)).body, "hello, you")
      assert.strictEqual((yield* request(url, { headers: { "x-user": "alice" } })).body, "hello, alice")
      const anonymous = yield* request(`${url}/whoami`)
      assert.deepStrictEqual(JSON.parse(anonymous.body), { user: "", authenticated: false, scopes: [] })
      const alice = yield* request(`${url}/whoami`, { headers: { "x-user": "alice", "x-scopes": "a b" } })
      assert.deepStrictEqual(JSON.parse(alice.body), { user: "alice", authenticated: true, scopes: ["a", "b"] })
    }))
})

describe("docs: credentials and scopes", () => {
  it.scoped("the same user with different grants sees different reports", () =>
    Effect.gen(function*() {
      const url = yield* serve(reportsApp).pipe(Effect.provide(ScopesBackend))
      const as = (scopes: string) => request(`${url}/report`, { headers: { "x-user": "alice", "x-scopes": scopes } })
      assert.strictEqual((yield* as("reports:read reports:export")).body, "full report")
      assert.strictEqual((yield* as("reports:read")).body, "summary")
      assert.strictEqual((yield* as("Reports:Read")).status, 403) // exact, case-sensitive
      assert.strictEqual((yield* request(`${url}/report`)).status, 403)
    }))
})
