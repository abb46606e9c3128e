/**
 * docs/testing.md: each excerpt there stands in this file. The test kit (effect-auth/Testing) and real servers
 * (effect-auth/NodeTesting) on the docs' own apps.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, FastCheck } from "effect"
import {
  CurrentCredentials,
  CurrentUser,
  hasRequiredScope,
  isForbidden,
  isLoginRedirect,
  isUnauthorized,
  requires
} from "effect-auth"
import { request, serve } from "effect-auth/NodeTesting"
import * as Testing from "effect-auth/Testing"
import { ChallengeLive } from "../src/Errors.js"
import { pagesRouter, requiresApp } from "../src/Requires.js"
import { alice, ApiWithoutBackend, authors, bob, editPost } from "../src/Testing.js"
import { report } from "../src/Users.js"

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

  it.effect("accessTable on an HttpApi app: its Layer without its backend, built around each principal", () =>
    Effect.gen(function*() {
      const table = yield* Testing.accessTable(ApiWithoutBackend, {
        routes: ["GET /notes", "POST /notes", "DELETE /notes", "GET /notes/alice"],
        principals: {
          anonymous: Testing.anonymous,
          alice: Testing.principal("alice", ["notes:write"]),
          root: Testing.principal("root", ["admin"])
        },
        challenge: "Bearer" // the app's challenge, so its 401s (or provide its backend Layer)
      })
      assert.deepStrictEqual(table, {
        "GET /notes": { anonymous: 200, alice: 200, root: 200 },
        "POST /notes": { anonymous: 401, alice: 200, root: 403 },
        "DELETE /notes": { anonymous: 404, alice: 404, root: 200 },
        "GET /notes/alice": { anonymous: 401, alice: 200, root: 403 }
      })
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

  it.effect("runAs: anonymous is a principal like any other, with a user and credentials", () =>
    Effect.gen(function*() {
      for (const principal of [Testing.anonymous, Testing.principal("alice", ["admin"])]) {
        // every principal has a user and credentials, as every request has
        const user = yield* CurrentUser.pipe(Testing.runAs(principal))
        assert.strictEqual(user.displayName, principal.user.displayName)
        assert.strictEqual(principal.credentials.has("admin"), principal.user.isAuthenticated)
      }
    }))

  it.effect("runAs: the app's challenge, so an anonymous denial is a 401 as in the app", () =>
    Effect.gen(function*() {
      const given = yield* Effect.flip(
        secret.pipe(Testing.runAs(Testing.anonymous, { challenge: `Custom realm="docs"` }))
      )
      assert.isTrue(isUnauthorized(given))
      // or the app's own backend, provided: its challenges are used
      const fromBackend = yield* Effect.flip(
        secret.pipe(Testing.runAs(Testing.anonymous), Effect.provide(ChallengeLive))
      )
      assert.strictEqual(fromBackend.status, 401)
    }))

  it.effect("runAs: a request, for a redirect's next and a handler that reads it", () =>
    Effect.gen(function*() {
      const settings = Effect.succeed("settings").pipe(requires("authenticated", { redirect: "/login" }))
      const denied = yield* Effect.flip(
        settings.pipe(Testing.runAs(Testing.anonymous, { request: "GET /settings?tab=2" }))
      )
      assert.isTrue(isLoginRedirect(denied) && denied.location === "/login?next=%2Fsettings%3Ftab%3D2")
    }))

  it.effect.prop(
    "editors may edit their own posts: a property over the app's own users, with the route's parameters",
    [
      Testing.arbitraryPrincipal({ users: [alice, bob], scopes: ["editor", "authenticated"] }),
      FastCheck.constantFrom("1", "2")
    ],
    ([principal, id]) =>
      Effect.gen(function*() {
        const response = yield* Effect.exit(
          editPost.pipe(Testing.runAs(principal, { request: `PUT /posts/${id}`, params: { id } }))
        )
        const mayEdit = principal.credentials.has("editor") && authors[id] === principal.user.identity
        assert.strictEqual(response._tag === "Success", mayEdit)
      })
  )

  it.scoped("Testing.layer: with the app's challenge, anonymous gets the app's 401", () =>
    Effect.gen(function*() {
      const url = yield* serve(requiresApp).pipe(
        Effect.provide(Testing.layer(Testing.anonymous, { challenge: `Custom realm="docs"` }))
      )
      const reply = yield* request(`${url}/dashboard`)
      assert.deepStrictEqual([reply.status, reply.headers.get("www-authenticate")], [401, `Custom realm="docs"`])
    }))
})
