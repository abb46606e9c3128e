/**
 * Type-level promises, checked by `tsc -b` (part of `pnpm test`): these assertions run at compile time.
 */
import type { HttpBody, HttpServerError, HttpServerRequest } from "@effect/platform"
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import type {
  AuthenticationBackend,
  AuthenticationError,
  BaseUser,
  CurrentCredentials,
  PermissionDenied,
  UnauthenticatedUser
} from "effect-auth"
import { AuthenticationMiddleware, CurrentUser, Policy, requires } from "effect-auth"
import { expectTypeOf } from "vitest"

const handler = Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName))
const router = HttpRouter.empty.pipe(HttpRouter.get("/", handler))

describe("types", () => {
  it("CurrentUser is the registered user or the anonymous one (BaseUser by default)", () => {
    expectTypeOf<Effect.Effect.Success<typeof CurrentUser>>().toEqualTypeOf<BaseUser | UnauthenticatedUser>()
  })

  it("a handler that reads the user requires CurrentUser", () => {
    expectTypeOf<Effect.Effect.Context<typeof handler>>().toEqualTypeOf<CurrentUser>()
  })

  it("the middleware removes CurrentUser and CurrentCredentials from R and needs a backend instead", () => {
    const app = AuthenticationMiddleware(router)
    expectTypeOf<Effect.Effect.Context<typeof app>>().toEqualTypeOf<
      AuthenticationBackend | HttpServerRequest.HttpServerRequest
    >()
    expectTypeOf<Effect.Effect.Error<typeof app>>().toEqualTypeOf<HttpServerError.RouteNotFound | AuthenticationError>()
  })

  it("onError takes the AuthenticationError out of E and adds what the handler needs", () => {
    const app = AuthenticationMiddleware({
      onError: (error) => HttpServerResponse.json({ error: error.message })
    })(router)
    expectTypeOf<Effect.Effect.Error<typeof app>>().toEqualTypeOf<HttpServerError.RouteNotFound | HttpBody.HttpBodyError>()
  })

  it("an app whose handlers read the user but lacks the middleware does not compile when served", () => {
    const served = Layer.launch(HttpServer.serve(router).pipe(Layer.provide(Layer.empty as Layer.Layer<HttpServer.HttpServer>)))
    expectTypeOf<Effect.Effect.Context<typeof served>>().toEqualTypeOf<CurrentUser>()
    // @ts-expect-error: CurrentUser is never provided
    void (() => Effect.runFork(served))
    const withMiddleware = Layer.launch(
      HttpServer.serve(AuthenticationMiddleware(router)).pipe(Layer.provide(Layer.empty as Layer.Layer<HttpServer.HttpServer>))
    )
    expectTypeOf<Effect.Effect.Context<typeof withMiddleware>>().toEqualTypeOf<AuthenticationBackend>()
  })

  it("requires adds what it needs to R and PermissionDenied to E", () => {
    const plain = Effect.succeed(HttpServerResponse.empty())
    const guarded = plain.pipe(requires(["a", "b"]))
    expectTypeOf<Effect.Effect.Context<typeof guarded>>().toEqualTypeOf<
      CurrentCredentials | CurrentUser | HttpServerRequest.HttpServerRequest
    >()
    expectTypeOf<Effect.Effect.Error<typeof guarded>>().toEqualTypeOf<PermissionDenied>()
    // the data-first form is the same
    expectTypeOf(requires(plain, "a")).toEqualTypeOf(guarded)
  })

  it("an effectful check's requirements flow into requires", () => {
    class Documents extends Effect.Tag("Documents")<Documents, { readonly owns: Effect.Effect<boolean> }>() {}
    const owner = Policy.check("owns the document", Effect.flatMap(Documents, (d) => d.owns))
    const guarded = Effect.succeed(1).pipe(requires(Policy.all(Policy.authenticated, owner)))
    expectTypeOf<Effect.Effect.Context<typeof guarded>>().toEqualTypeOf<
      CurrentCredentials | CurrentUser | HttpServerRequest.HttpServerRequest | Documents
    >()
  })
})
