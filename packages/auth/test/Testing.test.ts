import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, FastCheck } from "effect"
import {
  AuthenticationBackend,
  Basic,
  CurrentCredentials,
  CurrentUser,
  hasRequiredScope,
  isForbidden,
  isLoginRedirect,
  isUnauthorized,
  Policy,
  requires,
  SimpleUser
} from "effect-auth"
import * as Testing from "effect-auth/Testing"
import { guardedApp } from "./utils/fixtures.js"
import { request as get, serve } from "./utils/server.js"

// requires needs no request: a handler runs as a principal on its own
const secret = Effect.succeed("secret").pipe(requires("admin"))

describe("Testing", () => {
  it.effect("runAs gives a handler the principal, without a backend", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* secret.pipe(Testing.runAs(Testing.principal("alice", ["admin"]))), "secret")
      const denied = yield* Effect.flip(secret.pipe(Testing.runAs(Testing.principal("bob"))))
      assert.strictEqual(denied._tag, "PermissionDenied")
      assert.isTrue(isForbidden(denied))
      // runAs declares no challenge, so an anonymous denial is a 403
      const anonymous = yield* Effect.flip(secret.pipe(Testing.runAs(Testing.anonymous)))
      assert.strictEqual(anonymous.status, 403)
      const user = yield* CurrentUser.pipe(Testing.runAs(Testing.anonymous))
      assert.isFalse(user.isAuthenticated)
    }))

  it.scoped("Testing.layer serves a whole app as a principal", () =>
    Effect.gen(function*() {
      const alice = yield* serve(guardedApp).pipe(
        Effect.provide(Testing.layer(Testing.principal("alice", ["authenticated"])))
      )
      assert.strictEqual((yield* get(`${alice}/guarded`)).body, `{"authenticated":true,"user":"alice"}`)
      const anonymous = yield* serve(guardedApp).pipe(Effect.provide(Testing.layer(Testing.anonymous)))
      assert.strictEqual((yield* get(`${anonymous}/guarded`)).status, 403)
    }))

  it.prop(
    "arbitrary principals: users are authenticated, their scopes come from the alphabet",
    [Testing.arbitraryPrincipal(["read", "write"])],
    ([principal]) => {
      if (principal._tag === "User") {
        assert.isTrue(principal.user.isAuthenticated)
        assert.isTrue(principal.credentials.scopes.every((s) => s === "read" || s === "write"))
      }
    }
  )

  it.effect.prop(
    "a policy property over arbitrary principals: requires('write') lets in exactly those holding write",
    [Testing.arbitraryPrincipal(["read", "write"])],
    ([principal]) =>
      Effect.gen(function*() {
        const outcome = yield* Effect.exit(
          Effect.succeed(1).pipe(
            requires(Policy.scope("write")),
            Testing.runAs(principal)
          )
        )
        const credentials = yield* CurrentCredentials.pipe(Testing.runAs(principal))
        assert.strictEqual(outcome._tag === "Success", hasRequiredScope(credentials, "write"))
      })
  )

  it.effect("every principal has a user and credentials, anonymous included", () =>
    Effect.gen(function*() {
      for (const principal of [Testing.anonymous, Testing.principal("alice", ["a"])]) {
        const user = yield* CurrentUser.pipe(Testing.runAs(principal))
        const credentials = yield* CurrentCredentials.pipe(Testing.runAs(principal))
        assert.strictEqual(principal.user.isAuthenticated, user.isAuthenticated)
        assert.deepStrictEqual(principal.credentials.scopes, credentials.scopes)
      }
      assert.strictEqual(Testing.anonymous.user.displayName, "")
      assert.deepStrictEqual(Testing.anonymous.credentials.scopes, [])
    }))

  it.effect("runAs takes the app's challenge, given or from the backend provided: anonymous denials are 401s", () =>
    Effect.gen(function*() {
      const given = yield* Effect.flip(secret.pipe(Testing.runAs(Testing.anonymous, { challenge: ["A", "B"] })))
      assert.isTrue(isUnauthorized(given) && given.challenge === "A, B")
      const fromBackend = yield* Effect.flip(
        secret.pipe(
          Testing.runAs(Testing.anonymous),
          Effect.provide(Basic.layer({ realm: "r", verify: () => Effect.succeedNone }))
        )
      )
      assert.isTrue(isUnauthorized(fromBackend) && fromBackend.challenge === `Basic realm="r", charset="UTF-8"`)
      // an authenticated user lacking the scope is still forbidden
      const bob = yield* Effect.flip(secret.pipe(Testing.runAs(Testing.principal("bob"), { challenge: "A" })))
      assert.isTrue(isForbidden(bob))
    }))

  it.effect("runAs gives a request and route parameters when asked: a redirect has its next, params are read", () =>
    Effect.gen(function*() {
      const page = Effect.succeed(1).pipe(requires("authenticated", { redirect: "/login" }))
      // without a request there is nowhere to come back to: a 403
      assert.isTrue(isForbidden(yield* Effect.flip(page.pipe(Testing.runAs(Testing.anonymous)))))
      const redirect = yield* Effect.flip(page.pipe(Testing.runAs(Testing.anonymous, { request: "/page?tab=2" })))
      assert.isTrue(isLoginRedirect(redirect) && redirect.location === "/login?next=%2Fpage%3Ftab%3D2")
      const post = Effect.gen(function*() {
        const params = yield* HttpRouter.params
        const request = yield* HttpServerRequest.HttpServerRequest
        const search = yield* HttpServerRequest.ParsedSearchParams
        return `${request.method} ${params["id"]} ${search["draft"]}`
      })
      const read = yield* post.pipe(
        Testing.runAs(Testing.principal("ann"), { request: "PUT /posts/7?draft=yes", params: { id: "7" } })
      )
      assert.strictEqual(read, "PUT 7 yes")
      const route = yield* Effect.map(HttpRouter.RouteContext, (context) => context.route.path).pipe(
        Testing.runAs(Testing.anonymous, { params: {} })
      )
      assert.strictEqual(route, "*")
    }))

  it.effect("Testing.layer takes the app's challenge", () =>
    Effect.gen(function*() {
      const backend = yield* AuthenticationBackend.pipe(
        Effect.provide(Testing.layer(Testing.anonymous, { challenge: "X" }))
      )
      assert.deepStrictEqual(backend.challenges, ["X"])
      assert.strictEqual(backend.anonymous.challenge, "X")
    }))

  const alice = new SimpleUser("alice")
  const bob = new SimpleUser("bob")

  it.prop(
    "arbitrary principals from the app's own users and scopes",
    [Testing.arbitraryPrincipal({ users: [alice, bob], scopes: ["editor"], anonymous: false })],
    ([principal]) => {
      assert.strictEqual(principal._tag, "User")
      assert.isTrue(principal.user === alice || principal.user === bob)
      assert.isTrue(principal.credentials.scopes.every((s) => s === "editor"))
    }
  )

  it("arbitrary principals draw each user, anonymous unless told not to, and refuse an empty list", () => {
    const drawn = FastCheck.sample(Testing.arbitraryPrincipal({ users: [alice, bob] }), { numRuns: 200, seed: 1 })
    assert.deepStrictEqual(
      new Set(drawn.map((principal) => principal._tag === "User" ? principal.user.identity : "")),
      new Set(["alice", "bob", ""])
    )
    assert.throws(() => Testing.arbitraryPrincipal({ users: [] }), /empty/)
  })

  const authors: Record<string, string> = { "1": "alice", "2": "bob" }
  const edit = HttpServerResponse.text("saved").pipe(
    requires(Policy.all(
      Policy.scope("editor"),
      Policy.check(
        "owns the post",
        Effect.zipWith(CurrentUser, HttpRouter.params, (user, params) => authors[params["id"]!] === user.identity)
      )
    ))
  )

  it.effect.prop(
    "editors may edit their own posts: a property over the app's users, through route parameters",
    [Testing.arbitraryPrincipal({ users: [alice, bob], scopes: ["editor"] }), FastCheck.constantFrom("1", "2")],
    ([principal, id]) =>
      Effect.gen(function*() {
        const outcome = yield* Effect.exit(edit.pipe(Testing.runAs(principal, { params: { id } })))
        const mayEdit = principal.credentials.scopes.includes("editor") && authors[id] === principal.user.identity
        assert.strictEqual(outcome._tag === "Success", mayEdit)
      })
  )
})
