/**
 * The CSRF checks go around authentication, never inside it: checked by `tsc -b` (part of `pnpm test`).
 */
import type { HttpServerError, HttpServerRequest } from "@effect/platform"
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type {
  AuthenticationBackend,
  CurrentCredentials,
  InvalidCredentials,
  PayloadTooLarge,
  RejectedCredentials,
  ServiceUnavailable,
  TooManyRequests
} from "effect-auth"
import { AuthenticationMiddleware, CurrentUser, requires } from "effect-auth"
import * as Csrf from "effect-auth/Csrf"
import { expectTypeOf } from "vitest"

const readsUser = Effect.map(CurrentUser, (user) => HttpServerResponse.text(`written by ${user.displayName}`))
const router = HttpRouter.empty.pipe(HttpRouter.post("/write", readsUser))
const guarded = HttpRouter.empty.pipe(HttpRouter.post("/write", HttpServerResponse.text("ok").pipe(requires("a"))))
const anonymous = HttpRouter.empty.pipe(HttpRouter.post("/write", HttpServerResponse.text("ok")))

describe("Csrf.middleware", () => {
  it("goes around AuthenticationMiddleware: the checks' errors and the Csrf service are added", () => {
    // the order of the example app
    const app = Csrf.middleware({ exempt: () => false })(AuthenticationMiddleware(router))
    expectTypeOf<Effect.Effect.Context<typeof app>>().toEqualTypeOf<
      AuthenticationBackend | Csrf.Csrf | HttpServerRequest.HttpServerRequest
    >()
    expectTypeOf<Effect.Effect.Error<typeof app>>().toEqualTypeOf<
      | Csrf.CrossSiteRequest
      | Csrf.InvalidToken
      | PayloadTooLarge
      | HttpServerError.RouteNotFound
      | InvalidCredentials
      | RejectedCredentials
      | ServiceUnavailable
      | TooManyRequests
    >()
    // an app that needs no user at all
    const plain = Csrf.middleware()(anonymous)
    expectTypeOf<Effect.Effect.Context<typeof plain>>().toEqualTypeOf<
      Csrf.Csrf | HttpServerRequest.HttpServerRequest
    >()
  })

  it("inside AuthenticationMiddleware, around handlers that read the user or require a scope, does not compile", () => {
    // @ts-expect-error: the router reads the user, so Csrf.middleware would run after authentication
    void AuthenticationMiddleware(Csrf.middleware()(router))
    // @ts-expect-error: `requires` reads the credentials
    void AuthenticationMiddleware(Csrf.middleware({ exempt: () => false })(guarded))
    // @ts-expect-error: alone, without authentication, it is the same mistake
    void Csrf.middleware()(router)
    expectTypeOf<Csrf.OutsideAuthentication<CurrentUser>>().not.toEqualTypeOf<unknown>()
    expectTypeOf<Csrf.OutsideAuthentication<CurrentCredentials | HttpServerRequest.HttpServerRequest>>().not
      .toEqualTypeOf<unknown>()
    expectTypeOf<Csrf.OutsideAuthentication<HttpServerRequest.HttpServerRequest>>().toEqualTypeOf<unknown>()
  })
})

// the mistake the type catches, as docs/login.md shows it
export const refused = () => {
  // @ts-expect-error: Csrf.middleware goes around AuthenticationMiddleware, not inside it
  return AuthenticationMiddleware(Csrf.middleware()(router))
}
