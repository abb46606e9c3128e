/**
 * Starlette's `requires` and `has_required_scope`.
 *
 * @since 0.1.0
 */
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Socket from "@effect/platform/Socket"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type { AuthCredentials } from "./AuthCredentials.js"
import { AuthenticationChallenge } from "./AuthenticationBackend.js"
import { CurrentCredentials, CurrentUser } from "./CurrentUser.js"
import { withNext } from "./internal/redirect.js"
import { PermissionDenied } from "./PermissionDenied.js"
import * as Policy from "./Policy.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface RequiresOptions {
  /**
   * The status of every denial, overriding the default rule: 401 with the backend's challenge for an anonymous
   * request when the backend declares one, else 403. 404 hides the route from those who may not see it.
   */
  readonly status?: number | undefined
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
 * What `requires` accepts: one scope (never split), all of several scopes, or a `Policy`.
 *
 * @since 0.1.0
 * @category models
 */
export type Requirement = string | ReadonlyArray<string> | Policy.Policy<any>

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

/**
 * The policy a requirement means: a string or an array of strings is all of those scopes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const toPolicy = <P extends Requirement>(requirement: P): Policy.Policy<Policy.Policy.Context<P>> =>
  Policy.isPolicy(requirement)
    ? requirement as any
    : Policy.scopes(requirement as string | ReadonlyArray<string>)

/**
 * Wraps a handler so that it runs only when the request passes `requirement`: one scope (a string, never split),
 * all of several scopes (an array; `[]` always passes), or a `Policy`. Otherwise it fails with `PermissionDenied`,
 * which renders as:
 * - the `status` option when given (404 hides the route),
 * - else 401 `Unauthorized` with `WWW-Authenticate` when the request is anonymous and the backend declares a
 *   challenge (Basic's `realm`, Bearer), so clients know to authenticate,
 * - else 403 `Forbidden` (Starlette's default, and always for an authenticated user who lacks a scope);
 * - or, with `redirect`, a 303 to it with `next`.
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
  <P extends Requirement>(
    requirement: P,
    options?: RequiresOptions
  ): <A, E, R>(
    self: Effect.Effect<A, E, R>
  ) => Effect.Effect<
    A,
    E | PermissionDenied,
    R | CurrentCredentials | CurrentUser | HttpServerRequest.HttpServerRequest | Policy.Policy.Context<P>
  >
  <A, E, R, P extends Requirement>(
    self: Effect.Effect<A, E, R>,
    requirement: P,
    options?: RequiresOptions
  ): Effect.Effect<
    A,
    E | PermissionDenied,
    R | CurrentCredentials | CurrentUser | HttpServerRequest.HttpServerRequest | Policy.Policy.Context<P>
  >
} = dual(
  (args) => Effect.isEffect(args[0]),
  <A, E, R>(
    self: Effect.Effect<A, E, R>,
    requirement: Requirement,
    options?: RequiresOptions
  ): Effect.Effect<A, E | PermissionDenied, any> => {
    // everything that does not depend on the request is worked out once, here
    const policy = toPolicy(requirement)
    const deny = denial(policy, options ?? {})
    const scopes = Policy.allOfScopes(policy)
    if (scopes !== undefined) {
      // the common case, all of some scopes: a passing request allocates nothing
      return Effect.flatMap(
        CurrentCredentials,
        (credentials): Effect.Effect<A, E | PermissionDenied, any> =>
          hasRequiredScope(credentials, scopes) ? self : Effect.flatMap(CurrentUser, (user) => deny(user, credentials))
      )
    }
    if (!Policy.isEffectful(policy)) {
      return Effect.contextWithEffect((context: Context.Context<CurrentUser | CurrentCredentials>) => {
        const user = Context.get(context, CurrentUser)
        const credentials = Context.get(context, CurrentCredentials)
        return Policy.decide(policy, user, credentials) === undefined
          ? self as Effect.Effect<A, E | PermissionDenied, any>
          : deny(user, credentials)
      })
    }
    return Effect.contextWithEffect((context: Context.Context<CurrentUser | CurrentCredentials>) => {
      const user = Context.get(context, CurrentUser)
      const credentials = Context.get(context, CurrentCredentials)
      return Effect.flatMap(
        Policy.evaluate(policy, user, credentials),
        (failed): Effect.Effect<A, E | PermissionDenied, any> =>
          failed === undefined ? self : deny(user, credentials, failed)
      )
    })
  }
)

const policyViolation = 1008

const denial = (policy: Policy.Policy<any>, options: RequiresOptions) => {
  const scopes = Policy.scopesOf(policy)
  const redirect = options.redirect
  const closeSockets = options.websocket === "close"
  return (
    user: Policy.Subject,
    credentials: AuthCredentials,
    failed?: Policy.Policy<any>
  ): Effect.Effect<never, PermissionDenied, HttpServerRequest.HttpServerRequest> =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      // effectful checks were already run; a pure policy is decided again only here, on the way out
      const clause = failed ?? Policy.decide(policy, user, credentials) ?? policy
      return Effect.flatMap(challengeOf, (challenge) => {
        const status = options.status ?? (!user.isAuthenticated && challenge !== undefined ? 401 : 403)
        const fields = {
          scopes,
          status,
          ...(status === 401 && challenge !== undefined ? { challenge } : {})
        }
        if (isWebSocketUpgrade(request)) {
          // a handshake cannot follow a redirect: refuse it with the status
          const denied = PermissionDenied.fromPolicy(fields, policy, clause)
          return closeSockets
            ? Effect.zipRight(closeWithPolicyViolation(request), Effect.fail(denied))
            : Effect.fail(denied)
        }
        return Effect.fail(
          PermissionDenied.fromPolicy(
            redirect === undefined ? fields : { scopes, status: 303, redirect: withNext(redirect, request) },
            policy,
            clause
          )
        )
      })
    })
}

const challengeOf = Effect.map(
  AuthenticationChallenge,
  (challenges) => challenges.length === 0 ? undefined : challenges.join(", ")
)

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
