/**
 * `AuthenticationMiddleware` for `HttpLayerRouter` apps: authentication before routing, for every route.
 *
 * @since 0.2.0
 */
import * as HttpLayerRouter from "@effect/platform/HttpLayerRouter"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import type * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type { AuthenticationBackend } from "./AuthenticationBackend.js"
import type { AuthenticationError, ServiceUnavailable, TooManyRequests } from "./AuthenticationError.js"
import { AuthenticationMiddleware } from "./AuthenticationMiddleware.js"
import type { CurrentCredentials, CurrentUser } from "./CurrentUser.js"
import type { PermissionDenied } from "./PermissionDenied.js"

/**
 * What an app fails with once authenticated and routed, before anything renders it: the backend's refusals,
 * `ServiceUnavailable`, the denials of `requires`, the router's `RouteNotFound`, and whatever else the routes fail
 * with (`unhandled`: the router does not say).
 *
 * @since 0.2.0
 * @category models
 */
export type Failure =
  | AuthenticationError
  | ServiceUnavailable
  | PermissionDenied
  | HttpServerError.RouteNotFound
  | HttpLayerRouter.unhandled

/**
 * What the layer gives the routes it is provided to: the user and the credentials, as `CurrentUser` and
 * `CurrentCredentials`.
 *
 * @since 0.2.0
 * @category models
 */
export type Provides = HttpLayerRouter.Request.From<"Requires", CurrentUser | CurrentCredentials>

/**
 * @since 0.2.0
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

const register = (
  middleware: (
    app: Effect.Effect<HttpServerResponse.HttpServerResponse, any, any>
  ) => Effect.Effect<HttpServerResponse.HttpServerResponse, any, any>
) =>
  Layer.scopedDiscard(
    Effect.flatMap(HttpLayerRouter.HttpRouter, (router) =>
      // a global middleware wraps the router itself: it runs before routing, on every request, matched or not
      router.addGlobalMiddleware(middleware as any) as Effect.Effect<void>)
  )

/**
 * Starlette's `AuthenticationMiddleware` as an `HttpLayerRouter` global middleware: the backend runs on every request
 * before routing (so a malformed `Authorization` header is a 400 even on a path that does not exist), and the routes
 * it is provided to read `CurrentUser` and `CurrentCredentials`. The backend (and its challenges) is read from the
 * server's context: provide its Layer to `HttpLayerRouter.serve`.
 *
 * @example
 * ```ts
 * import { AuthenticationBackend, CurrentUser } from "effect-auth"
 * import * as HttpLayerRouterAuthentication from "effect-auth/HttpLayerRouterAuthentication"
 * import { HttpLayerRouter, HttpServerResponse } from "@effect/platform"
 * import { Effect, Layer, Option } from "effect"
 *
 * const Routes = HttpLayerRouter.add(
 *   "GET",
 *   "/",
 *   Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.isAuthenticated ? user.displayName : "you"))
 * )
 *
 * const ServerLive = HttpLayerRouter.serve(Routes.pipe(Layer.provide(HttpLayerRouterAuthentication.layer))).pipe(
 *   Layer.provide(AuthenticationBackend.layer(Effect.succeed(Option.none())))
 * )
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<
  Provides,
  never,
  | HttpLayerRouter.HttpRouter
  | HttpLayerRouter.Request<"GlobalRequires", AuthenticationBackend>
  | HttpLayerRouter.Request.From<"GlobalError", AuthenticationError | ServiceUnavailable | TooManyRequests>
> = register(AuthenticationMiddleware) as any

/**
 * {@link layer}, with `handle` around the authenticated, routed app: render the errors your way with
 * `Effect.catchTag` (and `ErrorResponse.withBody` to keep their status and headers).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerWith = <E, R>(options: Options<E, R>): Layer.Layer<
  Provides,
  never,
  | HttpLayerRouter.HttpRouter
  | HttpLayerRouter.Request<"GlobalRequires", AuthenticationBackend>
  | HttpLayerRouter.Request.From<"GlobalRequires", Exclude<R, HttpLayerRouter.GlobalProvided>>
  | HttpLayerRouter.Request.From<"GlobalError", Exclude<E, HttpLayerRouter.unhandled>>
> => {
  const handle = options.handle
  return register((app) => handle(AuthenticationMiddleware(app) as any)) as any
}
