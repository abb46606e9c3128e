/**
 * Starlette's `AuthenticationMiddleware`.
 *
 * @since 1.0.0
 */
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as HttpRouter from "effect/http/HttpRouter"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Layer from "effect/Layer"
import type { AuthenticationBackend } from "./AuthenticationBackend.js"
import type { AuthenticationError, ServiceUnavailable, TooManyRequests } from "./AuthenticationError.js"
import type { CurrentCredentials, CurrentUser } from "./CurrentUser.js"
import * as internal from "./internal/middleware.js"

/**
 * @since 1.0.0
 * @category models
 */
export interface AuthenticationMiddlewareOptions<EH, RH> {
  /**
   * Starlette's `on_error`: the response for a request whose credentials the backend refused (or could not check:
   * `ServiceUnavailable`). Without it (plain `AuthenticationMiddleware`) the error stays in the error channel (catch
   * it with `Effect.catchTag`), and renders itself when nothing handles it (400 `text/plain` for invalid credentials).
   */
  readonly onError: (
    error: AuthenticationError | ServiceUnavailable | TooManyRequests,
    request: HttpServerRequest.HttpServerRequest
  ) => Effect.Effect<HttpServerResponse.HttpServerResponse, EH, RH>
  /**
   * How long the backend may take (a store or key set that hangs): past it, the request gets `ServiceUnavailable`
   * (503, `Retry-After`), and the backend's work is interrupted. No limit by default.
   */
  readonly timeout?: Duration.Input | undefined
}

/**
 * What the middleware does to an app (Effect 4 has no `HttpApp`: an app is an effect answering the request with a
 * response): it discharges the handlers' need for the user and the credentials, and needs the backend (and the
 * request) instead.
 *
 * @since 1.0.0
 * @category models
 */
export type Authenticated<E, R, EH = AuthenticationError | ServiceUnavailable | TooManyRequests, RH = never> =
  Effect.Effect<
    HttpServerResponse.HttpServerResponse,
    E | EH,
    | Exclude<R, CurrentUser | CurrentCredentials>
    | AuthenticationBackend
    | RH
    | HttpServerRequest.HttpServerRequest
  >

/**
 * What {@link AuthenticationMiddleware.layer} gives the routes of the router it is provided to: the user and the
 * credentials, as `CurrentUser` and `CurrentCredentials`.
 *
 * @since 1.0.0
 * @category models
 */
export type Provides = CurrentUser | CurrentCredentials

/**
 * The router layer of the middleware: what it provides to every route, and what the server must provide (the
 * backend) and render (the refusals, or `EH` with `onError`).
 *
 * @since 1.0.0
 * @category models
 */
export type RouterLayer<EH, RH> = Layer.Layer<
  HttpRouter.Request.From<"Requires", Provides> | HttpRouter.Request.From<"GlobalRequires", Provides>,
  never,
  | HttpRouter.HttpRouter
  | HttpRouter.Request.From<"GlobalRequires", AuthenticationBackend | Exclude<RH, HttpRouter.GlobalProvided>>
  | HttpRouter.Request.From<"GlobalError", EH>
>

type Middleware<EH, RH> = <E, R>(
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
) => Authenticated<E, R, EH, RH>

const make: {
  <EH, RH>(options: AuthenticationMiddlewareOptions<EH, RH>): Middleware<EH, RH>
  (options: { readonly timeout: Duration.Input }): Middleware<
    AuthenticationError | ServiceUnavailable | TooManyRequests,
    never
  >
} = (options: internal.Options) => internal.make(options) as any

// a global router middleware wraps the router itself: it runs before routing, on every request, matched or not
const toLayer = (middleware: (app: any) => any): any => HttpRouter.middleware(middleware, { global: true })

const defaultMiddleware = internal.make({})

const layerWith: {
  <EH, RH>(options: AuthenticationMiddlewareOptions<EH, RH>): RouterLayer<EH, RH>
  (options: { readonly timeout: Duration.Input }): RouterLayer<
    AuthenticationError | ServiceUnavailable | TooManyRequests,
    never
  >
} = (options: internal.Options) => toLayer(internal.make(options))

/**
 * Starlette's `AuthenticationMiddleware`: runs the `AuthenticationBackend` on every request (HTTP and websocket
 * upgrade) before routing, and gives handlers `CurrentUser` and `CurrentCredentials`. Wrap the whole app with it
 * (`HttpRouter.toHttpEffect(routes)`, served with `HttpServer.serve`), or provide {@link AuthenticationMiddleware.layer}
 * to a router: either way a malformed `Authorization` header is a 400 even on a path that does not exist.
 *
 * The handlers' need for the user is discharged at the type level: the result no longer requires `CurrentUser` or
 * `CurrentCredentials`, and requires `AuthenticationBackend` instead. `AuthenticationMiddleware.make({ onError })`
 * gives one with Starlette's `on_error`.
 *
 * What depends on credentials is not stored by caches: every response to a request the backend authenticated (however
 * it was rendered) and every refusal of credentials gets `Cache-Control: no-store`, unless it sets its own
 * `Cache-Control`. A websocket handshake whose `Origin` the backend does not allow (another scheme, host or port than
 * the site's, for `"same-origin"`) is refused with 403.
 *
 * @example
 * ```ts
 * import { AuthenticationMiddleware, CurrentUser } from "effect-auth"
 * import { HttpRouter, HttpServerResponse } from "effect/http"
 * import { Effect, Layer } from "effect"
 *
 * const Routes = HttpRouter.add("GET", "/", Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName)))
 *
 * // the function form, around the whole app
 * const app = Effect.map(HttpRouter.toHttpEffect(Routes), AuthenticationMiddleware)
 * // or the router layer form, before routing on every request
 * const App = Routes.pipe(Layer.provide(AuthenticationMiddleware.layer))
 * // with Starlette's on_error:
 * const custom = AuthenticationMiddleware.make({
 *   onError: (error) => HttpServerResponse.json({ error: error.message }, { status: error.status })
 * })
 * ```
 *
 * @since 1.0.0
 * @category middleware
 */
export const AuthenticationMiddleware: {
  <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>): Authenticated<E, R>
  /**
   * The middleware with options: Starlette's `on_error`, a `timeout` for the backend.
   *
   * @since 1.0.0
   */
  readonly make: typeof make
  /**
   * The middleware as a global `HttpRouter` middleware: the backend runs on every request before routing (404s
   * included), and every route of the router reads `CurrentUser` and `CurrentCredentials`. The backend is read from
   * the server's context: provide its Layer to `HttpRouter.serve`.
   *
   * @since 1.0.0
   */
  readonly layer: RouterLayer<AuthenticationError | ServiceUnavailable | TooManyRequests, never>
  /**
   * {@link AuthenticationMiddleware.layer} with options: Starlette's `on_error`, a `timeout` for the backend.
   *
   * @since 1.0.0
   */
  readonly layerWith: typeof layerWith
} = Object.assign(
  <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>): Authenticated<E, R> =>
    defaultMiddleware(app) as Authenticated<E, R>,
  { make, layer: toLayer(defaultMiddleware), layerWith }
)
