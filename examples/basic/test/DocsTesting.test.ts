/**
 * docs/testing.md: each excerpt there stands in this file. The test kit (effect-auth/Testing) and real servers
 * (effect-auth/NodeTesting) on the docs' own apps.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { CurrentCredentials, hasRequiredScope, isForbidden, requires } from "effect-auth"
import { request, serve } from "effect-auth/NodeTesting"
import * as Testing from "effect-auth/Testing"
import { ChallengeLive } from "../src/DocsErrors.js"
import { pagesRouter, requiresApp } from "../src/DocsRequires.js"
import { report } from "../src/DocsUsers.js"

// a handler on its own, as a principal: no backend, no middleware, no server
const secret = Effect.succeed("secret").pipe(requires("admin"))

describe("docs: testing", () => {
  it.effect("runAs: a handler as anyone", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* secret.pipe(Testing.runAs(Testing.principal("alice", ["admin"]))), "secret")
      const denied = yield* Effect.flip(secret.pipe(Testing.runAs(Testing.principal("bob", ["authenticated"]))))
      assert.isTrue(isForbidden(denied))
      assert.strictEqual(denied.clause, `"admin"`)
    }))

  it.scoped("Testing.layer: the whole app, middleware included, as one principal, on a real server", () =>
    Effect.gen(function*() {
      const url = yield* serve(requiresApp).pipe(
        Effect.provide(Testing.layer(Testing.principal("alice", ["authenticated", "admin"])))
      )
      const reply = yield* request(`${url}/dashboard`)
      assert.deepStrictEqual([reply.status, reply.body], [200, "dashboard"])
    }))

  it.effect("accessTable: who may reach what, to compare with what you meant", () =>
    Effect.gen(function*() {
      const table = yield* Testing.accessTable(requiresApp, {
        routes: [...Testing.routesOf(pagesRouter), "PUT /articles/1", "DELETE /articles/1"],
        principals: {
          anonymous: Testing.anonymous,
          bob: Testing.principal("bob", ["authenticated"]),
          root: Testing.principal("root", ["authenticated", "admin"])
        }
      }).pipe(Effect.provide(ChallengeLive)) // the app's own backend: its challenge, so its 401s
      assert.deepStrictEqual(table, {
        "GET /dashboard": { anonymous: 401, bob: 403, root: 200 },
        "GET /internal": { anonymous: 404, bob: 404, root: 200 },
        "GET /settings": { anonymous: 303, bob: 200, root: 200 },
        "GET /billing": { anonymous: 403, bob: 403, root: 403 },
        "PUT /articles/1": { anonymous: 401, bob: 403, root: 403 },
        "DELETE /articles/1": { anonymous: 404, bob: 404, root: 200 }
      })
    }))

  it.effect.prop(
    "a property over arbitrary principals: the report is refused to exactly those without reports:read",
    [Testing.arbitraryPrincipal(["reports:read", "reports:export", "admin"])],
    ([principal]) =>
      Effect.gen(function*() {
        const response = yield* report.pipe(Testing.runAs(principal))
        const credentials = yield* CurrentCredentials.pipe(Testing.runAs(principal))
        assert.strictEqual(response.status === 403, !hasRequiredScope(credentials, "reports:read"))
      })
  )
})
