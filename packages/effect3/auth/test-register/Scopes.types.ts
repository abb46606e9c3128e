/**
 * Typed scopes: once an app declares its scopes, a scope it never declared (a typo) does not compile, wherever a
 * scope is written: `requires`, `Policy.scope`, a backend's grant, a login's grant, a test's principal. Checked by
 * `tsc -b` in this project of its own, because the registration is global to it (test/types/Scope.types.test.ts
 * checks that an app that declares none keeps plain strings). Each `@ts-expect-error` below is a typo that must not
 * compile: without the registration, every one of them would be an unused directive, and `tsc -b` would fail.
 */
import { HttpApiEndpoint, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import {
  AuthCredentials,
  Basic,
  Bearer,
  CurrentCredentials,
  hasRequiredScope,
  HttpApiAuthentication,
  Login,
  Policy,
  requires,
  Session
} from "effect-auth"
import * as Testing from "effect-auth/Testing"
import type { Scope } from "effect-auth/User"
import { expectTypeOf } from "vitest"

// the app's scopes, declared once: a list (to check scopes that come from outside, see `grantOf`) and its type
export const appScopes = ["authenticated", "admin", "reports:read"] as const

declare module "effect-auth/User" {
  interface Register {
    readonly scopes: (typeof appScopes)[number]
  }
}

// scopes that come from outside (a token's claim, a database row) are checked once, where they enter
export const isScope = (scope: string): scope is Scope => (appScopes as ReadonlyArray<string>).includes(scope)
export const grantOf = (claim: string) => new AuthCredentials(claim.split(" ").filter(isScope))

// `requires`, `Policy.scope` and a backend's grant take only the declared scopes
export const reports = HttpServerResponse.text("reports").pipe(requires(["authenticated", "reports:read"]))
export const admin = HttpServerResponse.text("admin").pipe(
  // @ts-expect-error: "admni" is not a declared scope
  requires("admni", { status: 404 })
)

const page = HttpServerResponse.text("page")
// the same whatever the form of the requirement
export const forms = [
  page.pipe(requires("admin")),
  page.pipe(requires("admin", { status: 404 })),
  page.pipe(requires(["authenticated", "admin"] as const)),
  page.pipe(requires([])),
  page.pipe(
    requires(Policy.any(Policy.scope("admin"), Policy.all(Policy.scope("reports:read"), Policy.authenticated)))
  ),
  page.pipe(requires(Policy.scopes(["authenticated", "admin"]))),
  // @ts-expect-error: a typo in one scope of several
  page.pipe(requires(["authenticated", "admni"])),
  // @ts-expect-error: a typo in an `as const` array
  page.pipe(requires(["authenticated", "admni"] as const)),
  // @ts-expect-error: a typo in a policy
  page.pipe(requires(Policy.any(Policy.scope("admni"), Policy.scope("reports:read")))),
  // @ts-expect-error: a typo in Policy.scopes
  page.pipe(requires(Policy.scopes(["admni"])))
]

// a list of scopes kept aside needs the type (or `as const`): a `string[]` may hold anything
const needed: ReadonlyArray<Scope> = ["authenticated", "admin"]
const loose = ["authenticated", "admin"]
export const lists = [
  page.pipe(requires(needed)),
  // @ts-expect-error: string is not a declared scope
  page.pipe(requires(loose))
]

// @ts-expect-error: "admni" is not a declared scope
export const typoScope = Policy.scope("admni")
// @ts-expect-error: nor in the policy's own constructor
export const typoNode = new Policy.Scope({ scope: "admni" })

// a backend's grant
export const grants = [
  new AuthCredentials(["authenticated", "admin"]),
  AuthCredentials.make(["reports:read"], { method: "session" }),
  // @ts-expect-error: "admni" is not a declared scope
  new AuthCredentials(["admni"]),
  // @ts-expect-error: nor through make
  AuthCredentials.make(["authenticated", "admni"])
]

const alice = {
  isAuthenticated: true,
  id: 1,
  email: "alice@example.com",
  roles: ["admin"],
  displayName: "Alice",
  identity: "1"
} as const

export const BasicBackend = Basic.layer({
  verify: () => Effect.succeedSome([new AuthCredentials(["authenticated", "admin"]), alice] as const)
})
export const TypoBackend = Bearer.layer({
  verify: () =>
    Effect.succeedSome(
      // @ts-expect-error: a backend that grants an undeclared scope
      [new AuthCredentials(["authenticated", "admni"]), alice] as const
    )
})

// credentials are read with the same type, and checked against declared scopes only
export const handler = Effect.gen(function*() {
  const credentials = yield* CurrentCredentials
  expectTypeOf(credentials.scopes).toEqualTypeOf<ReadonlyArray<"authenticated" | "admin" | "reports:read">>()
  const full = hasRequiredScope(credentials, ["reports:read", "admin"]) && credentials.has("authenticated")
  const piped = hasRequiredScope("admin")(credentials)
  // @ts-expect-error: hasRequiredScope checks declared scopes only
  const typo = hasRequiredScope(credentials, "admni")
  // @ts-expect-error: and so does `has`
  const typoHas = credentials.has("admni")
  return HttpServerResponse.text(`${full} ${piped} ${typo} ${typoHas}`)
})

// a login's grant
export const loggedIn = [
  Session.login(HttpServerResponse.empty(), alice, ["authenticated"]),
  // @ts-expect-error: "admni" is not a declared scope
  Session.login(HttpServerResponse.empty(), alice, ["authenticated", "admni"]),
  Login.login({ user: alice, scopes: ["authenticated", "reports:read"] }),
  // @ts-expect-error: nor in Login.login's
  Login.login({ user: alice, scopes: ["authenticated", "admni"] })
]

// HttpApi endpoints declare the same scopes
export const endpoints = [
  HttpApiEndpoint.get("reports", "/reports").pipe(HttpApiAuthentication.requires("reports:read")),
  // @ts-expect-error: "admni" is not a declared scope
  HttpApiEndpoint.get("admin", "/admin").pipe(HttpApiAuthentication.requires("admni"))
]

// tests act as principals with declared scopes
export const principals = [
  Testing.principal(alice, ["admin"]),
  Testing.arbitraryPrincipal({ users: [alice], scopes: ["authenticated", "admin"] }),
  // @ts-expect-error: "admni" is not a declared scope
  Testing.principal(alice, ["admni"]),
  // @ts-expect-error: nor in arbitrary principals
  Testing.arbitraryPrincipal(["admni"])
]

// the registry is types only: at run time a scope is the string it always was
expectTypeOf<Scope>().toEqualTypeOf<"authenticated" | "admin" | "reports:read">()
