/**
 * Starlette's `requires` and `has_required_scope`.
 *
 * @since 0.1.0
 */
import { withNext } from "@effect-auth/core/Redirect"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Socket from "@effect/platform/Socket"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import type { AuthCredentials } from "./AuthCredentials.js"
import type { Authentication, CurrentCredentials, CurrentUser } from "./CurrentUser.js"
import { challengeOf, withAuthentication } from "./internal/authentication.js"
import { allOfScopes, deciderOf, failing, hasChecks, scopesOf } from "./internal/policyAnalysis.js"
import type { PermissionDenied } from "./PermissionDenied.js"
import { Forbidden, LoginRedirect, NotFound, Unauthorized } from "./PermissionDenied.js"
import * as Policy from "./Policy.js"
import type { Scope } from "./User.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface RequiresOptions {
  /**
   * The status of every denial, overriding the default rule (401 with the backend's challenge for an anonymous
   * request when the backend declares one, else 403): 403 always forbids, 404 hides the route from those who may
   * not see it: the denial is the router's own `RouteNotFound`, so whatever renders a path that does not exist
   * renders it too.
   */
  readonly status?: 403 | 404 | undefined
  /**
   * A path or URL to send denied requests to with a 303, adding `next` (the denied request's path and query,
   * relative, so no `Host` header is trusted) to its query.
   */
  readonly redirect?: string | undefined
  /**
   * How a denied websocket upgrade is refused. `"reject"` (the default) answers the handshake with the HTTP status,
   * as ASGI servers do for Starlette. `"close"` accepts it and closes at once with 1008 (policy violation) and the
   * reason `Forbidden`, which browser clients can read (they cannot read a rejected handshake's status).
   */
  readonly websocket?: "reject" | "close" | undefined
}

/**
 * What `requires` fails with: every `PermissionDenied`, and with `status: 404` the router's own `RouteNotFound`,
 * so that a hidden route is handled exactly as a missing one (`isHidden` tells them apart in logs).
 *
 * @since 0.2.0
 * @category models
 */
export type Denial<O> =
  | PermissionDenied
  | (O extends { readonly status: 404 } ? HttpServerError.RouteNotFound : never)

/**
 * What `requires` accepts: one scope (never split), all of several scopes, or a `Policy`. The scopes are the app's
 * `Scope`s: once it declares them in `Register`, an unknown one does not compile.
 *
 * @since 0.1.0
 * @category models
 */
export type Requirement = Scope | ReadonlyArray<Scope> | Policy.Policy<any>

/**
 * The policy a requirement means: a string or an array of strings is all of those scopes.
 *
 * @internal
 */
export const toPolicy = <P extends Requirement>(requirement: P): Policy.Policy<Policy.Policy.Context<P>> =>
  Policy.isPolicy(requirement)
    ? requirement as Policy.Policy<any>
    : Policy.scopes(requirement as Scope | ReadonlyArray<Scope>)

/**
 * Whether `credentials` hold every one of `scopes` (exact, case-sensitive). `[]` always passes.
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasRequiredScope: {
  (scopes: Scope | ReadonlyArray<Scope>): (credentials: AuthCredentials) => boolean
  (credentials: AuthCredentials, scopes: Scope | ReadonlyArray<Scope>): boolean
} = dual(2, (credentials: AuthCredentials, scopes: Scope | ReadonlyArray<Scope>): boolean => {
  if (typeof scopes === "string") return credentials.has(scopes)
  for (let i = 0; i < scopes.length; i++) {
    if (!credentials.has(scopes[i]!)) return false
  }
  return true
})

/**
 * Wraps a handler so that it runs only when the request passes `requirement`: one scope (a string, never split),
 * all of several scopes (an array; `[]` always passes), or a `Policy`. Otherwise it fails with a `PermissionDenied`:
 * - with `redirect`, `LoginRedirect` (303 to it, with `next`);
 * - with `status: 404`, the router's own `HttpServerError.RouteNotFound` (the route looks missing, to every handler
 *   of `RouteNotFound` too; its `cause` is the `NotFound` denial, for logs); `NotFound` when there is no request;
 * - with `status: 403`, `Forbidden`;
 * - else `Unauthorized` (401 with the backend's `WWW-Authenticate` challenge) when the request is anonymous and the
 *   backend declares a challenge (Basic's `realm`, Bearer), so clients know to authenticate;
 * - else `Forbidden` (Starlette's 403, and always for an authenticated user who lacks a scope).
 *
 * Works on any handler effect: `HttpRouter` routes, per-method handlers and `HttpApi` endpoint handlers.
 *
 * @example
 * ```ts
 * import { Policy, requires } from "effect-auth"
 * import { HttpRouter, HttpServerResponse } from "@effect/platform"
 *
 * const router = HttpRouter.empty.pipe(
 *   HttpRouter.get("/dashboard", HttpServerResponse.text("dashboard").pipe(requires(["authenticated", "admin"]))),
 *   HttpRouter.get("/admin", HttpServerResponse.text("admin").pipe(requires("admin", { status: 404 }))),
 *   HttpRouter.get("/settings", HttpServerResponse.text("settings").pipe(requires("authenticated", { redirect: "/login" }))),
 *   HttpRouter.get("/reports", HttpServerResponse.text("reports").pipe(
 *     requires(Policy.any(Policy.scope("admin"), Policy.scope("auditor")))
 *   ))
 * )
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const requires: {
  <P extends Requirement, O extends RequiresOptions = RequiresOptions>(
    requirement: P,
    options?: O
  ): <A, E, R>(
    self: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E | Denial<O>, R | CurrentCredentials | CurrentUser | Policy.Policy.Context<P>>
  <A, E, R, P extends Requirement, O extends RequiresOptions = RequiresOptions>(
    self: Effect.Effect<A, E, R>,
    requirement: P,
    options?: O
  ): Effect.Effect<A, E | Denial<O>, R | CurrentCredentials | CurrentUser | Policy.Policy.Context<P>>
} = dual(
  (args) => Effect.isEffect(args[0]),
  <A, E, R>(
    self: Effect.Effect<A, E, R>,
    requirement: Requirement,
    options?: RequiresOptions
  ): Effect.Effect<A, E | AnyDenial, any> => {
    // everything that does not depend on the request is worked out once, here
    const policy = toPolicy(requirement)
    const deny = denial(policy, options ?? {})
    const scopes = allOfScopes(policy)
    if (scopes !== undefined) {
      // the common case, all of some scopes: a passing request allocates nothing
      return withAuthentication(
        (auth): Effect.Effect<A, E | AnyDenial, any> =>
          hasRequiredScope(auth.credentials, scopes) ? self : deny(auth, undefined)
      )
    }
    if (!hasChecks(policy)) {
      const decide = deciderOf(policy)
      return withAuthentication((auth): Effect.Effect<A, E | AnyDenial, any> => {
        const failed = decide(auth.user, auth.credentials)
        return failed === undefined ? self : deny(auth, failed)
      })
    }
    return withAuthentication((auth) =>
      Effect.flatMap(
        Policy.evaluate(policy, auth.user, auth.credentials),
        (failed): Effect.Effect<A, E | AnyDenial, any> => failed._tag === "None" ? self : deny(auth, failed.value)
      )
    )
  }
)

const policyViolation = 1008

type AnyDenial = PermissionDenied | HttpServerError.RouteNotFound

const denial = (policy: Policy.Policy<any>, options: RequiresOptions) => {
  const scopes = scopesOf(policy)
  const redirect = options.redirect
  const status = options.status
  // a hidden route must look missing, and a missing route never accepts a handshake: "close" does not apply to it
  const closeSockets = options.websocket === "close" && status !== 404
  return (
    auth: Authentication,
    failed: Policy.Policy<any> | undefined
  ): Effect.Effect<never, AnyDenial> =>
    Effect.flatMap(
      Effect.zip(Effect.serviceOption(HttpServerRequest.HttpServerRequest), challengeOf(auth)),
      ([request, challenge]): Effect.Effect<never, AnyDenial> => {
        // a pure policy is decided again only here, on the way out, to name the clause that failed
        const clause = Policy.format(failed ?? failing(policy, auth.user, auth.credentials) ?? policy)
        const fields = { scopes, clause }
        const upgrade = Option.isSome(request) && isWebSocketUpgrade(request.value)
        if (redirect !== undefined && !upgrade && Option.isSome(request)) {
          // a handshake cannot follow a redirect: it is refused with the status instead
          return Effect.fail(new LoginRedirect({ ...fields, location: withNext(redirect, request.value.originalUrl) }))
        }
        if (status === 404) {
          const denied = new NotFound(fields)
          // the router's own error, so that every handler of RouteNotFound (the app's, the router's, the server's)
          // treats the route as missing; without a request there is no router to look like
          return Effect.fail(Option.isSome(request) ? routeNotFound(request.value, denied) : denied)
        }
        const denied: PermissionDenied = status === undefined && !auth.user.isAuthenticated && challenge !== undefined
          ? new Unauthorized({ ...fields, challenge })
          : new Forbidden(fields)
        return upgrade && closeSockets
          ? Effect.zipRight(closeWithPolicyViolation(request.value), Effect.fail(denied))
          : Effect.fail(denied)
      }
    )
}

const routeNotFound = (request: HttpServerRequest.HttpServerRequest, denied: NotFound) => {
  // `cause` is the standard Error field, which RouteNotFound's constructor keeps: logs can read why (`isHidden`),
  // clients never see it (RouteNotFound renders an empty 404)
  const fields = { request, cause: denied }
  return new HttpServerError.RouteNotFound(fields)
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
