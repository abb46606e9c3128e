/**
 * An app that declares no scopes keeps plain strings: any string is a scope, wherever a scope is written. And what
 * `requires` adds to a handler's requirements and errors, exactly. Checked by `tsc -b`.
 */
import { describe, it } from "@effect/vitest"
import type { Effect } from "effect"
import { Context, Effect as E } from "effect"
import { AuthCredentials, SimpleUser } from "effect-auth"
import type { CurrentCredentials, CurrentUser } from "effect-auth/CurrentUser"
import * as HttpApiAuthentication from "effect-auth/HttpApiAuthentication"
import * as Login from "effect-auth/Login"
import type { PermissionDenied } from "effect-auth/PermissionDenied"
import * as Policy from "effect-auth/Policy"
import { hasRequiredScope, requires } from "effect-auth/Requires"
import * as Session from "effect-auth/Session"
import type { Scope } from "effect-auth/User"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import type * as HttpServerError from "effect/http/HttpServerError"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { expectTypeOf } from "vitest"

const page = HttpServerResponse.text("page")
// read at run time: any string is a scope when the app declares none
const fromTheOutside: string = ["admni", "reports:read"].join(" ")
const many: Array<string> = fromTheOutside.split(" ")

class Documents extends Context.Service<Documents, { readonly owns: E.Effect<boolean> }>()("test/Documents") {}
class Failure {
  readonly _tag = "Failure"
}
const handler: Effect.Effect<number, Failure, Documents> = E.as(E.service(Documents), 1)

type Needs = CurrentCredentials | CurrentUser

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
  })

  it("requires adds the denials to E, and the credentials and the user to R, and nothing else", () => {
    expectTypeOf(handler.pipe(requires("admin"))).toEqualTypeOf<
      Effect.Effect<number, Failure | PermissionDenied, Documents | Needs>
    >()
    expectTypeOf(requires(handler, ["a", "b"], { status: 403 })).toEqualTypeOf<
      Effect.Effect<number, Failure | PermissionDenied, Documents | Needs>
    >()
    expectTypeOf(handler.pipe(requires("admin", { redirect: "/login" }))).toEqualTypeOf<
      Effect.Effect<number, Failure | PermissionDenied, Documents | Needs>
    >()
    // a hidden route fails as a missing one: the router's HttpServerError (its reason a RouteNotFound)
    expectTypeOf(handler.pipe(requires("admin", { status: 404 }))).toEqualTypeOf<
      Effect.Effect<number, Failure | PermissionDenied | HttpServerError.HttpServerError, Documents | Needs>
    >()
    // a response is a handler that always answers it
    expectTypeOf(page.pipe(requires("admin"))).toEqualTypeOf<
      Effect.Effect<HttpServerResponse.HttpServerResponse, PermissionDenied, Needs>
    >()
    // a policy's effectful checks add what they need
    const owner = Policy.check("owner", E.flatMap(E.service(Documents), (documents) => documents.owns))
    expectTypeOf(page.pipe(requires(Policy.all(Policy.authenticated, owner)))).toEqualTypeOf<
      Effect.Effect<HttpServerResponse.HttpServerResponse, PermissionDenied, Needs | Documents>
    >()
  })
})
