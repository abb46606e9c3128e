/**
 * Serving an app on a real Node HTTP server for tests: `effect-auth/NodeTesting` (not in the main entry point,
 * so the library itself never loads `@effect/platform-node`).
 *
 * @since 0.1.0
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import type * as HttpApp from "@effect/platform/HttpApp"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { createServer } from "node:http"

/**
 * Serves `app` on a real Node HTTP server bound to 127.0.0.1 on a free port, for the life of the scope, and
 * answers its base URL (`http://127.0.0.1:<port>`). Only the loopback interface is bound.
 *
 * @example
 * ```ts
 * import { serve } from "effect-auth/NodeTesting"
 * import { HttpServerResponse } from "@effect/platform"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const url = yield* serve(HttpServerResponse.text("hello"))
 *   const response = yield* Effect.promise(() => fetch(url))
 * }).pipe(Effect.scoped)
 * ```
 *
 * @since 0.1.0
 * @category testing
 */
export const serve = <E, R>(
  app: HttpApp.Default<E, R>
): Effect.Effect<string, never, Scope.Scope | Exclude<R, HttpServerRequest.HttpServerRequest>> =>
  Effect.gen(function*() {
    const server = yield* NodeHttpServer.make(() => createServer(), { host: "127.0.0.1", port: 0 })
    yield* server.serve(app)
    const address = server.address
    if (address._tag !== "TcpAddress") return yield* Effect.dieMessage("expected a TCP address")
    return `http://127.0.0.1:${address.port}`
  }).pipe(Effect.orDie)

/**
 * What {@link request} answers.
 *
 * @since 0.1.0
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
 * @since 0.1.0
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
