/**
 * Serving an app on a real Node HTTP server for tests: `effect-auth/NodeTesting` (not in the main entry point,
 * so the library itself never loads `@effect/platform-node`).
 *
 * @since 1.0.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Effect from "effect/Effect"
import * as HttpRouter from "effect/http/HttpRouter"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import { createServer } from "node:http"

/**
 * Serves `app` on a real Node HTTP server bound to 127.0.0.1 on a free port, for the life of the scope, and answers
 * its base URL (`http://127.0.0.1:<port>`). Only the loopback interface is bound (`NodeHttpServer.layerTest` binds
 * them all). `app` is an effect answering the request (Effect 4 has no `HttpApp`), or the Layer of a router's routes
 * (and its middleware), served as `HttpRouter.toHttpEffect` makes it.
 *
 * @example
 * ```ts
 * import { serve } from "effect-auth/NodeTesting"
 * import { HttpRouter, HttpServerResponse } from "effect/http"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const url = yield* serve(Effect.succeed(HttpServerResponse.text("hello")))
 *   const routes = yield* serve(HttpRouter.add("GET", "/", HttpServerResponse.text("hello")))
 *   const response = yield* Effect.promise(() => fetch(url))
 * }).pipe(Effect.scoped)
 * ```
 *
 * @since 1.0.0
 * @category testing
 */
export const serve: {
  <E, R>(
    app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
  ): Effect.Effect<string, never, Scope.Scope | Exclude<R, HttpServerRequest.HttpServerRequest | Scope.Scope>>
  <A, E, R>(
    routes: Layer.Layer<A, E, R>
  ): Effect.Effect<
    string,
    never,
    | Scope.Scope
    | Exclude<
      | HttpRouter.Request.Only<"Requires", R>
      | HttpRouter.Request.Only<"GlobalRequires", R>
      | HttpRouter.Request.Without<R>,
      HttpServerRequest.HttpServerRequest | Scope.Scope | HttpRouter.HttpRouter
    >
  >
} = (
  app: Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, unknown> | Layer.Layer<unknown, unknown, unknown>
): Effect.Effect<string, never, any> =>
  Effect.gen(function*() {
    const handler = Layer.isLayer(app)
      ? yield* HttpRouter.toHttpEffect(app as Layer.Layer<unknown, unknown, never>)
      : app
    // a test's server closes at once when its scope does: no grace period for connections a client keeps alive
    const server = yield* NodeHttpServer.make(() => createServer(), {
      host: "127.0.0.1",
      port: 0,
      gracefulShutdownTimeout: 0
    })
    yield* server.serve(handler)
    const address = server.address
    if (address._tag !== "InetAddressV4") return yield* Effect.die(new Error("expected an IPv4 address"))
    return `http://127.0.0.1:${address.port}`
  }).pipe(Effect.orDie)

/**
 * What {@link request} answers.
 *
 * @since 1.0.0
 * @category models
 */
export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly body: string
}

/**
 * A real HTTP request with Node's `fetch`, its body read as text. Redirects are not followed, so that a 303 and its
 * `Location` can be inspected.
 *
 * @since 1.0.0
 * @category testing
 */
export const request = (
  url: string,
  init: {
    readonly method?: string | undefined
    readonly headers?: Record<string, string> | undefined
    readonly body?: string | undefined
  } = {}
): Effect.Effect<Reply> =>
  Effect.promise(async () => {
    const response = await fetch(url, {
      method: init.method ?? "GET",
      headers: init.headers ?? {},
      redirect: "manual",
      ...(init.body === undefined ? {} : { body: init.body })
    })
    return { status: response.status, headers: response.headers, body: await response.text() }
  })
