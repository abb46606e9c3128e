/**
 * The CSRF checks go around authentication, never inside it: checked by `tsc -b` (part of `pnpm test`).
 */
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
import * as HttpRouter from "effect/http/HttpRouter"
import type * as HttpServerError from "effect/http/HttpServerError"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { expectTypeOf } from "vitest"

const readsUser = Effect.map(CurrentUser, (user) => HttpServerResponse.text(`written by ${user.displayName}`))
// the app `HttpRouter.toHttpEffect` builds of a route, for its type (these tests compose apps, and never run one)
const routed = <E, R>(_route: Layer.Layer<never, E, R>) =>
  Effect.die("types only") as unknown as Effect.Success<ReturnType<typeof HttpRouter.toHttpEffect<never, E, R>>>
const router = routed(HttpRouter.add("POST", "/write", readsUser))
const guarded = routed(
  HttpRouter.add("POST", "/write", Effect.succeed(HttpServerResponse.text("ok")).pipe(requires("a")))
)
const anonymous = routed(HttpRouter.add("POST", "/write", HttpServerResponse.text("ok")))

describe("Csrf.middleware", () => {
  it("goes around AuthenticationMiddleware: the checks' errors and the Csrf service are added", () => {
    // the order of the example app
    const app = Csrf.middleware({ exempt: () => false })(AuthenticationMiddleware(router))
    expectTypeOf<Effect.Services<typeof app>>().toEqualTypeOf<
      AuthenticationBackend | Csrf.Csrf | HttpServerRequest.HttpServerRequest | Scope.Scope
    >()
    expectTypeOf<Effect.Error<typeof app>>().toEqualTypeOf<
      | Csrf.CrossSiteRequest
      | Csrf.InvalidToken
      | PayloadTooLarge
      | HttpServerError.HttpServerError
      | InvalidCredentials
      | RejectedCredentials
      | ServiceUnavailable
      | TooManyRequests
    >()
    // an app that needs no user at all
    const plain = Csrf.middleware()(anonymous)
    expectTypeOf<Effect.Services<typeof plain>>().toEqualTypeOf<
      Csrf.Csrf | HttpServerRequest.HttpServerRequest | Scope.Scope
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
