/**
 * `AuthenticationMiddleware` for router apps: authentication before routing, for every route. Effect 4's
 * `effect/http/HttpRouter` is Effect 3's `HttpLayerRouter` (routes are layers); this module keeps its Effect 3 name.
 *
 * @since 1.0.0
 */
import * as Effect from "effect/Effect"
import * as HttpRouter from "effect/http/HttpRouter"
import type * as HttpServerError from "effect/http/HttpServerError"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Layer from "effect/Layer"
import type * as Types from "effect/Types"
import type { AuthenticationBackend } from "./AuthenticationBackend.js"
import type { AuthenticationError, ServiceUnavailable, TooManyRequests } from "./AuthenticationError.js"
import { AuthenticationMiddleware } from "./AuthenticationMiddleware.js"
import type { CurrentCredentials, CurrentUser } from "./CurrentUser.js"
import type { PermissionDenied } from "./PermissionDenied.js"

/**
 * What an app fails with once authenticated and routed, before anything renders it: the backend's refusals,
 * `ServiceUnavailable`, the denials of `requires`, the router's `HttpServerError` (a missing route, and a hidden one:
 * its `reason` is a `RouteNotFound`), and whatever else the routes fail with (`unhandled`: the router does not say).
 *
 * @since 1.0.0
 * @category models
 */
export type Failure =
  | AuthenticationError
  | ServiceUnavailable
  | TooManyRequests
  | PermissionDenied
  | HttpServerError.HttpServerError
  | Types.unhandled

/**
 * What the layer gives the routes of the router: the user and the credentials, as `CurrentUser` and
 * `CurrentCredentials`.
 *
 * @since 1.0.0
 * @category models
 */
export type Provides =
  | HttpRouter.Request.From<"Requires", CurrentUser | CurrentCredentials>
  | HttpRouter.Request.From<"GlobalRequires", CurrentUser | CurrentCredentials>

/**
 * @since 1.0.0
 * @category models
 */
export interface Options<E, R> {
  /**
   * Wraps the authenticated, routed app, where every failure is still in the error channel: an
   * `Effect.catchTag("PermissionDenied", …)` or `Effect.catchTag("AuthenticationError", …)` here fires (the server's
   * own `middleware` option only ever sees responses already rendered). What it does not catch renders itself.
   */
  readonly handle: (
    app: Effect.Effect<HttpServerResponse.HttpServerResponse, Failure>
  ) => Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
}

/**
 * Starlette's `AuthenticationMiddleware` as a global `HttpRouter` middleware: the backend runs on every request
 * before routing (so a malformed `Authorization` header is a 400 even on a path that does not exist), and every route
 * of the router reads `CurrentUser` and `CurrentCredentials`. The backend (and its challenges) is read from the
 * server's context: provide its Layer to `HttpRouter.serve`. The same layer as `AuthenticationMiddleware.layer`.
 *
 * @example
 * ```ts
 * import { AuthenticationBackend, CurrentUser } from "effect-auth"
 * import * as HttpLayerRouterAuthentication from "effect-auth/HttpLayerRouterAuthentication"
 * import * as HttpRouter from "effect/http/HttpRouter"
 * import * as HttpServerResponse from "effect/http/HttpServerResponse"
 * import { Effect, Layer, Option } from "effect"
 *
 * const Routes = HttpRouter.add(
 *   "GET",
 *   "/",
 *   Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.isAuthenticated ? user.displayName : "you"))
 * )
 *
 * const ServerLive = HttpRouter.serve(Routes.pipe(Layer.provide(HttpLayerRouterAuthentication.layer))).pipe(
 *   Layer.provide(AuthenticationBackend.layer(Effect.succeed(Option.none())))
 * )
 * ```
 *
 * @since 1.0.0
 * @category layers
 */
export const layer: Layer.Layer<
  Provides,
  never,
  | HttpRouter.HttpRouter
  | HttpRouter.Request<"GlobalRequires", AuthenticationBackend>
  | HttpRouter.Request.From<"GlobalError", AuthenticationError | ServiceUnavailable | TooManyRequests>
> = AuthenticationMiddleware.layer

/**
 * {@link layer}, with `handle` around the authenticated, routed app: render the errors your way with
 * `Effect.catchTag` (and `ErrorResponse.withBody` to keep their status and headers).
 *
 * @since 1.0.0
 * @category layers
 */
export const layerWith = <E, R>(options: Options<E, R>): Layer.Layer<
  Provides,
  never,
  | HttpRouter.HttpRouter
  | HttpRouter.Request<"GlobalRequires", AuthenticationBackend>
  | HttpRouter.Request.From<"GlobalRequires", Exclude<R, HttpRouter.GlobalProvided>>
  | HttpRouter.Request.From<"GlobalError", Exclude<E, Types.unhandled>>
> => {
  const handle = options.handle
  const middleware = (app: Effect.Effect<HttpServerResponse.HttpServerResponse, any, any>) =>
    handle(AuthenticationMiddleware(app) as Effect.Effect<HttpServerResponse.HttpServerResponse, Failure>)
  // a global middleware wraps the router itself: it runs before routing, on every request, matched or not
  return Layer.effectDiscard(
    Effect.flatMap(HttpRouter.HttpRouter, (router) => router.addGlobalMiddleware(middleware as any))
  ) as any
}
