import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { CurrentCredentials, CurrentUser, hasRequiredScope, isForbidden, Policy, requires } from "effect-auth"
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
})
