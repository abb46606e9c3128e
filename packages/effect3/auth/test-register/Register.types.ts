/**
 * Typed users: an app registers its own user type once; backends must produce it and handlers read it with its
 * own type, without a cast. Checked by `tsc -b` in a project of its own, because the registration is global to it.
 */
import { HttpServerResponse } from "@effect/platform"
import { Effect, Option } from "effect"
import type { BaseUser } from "effect-auth"
import { AuthCredentials, AuthenticationBackend, Basic, CurrentUser, Policy, SimpleUser } from "effect-auth"
import { expectTypeOf } from "vitest"

interface AppUser extends BaseUser {
  readonly isAuthenticated: true
  readonly id: number
  readonly email: string
  readonly roles: ReadonlyArray<"editor" | "admin">
}

declare module "effect-auth/User" {
  interface Register {
    readonly user: AppUser
  }
}

const alice: AppUser = {
  isAuthenticated: true,
  id: 1,
  email: "alice@example.com",
  roles: ["admin"],
  displayName: "Alice",
  identity: "1"
}

// a backend must produce the registered type…
export const Backend = Basic.layer({
  verify: () => Effect.succeedSome([new AuthCredentials(["authenticated"]), alice] as const)
})

// …and SimpleUser is no longer enough
export const Wrong = AuthenticationBackend.layer(
  // @ts-expect-error: SimpleUser is not the registered AppUser
  Effect.succeedSome([new AuthCredentials(), new SimpleUser("bob")] as const)
)

// handlers read the app's own type, narrowed by isAuthenticated, without a cast
export const handler = Effect.gen(function*() {
  const user = yield* CurrentUser
  if (user.isAuthenticated) {
    expectTypeOf(user).toEqualTypeOf<AppUser>()
    return HttpServerResponse.text(`${user.email} ${user.roles.join(",")}`)
  }
  expectTypeOf(user.displayName).toEqualTypeOf<"">()
  return HttpServerResponse.text("hello, you")
})

// user predicates in policies see the same type
export const admins = Policy.user("admin role", (user) => user.isAuthenticated && user.roles.includes("admin"))

export const _ = Option.none()
