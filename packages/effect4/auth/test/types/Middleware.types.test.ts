/**
 * Type-level promises, checked by `tsc -b` (part of `pnpm test`): these assertions run at compile time.
 */
import { describe, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
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
import type * as HttpBody from "effect/http/HttpBody"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServer from "effect/http/HttpServer"
import type * as HttpServerError from "effect/http/HttpServerError"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Scope from "effect/Scope"
import { expectTypeOf } from "vitest"

const readsUser = Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName))
const readsCredentials = Effect.map(
  CurrentCredentials,
  (credentials) => HttpServerResponse.text(credentials.scopes.join(" "))
)
const routes = Layer.mergeAll(
  HttpRouter.add("GET", "/", readsUser),
  HttpRouter.add("GET", "/scopes", readsCredentials)
)
// Effect 4 has no HttpApp: the app is the effect a router's routes make (HttpRouter.toHttpEffect); its type is what counts
const router = Effect.succeed(HttpServerResponse.empty()) as unknown as Effect.Success<
  ReturnType<typeof HttpRouter.toHttpEffect<never, never, Layer.Services<typeof routes>>>
>

// a Layer that stands for a real server: only the types matter here
const ServerLive = Layer.empty as Layer.Layer<HttpServer.HttpServer>
const BackendLive = AuthenticationBackend.layer(Effect.succeedNone)

describe("types", () => {
  it("CurrentUser and CurrentCredentials are effects; CurrentUser is the registered user or the anonymous one", () => {
    expectTypeOf(CurrentUser).toEqualTypeOf<Effect.Effect<BaseUser | UnauthenticatedUser, never, CurrentUser>>()
    expectTypeOf(CurrentCredentials).toEqualTypeOf<Effect.Effect<AuthCredentials, never, CurrentCredentials>>()
    // the one entry behind both: providing it discharges both needs
    expectTypeOf<Context.Service.Identifier<typeof CurrentAuthentication>>().toEqualTypeOf<
      CurrentUser | CurrentCredentials
    >()
    expectTypeOf<Context.Service.Shape<typeof CurrentAuthentication>>().toEqualTypeOf<Authentication>()
  })

  it("a handler that reads the user requires CurrentUser; one that reads the credentials, CurrentCredentials", () => {
    expectTypeOf<Effect.Services<typeof readsUser>>().toEqualTypeOf<CurrentUser>()
    expectTypeOf<Effect.Services<typeof readsCredentials>>().toEqualTypeOf<CurrentCredentials>()
    const both = Effect.zip(CurrentUser, CurrentCredentials)
    expectTypeOf<Effect.Services<typeof both>>().toEqualTypeOf<CurrentUser | CurrentCredentials>()
    // providing the entry discharges both
    const provided = Effect.provideService(both, CurrentAuthentication, {} as Authentication)
    expectTypeOf<Effect.Services<typeof provided>>().toEqualTypeOf<never>()
  })

  it("the middleware removes CurrentUser and CurrentCredentials from R and needs a backend instead", () => {
    expectTypeOf<Effect.Services<typeof router>>().toEqualTypeOf<
      CurrentUser | CurrentCredentials | HttpServerRequest.HttpServerRequest | Scope.Scope
    >()
    const app = AuthenticationMiddleware(router)
    expectTypeOf<Effect.Services<typeof app>>().toEqualTypeOf<
      AuthenticationBackend | HttpServerRequest.HttpServerRequest | Scope.Scope
    >()
    expectTypeOf<Effect.Error<typeof app>>().toEqualTypeOf<
      HttpServerError.HttpServerError | InvalidCredentials | RejectedCredentials | ServiceUnavailable | TooManyRequests
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
    expectTypeOf<Effect.Error<typeof app>>().toEqualTypeOf<
      HttpServerError.HttpServerError | HttpBody.HttpBodyError
    >()
  })

  it("an app whose handlers read the user but lacks the middleware cannot be served", () => {
    const served = Layer.launch(HttpServer.serve(router).pipe(Layer.provide(ServerLive), Layer.provide(BackendLive)))
    // the backend alone does not discharge the handlers' needs
    expectTypeOf<Effect.Services<typeof served>>().toEqualTypeOf<CurrentUser | CurrentCredentials>()
    // @ts-expect-error: CurrentUser and CurrentCredentials are never provided
    void (() => Effect.runFork(served))
    const withMiddleware = Layer.launch(
      HttpServer.serve(AuthenticationMiddleware(router)).pipe(Layer.provide(ServerLive), Layer.provide(BackendLive))
    )
    expectTypeOf<Effect.Services<typeof withMiddleware>>().toEqualTypeOf<never>()
    void (() => Effect.runFork(withMiddleware))
  })

  it("the router layer form: routes that read the user are served only with the layer (and a backend)", () => {
    const without = HttpRouter.serve(routes).pipe(Layer.provide(ServerLive), Layer.provide(BackendLive))
    expectTypeOf<Layer.Services<typeof without>>().toEqualTypeOf<CurrentUser | CurrentCredentials>()
    const withLayer = HttpRouter.serve(routes.pipe(Layer.provide(AuthenticationMiddleware.layer))).pipe(
      Layer.provide(ServerLive)
    )
    expectTypeOf<Layer.Services<typeof withLayer>>().toEqualTypeOf<AuthenticationBackend>()
    const served = withLayer.pipe(Layer.provide(BackendLive))
    expectTypeOf<Layer.Services<typeof served>>().toEqualTypeOf<never>()
  })

  it("requires adds CurrentUser | CurrentCredentials to R and PermissionDenied to E; it needs no request", () => {
    const plain = Effect.succeed(HttpServerResponse.empty())
    const guarded = plain.pipe(requires(["a", "b"]))
    expectTypeOf<Effect.Services<typeof guarded>>().toEqualTypeOf<CurrentCredentials | CurrentUser>()
    expectTypeOf<Effect.Error<typeof guarded>>().toEqualTypeOf<PermissionDenied>()
    expectTypeOf<PermissionDenied>().toEqualTypeOf<Unauthorized | Forbidden | NotFound | LoginRedirect>()
    // the data-first form is the same
    expectTypeOf(requires(plain, "a")).toEqualTypeOf(guarded)
    // the handler's own requirements and errors stay
    const own = Effect.andThen(CurrentUser, Effect.fail("boom" as const)).pipe(requires("a"))
    expectTypeOf<Effect.Error<typeof own>>().toEqualTypeOf<"boom" | PermissionDenied>()
    expectTypeOf<Effect.Services<typeof own>>().toEqualTypeOf<CurrentCredentials | CurrentUser>()
  })

  it("an effectful check's requirements flow into requires", () => {
    class Documents extends Context.Service<Documents, { readonly owns: Effect.Effect<boolean> }>()("Documents") {}
    const owner = Policy.check("owns the document", Effect.flatMap(Documents, (d) => d.owns))
    const guarded = Effect.succeed(1).pipe(requires(Policy.all(Policy.authenticated, owner)))
    expectTypeOf<Effect.Services<typeof guarded>>().toEqualTypeOf<
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
    expectTypeOf<Effect.Error<typeof refusalsCaught>>().toEqualTypeOf<
      HttpServerError.HttpServerError | ServiceUnavailable | TooManyRequests
    >()

    const guarded = Effect.succeed(HttpServerResponse.empty()).pipe(
      requires("admin"),
      Effect.tap(() => Effect.fail("other" as const))
    )
    const denialsCaught = guarded.pipe(
      Effect.catchTag("PermissionDenied", (denied) => {
        expectTypeOf(denied).toEqualTypeOf<Unauthorized | Forbidden | NotFound | LoginRedirect>()
        expectTypeOf(denied.status).toEqualTypeOf<401 | 403 | 404 | 303>()
        expectTypeOf(denied.clause).toEqualTypeOf<string>()
        return Effect.succeed(HttpServerResponse.empty({ status: denied.status }))
      })
    )
    expectTypeOf<Effect.Error<typeof denialsCaught>>().toEqualTypeOf<"other">()
  })

  it("requires' status is 403 or 404 only", () => {
    // @ts-expect-error: 401 comes from the backend's challenge, never from an option
    void requires("admin", { status: 401 })
    void requires("admin", { status: 404 })
  })
})
