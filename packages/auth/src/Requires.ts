/**
 * Starlette's `requires` and `has_required_scope`.
 *
 * @since 0.1.0
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Socket from "@effect/platform/Socket"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type { AuthCredentials } from "./AuthCredentials.js"
import { CurrentCredentials } from "./CurrentUser.js"
import { withNext } from "./internal/redirect.js"
import { PermissionDenied } from "./PermissionDenied.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface RequiresOptions {
  /** The status of a denial: 403 by default, 404 to hide the route from those who may not see it. */
  readonly status?: number | undefined
  /**
   * A path or URL to send denied requests to with a 303, adding `next` (the denied request's path and query,
   * relative, so no `Host` header is trusted) to its query.
   */
  readonly redirect?: string | undefined
  /**
   * How a denied websocket upgrade is refused. `"reject"` (the default) answers the handshake with the HTTP status,
   * as ASGI servers do for Starlette. `"close"` accepts it and closes at once with 1008 (policy violation) and a
   * reason, which browser clients can read (they cannot read a rejected handshake's status).
   */
  readonly websocket?: "reject" | "close" | undefined
}

/**
 * Whether `credentials` hold every one of `scopes` (exact, case-sensitive). `[]` always passes.
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasRequiredScope: {
  (scopes: string | ReadonlyArray<string>): (credentials: AuthCredentials) => boolean
  (credentials: AuthCredentials, scopes: string | ReadonlyArray<string>): boolean
} = dual(2, (credentials: AuthCredentials, scopes: string | ReadonlyArray<string>): boolean => {
  if (typeof scopes === "string") return credentials.scopes.includes(scopes)
  for (let i = 0; i < scopes.length; i++) {
    if (!credentials.scopes.includes(scopes[i]!)) return false
  }
  return true
})

const policyViolation = 1008

/**
 * Wraps a handler so that it runs only when the request's credentials hold every one of `scopes`
 * (one string is one scope, never split). Otherwise it fails with `PermissionDenied`, which renders as 403
 * `Forbidden`, as the `status` asked for, or as a 303 redirect to `redirect` with `next`.
 *
 * Works on any handler effect: `HttpRouter` routes, per-method handlers and `HttpApi` endpoint handlers.
 *
 * @example
 * ```ts
 * import { requires } from "effect-auth"
 * import { HttpRouter, HttpServerResponse } from "@effect/platform"
 *
 * const router = HttpRouter.empty.pipe(
 *   HttpRouter.get("/dashboard", HttpServerResponse.text("dashboard").pipe(requires(["authenticated", "admin"]))),
 *   HttpRouter.get("/admin", HttpServerResponse.text("admin").pipe(requires("admin", { status: 404 }))),
 *   HttpRouter.get("/settings", HttpServerResponse.text("settings").pipe(requires("authenticated", { redirect: "/login" })))
 * )
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const requires: {
  (
    scopes: string | ReadonlyArray<string>,
    options?: RequiresOptions
  ): <A, E, R>(
    self: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | PermissionDenied, R | CurrentCredentials | HttpServerRequest.HttpServerRequest>
  <A, E, R>(
    self: Effect.Effect<A, E, R>,
    scopes: string | ReadonlyArray<string>,
    options?: RequiresOptions
  ): Effect.Effect<A, E | PermissionDenied, R | CurrentCredentials | HttpServerRequest.HttpServerRequest>
} = dual(
  (args) => Effect.isEffect(args[0]),
  <A, E, R>(
    self: Effect.Effect<A, E, R>,
    scopes: string | ReadonlyArray<string>,
    options?: RequiresOptions
  ): Effect.Effect<A, E | PermissionDenied, R | CurrentCredentials | HttpServerRequest.HttpServerRequest> => {
    // everything that does not depend on the request is worked out once, here
    const required: ReadonlyArray<string> = typeof scopes === "string" ? [scopes] : Array.from(scopes)
    const deny = denial(required, options ?? {})
    return Effect.flatMap(
      CurrentCredentials,
      (credentials): Effect.Effect<A, E | PermissionDenied, R | HttpServerRequest.HttpServerRequest> =>
        hasRequiredScope(credentials, required) ? self : deny
    )
  }
)

const denial = (
  scopes: ReadonlyArray<string>,
  options: RequiresOptions
): Effect.Effect<never, PermissionDenied, HttpServerRequest.HttpServerRequest> => {
  const status = options.status ?? 403
  const redirect = options.redirect
  const closeSockets = options.websocket === "close"
  return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    if (isWebSocketUpgrade(request)) {
      // a handshake cannot follow a redirect: refuse it with the status
      const denied = new PermissionDenied({ scopes, status: redirect === undefined ? status : 403 })
      return closeSockets ? Effect.zipRight(closeWithPolicyViolation(request), Effect.fail(denied)) : Effect.fail(denied)
    }
    return Effect.fail(
      new PermissionDenied(
        redirect === undefined ? { scopes, status } : { scopes, status: 303, redirect: withNext(redirect, request) }
      )
    )
  })
}

const isWebSocketUpgrade = (request: HttpServerRequest.HttpServerRequest): boolean => {
  const upgrade = request.headers["upgrade"]
  return upgrade !== undefined && upgrade.toLowerCase() === "websocket"
}

const closeWithPolicyViolation = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function*() {
    const socket = yield* request.upgrade
    const write = yield* socket.writer
    yield* socket.runRaw(() => {}, {
      onOpen: Effect.ignore(write(new Socket.CloseEvent(policyViolation, "Forbidden")))
    })
  }).pipe(Effect.scoped, Effect.ignore)
