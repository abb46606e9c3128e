/**
 * An app that declares no scopes keeps plain strings: any string is a scope, wherever a scope is written. Checked by
 * `tsc -b` (part of `pnpm test`); test-register/Scopes.types.ts checks the other side, an app that declares them.
 */
import { HttpApiEndpoint, HttpServerResponse } from "@effect/platform"
import { describe, it } from "@effect/vitest"
import {
  AuthCredentials,
  hasRequiredScope,
  HttpApiAuthentication,
  Login,
  Policy,
  requires,
  Session,
  SimpleUser
} from "effect-auth"
import * as Testing from "effect-auth/Testing"
import type { Scope } from "effect-auth/User"
import { expectTypeOf } from "vitest"

const page = HttpServerResponse.text("page")
// read at run time: any string is a scope when the app declares none
const fromTheOutside: string = ["admni", "reports:read"].join(" ")
const many: Array<string> = fromTheOutside.split(" ")

describe("types", () => {
  it("without a declaration, a scope is any string", () => {
    expectTypeOf<Scope>().toEqualTypeOf<string>()
    expectTypeOf(new AuthCredentials(many).scopes).toEqualTypeOf<ReadonlyArray<string>>()
  })

  it("requires, Policy.scope, grants and logins take any string", () => {
    expectTypeOf(page.pipe(requires("admni"))).not.toBeNever()
    expectTypeOf(page.pipe(requires("admni", { status: 404 }))).not.toBeNever()
    expectTypeOf(page.pipe(requires(["authenticated", "admni"]))).not.toBeNever()
    expectTypeOf(page.pipe(requires(many))).not.toBeNever()
    expectTypeOf(page.pipe(requires(Policy.any(Policy.scope(fromTheOutside), Policy.scopes(many))))).not.toBeNever()
    expectTypeOf(new AuthCredentials(["admni", fromTheOutside]).has(fromTheOutside)).toEqualTypeOf<boolean>()
    expectTypeOf(hasRequiredScope(new AuthCredentials(many), many)).toEqualTypeOf<boolean>()
    expectTypeOf(hasRequiredScope(fromTheOutside)).toEqualTypeOf<(credentials: AuthCredentials) => boolean>()
    const alice = new SimpleUser("alice")
    expectTypeOf(Session.login(HttpServerResponse.empty(), alice, many)).not.toBeNever()
    expectTypeOf(Login.login({ user: alice, scopes: ["admni", fromTheOutside] })).not.toBeNever()
    expectTypeOf(HttpApiEndpoint.get("admin", "/admin").pipe(HttpApiAuthentication.requires("admni"))).not.toBeNever()
    expectTypeOf(Testing.principal(alice, many)).toEqualTypeOf<Testing.Principal>()
    expectTypeOf(Testing.arbitraryPrincipal(many)).not.toBeNever()
  })
})
