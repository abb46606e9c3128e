/**
 * Type-level promises, checked by `tsc -b` (part of `pnpm test`): these assertions run at compile time.
 */
import type { HttpBody, HttpServerError, HttpServerRequest } from "@effect/platform"
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import { describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import type {
  AuthCredentials,
  BaseUser,
  Forbidden,
  InvalidCredentials,
  LoginRedirect,
  NotFound,
  PermissionDenied,
  RejectedCredentials,
  ServiceUnavailable,
  TooManyRequests,
  UnauthenticatedUser,
  Unauthorized
} from "effect-auth"
import {
  AuthenticationBackend,
  AuthenticationMiddleware,
  CurrentAuthentication,
  CurrentCredentials,
  CurrentUser,
  Policy,
  requires
} from "effect-auth"
import type { Authentication } from "effect-auth/CurrentUser"
import { expectTypeOf } from "vitest"

const readsUser = Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName))
const readsCredentials = Effect.map(
  CurrentCredentials,
  (credentials) => HttpServerResponse.text(credentials.scopes.join(" "))
)
const router = HttpRouter.empty.pipe(
  HttpRouter.get("/", readsUser),
  HttpRouter.get("/scopes", readsCredentials)
)

// a Layer that stands for a real server: only the types matter here
const ServerLive = Layer.empty as Layer.Layer<HttpServer.HttpServer>
const BackendLive = AuthenticationBackend.layer(Effect.succeedNone)

describe("types", () => {
  it("CurrentUser and CurrentCredentials are effects; CurrentUser is the registered user or the anonymous one", () => {
    expectTypeOf(CurrentUser).toEqualTypeOf<Effect.Effect<BaseUser | UnauthenticatedUser, never, CurrentUser>>()
    expectTypeOf(CurrentCredentials).toEqualTypeOf<Effect.Effect<AuthCredentials, never, CurrentCredentials>>()
    // the one entry behind both: providing it discharges both needs
    expectTypeOf<typeof CurrentAuthentication.Identifier>().toEqualTypeOf<CurrentUser | CurrentCredentials>()
    expectTypeOf<typeof CurrentAuthentication.Service>().toEqualTypeOf<Authentication>()
  })

  it("a handler that reads the user requires CurrentUser; one that reads the credentials, CurrentCredentials", () => {
    expectTypeOf<Effect.Effect.Context<typeof readsUser>>().toEqualTypeOf<CurrentUser>()
    expectTypeOf<Effect.Effect.Context<typeof readsCredentials>>().toEqualTypeOf<CurrentCredentials>()
    const both = Effect.zip(CurrentUser, CurrentCredentials)
    expectTypeOf<Effect.Effect.Context<typeof both>>().toEqualTypeOf<CurrentUser | CurrentCredentials>()
    // providing the entry discharges both
    const provided = Effect.provideService(both, CurrentAuthentication, {} as Authentication)
    expectTypeOf<Effect.Effect.Context<typeof provided>>().toEqualTypeOf<never>()
  })

  it("the middleware removes CurrentUser and CurrentCredentials from R and needs a backend instead", () => {
    expectTypeOf<Effect.Effect.Context<typeof router>>().toEqualTypeOf<
      CurrentUser | CurrentCredentials | HttpServerRequest.HttpServerRequest
    >()
    const app = AuthenticationMiddleware(router)
    expectTypeOf<Effect.Effect.Context<typeof app>>().toEqualTypeOf<
      AuthenticationBackend | HttpServerRequest.HttpServerRequest
    >()
    expectTypeOf<Effect.Effect.Error<typeof app>>().toEqualTypeOf<
      HttpServerError.RouteNotFound | InvalidCredentials | RejectedCredentials | ServiceUnavailable | TooManyRequests
    >()
  })

  it("onError takes the AuthenticationError and ServiceUnavailable out of E and adds what the handler needs", () => {
    const app = AuthenticationMiddleware.make({
      onError: (error) => {
        expectTypeOf(error).toEqualTypeOf<
          InvalidCredentials | RejectedCredentials | ServiceUnavailable | TooManyRequests
        >()
        expectTypeOf(error.status).toEqualTypeOf<400 | 401 | 503 | 429>()
        return HttpServerResponse.json({ error: error.message })
      }
    })(router)
    expectTypeOf<Effect.Effect.Error<typeof app>>().toEqualTypeOf<
      HttpServerError.RouteNotFound | HttpBody.HttpBodyError
    >()
  })

  it("an app whose handlers read the user but lacks the middleware cannot be served", () => {
    const served = Layer.launch(HttpServer.serve(router).pipe(Layer.provide(ServerLive), Layer.provide(BackendLive)))
    // the backend alone does not discharge the handlers' needs
    expectTypeOf<Effect.Effect.Context<typeof served>>().toEqualTypeOf<CurrentUser | CurrentCredentials>()
    // @ts-expect-error: CurrentUser and CurrentCredentials are never provided
    void (() => Effect.runFork(served))
    const withMiddleware = Layer.launch(
      HttpServer.serve(AuthenticationMiddleware(router)).pipe(Layer.provide(ServerLive), Layer.provide(BackendLive))
    )
    expectTypeOf<Effect.Effect.Context<typeof withMiddleware>>().toEqualTypeOf<never>()
    void (() => Effect.runFork(withMiddleware))
  })

  it("requires adds CurrentUser | CurrentCredentials to R and PermissionDenied to E; it needs no request", () => {
    const plain = Effect.succeed(HttpServerResponse.empty())
    const guarded = plain.pipe(requires(["a", "b"]))
    expectTypeOf<Effect.Effect.Context<typeof guarded>>().toEqualTypeOf<CurrentCredentials | CurrentUser>()
    expectTypeOf<Effect.Effect.Error<typeof guarded>>().toEqualTypeOf<PermissionDenied>()
    expectTypeOf<PermissionDenied>().toEqualTypeOf<Unauthorized | Forbidden | NotFound | LoginRedirect>()
    // the data-first form is the same
    expectTypeOf(requires(plain, "a")).toEqualTypeOf(guarded)
    // the handler's own requirements and errors stay
    const own = Effect.zipRight(CurrentUser, Effect.fail("boom" as const)).pipe(requires("a"))
    expectTypeOf<Effect.Effect.Error<typeof own>>().toEqualTypeOf<"boom" | PermissionDenied>()
    expectTypeOf<Effect.Effect.Context<typeof own>>().toEqualTypeOf<CurrentCredentials | CurrentUser>()
  })

  it("an effectful check's requirements flow into requires", () => {
    class Documents extends Effect.Tag("Documents")<Documents, { readonly owns: Effect.Effect<boolean> }>() {}
    const owner = Policy.check("owns the document", Effect.flatMap(Documents, (d) => d.owns))
    const guarded = Effect.succeed(1).pipe(requires(Policy.all(Policy.authenticated, owner)))
    expectTypeOf<Effect.Effect.Context<typeof guarded>>().toEqualTypeOf<
      CurrentCredentials | CurrentUser | Documents
    >()
  })

  it("catchTag(\"AuthenticationError\") removes both refusals; catchTag(\"PermissionDenied\") all four denials", () => {
    const app = AuthenticationMiddleware(router)
    const refusalsCaught = app.pipe(
      Effect.catchTag("AuthenticationError", (error) => {
        expectTypeOf(error).toEqualTypeOf<InvalidCredentials | RejectedCredentials>()
        return Effect.succeed(HttpServerResponse.text(error.message, { status: error.status }))
      })
    )
    expectTypeOf<Effect.Effect.Error<typeof refusalsCaught>>().toEqualTypeOf<
      HttpServerError.RouteNotFound | ServiceUnavailable | TooManyRequests
    >()

    const guarded = Effect.succeed(HttpServerResponse.empty()).pipe(
      requires("admin"),
      Effect.zipLeft(Effect.fail("other" as const))
    )
    const denialsCaught = guarded.pipe(
      Effect.catchTag("PermissionDenied", (denied) => {
        expectTypeOf(denied).toEqualTypeOf<Unauthorized | Forbidden | NotFound | LoginRedirect>()
        expectTypeOf(denied.status).toEqualTypeOf<401 | 403 | 404 | 303>()
        expectTypeOf(denied.clause).toEqualTypeOf<string>()
        return Effect.succeed(HttpServerResponse.empty({ status: denied.status }))
      })
    )
    expectTypeOf<Effect.Effect.Error<typeof denialsCaught>>().toEqualTypeOf<"other">()
  })

  it("requires' status is 403 or 404 only", () => {
    // @ts-expect-error: 401 comes from the backend's challenge, never from an option
    void requires("admin", { status: 401 })
    void requires("admin", { status: 404 })
  })
})
