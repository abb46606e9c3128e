/**
 * Starlette's `requires` and `has_required_scope`.
 *
 * @since 1.0.0
 */
import { withNext } from "@effect-auth/core/Redirect"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type * as HttpServerError from "effect/http/HttpServerError"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Option from "effect/Option"
import * as Socket from "effect/socket/Socket"
import type { AuthCredentials } from "./AuthCredentials.js"
import type { Authentication, CurrentCredentials, CurrentUser } from "./CurrentUser.js"
import { challengeOf, withAuthentication } from "./internal/authentication.js"
import { allOfScopes, deciderOf, failing, hasChecks, scopesOf } from "./internal/policyAnalysis.js"
import type { PermissionDenied } from "./PermissionDenied.js"
import { Forbidden, hidden, LoginRedirect, NotFound, Unauthorized } from "./PermissionDenied.js"
import * as Policy from "./Policy.js"
import type { Scope } from "./User.js"

/**
 * @since 1.0.0
 * @category models
 */
export interface RequiresOptions {
  /**
   * The status of every denial, overriding the default rule (401 with the backend's challenge for an anonymous
   * request when the backend declares one, else 403): 403 always forbids, 404 hides the route from those who may
   * not see it: the denial is the router's own failure for a missing path (an `HttpServerError` whose reason is a
   * `RouteNotFound`), so whatever renders a path that does not exist renders it too.
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
 * What `requires` fails with: every `PermissionDenied`, and with `status: 404` the router's own failure for a
 * missing path (in Effect 4 an `HttpServerError` whose `reason` is a `RouteNotFound`), so that a hidden route is
 * handled exactly as a missing one (`isHidden` tells them apart in logs).
 *
 * @since 1.0.0
 * @category models
 */
export type Denial<O> =
  | PermissionDenied
  | (O extends { readonly status: 404 } ? HttpServerError.HttpServerError : never)

/**
 * What `requires` wraps: a handler effect, or a response (a handler that always answers it, as `HttpRouter.add`
 * takes one).
 *
 * @since 1.0.0
 * @category models
 */
export type Handler = Effect.Effect<any, any, any> | HttpServerResponse.HttpServerResponse

/**
 * A handler wrapped by `requires(requirement, options)`: it may fail with a {@link Denial} too, and it needs the
 * request's credentials and user (and what the policy's checks need).
 *
 * @since 1.0.0
 * @category models
 */
export type Guarded<Self, P, O> = [Self] extends [Effect.Effect<infer A, infer E, infer R>] ?
  Effect.Effect<A, E | Denial<O>, R | CurrentCredentials | CurrentUser | Policy.Policy.Context<P>>
  : Effect.Effect<
    HttpServerResponse.HttpServerResponse,
    Denial<O>,
    CurrentCredentials | CurrentUser | Policy.Policy.Context<P>
  >

/**
 * What `requires` accepts: one scope (never split), all of several scopes, or a `Policy`. The scopes are the app's
 * `Scope`s: once it declares them in `Register`, an unknown one does not compile.
 *
 * @since 1.0.0
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
 * @since 1.0.0
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
 * - with `status: 404`, the router's own failure for a missing path (an `HttpServerError` whose reason is a
 *   `RouteNotFound`, caused by the `NotFound` denial, for logs: see `isHidden`); `NotFound` when there is no request;
 * - with `status: 403`, `Forbidden`;
 * - else `Unauthorized` (401 with the backend's `WWW-Authenticate` challenge) when the request is anonymous and the
 *   backend declares a challenge (Basic's `realm`, Bearer), so clients know to authenticate;
 * - else `Forbidden` (Starlette's 403, and always for an authenticated user who lacks a scope).
 *
 * Works on any handler effect (`HttpRouter` routes and `HttpApi` endpoint handlers), and on a response (a handler
 * that always answers it).
 *
 * @example
 * ```ts
 * import { Policy, requires } from "effect-auth"
 * import * as HttpRouter from "effect/http/HttpRouter"
 * import * as HttpServerResponse from "effect/http/HttpServerResponse"
 * import { Layer } from "effect"
 *
 * const dashboard = HttpServerResponse.text("dashboard")
 * const settings = HttpServerResponse.text("settings")
 * const Routes = Layer.mergeAll(
 *   HttpRouter.add("GET", "/dashboard", dashboard.pipe(requires(["authenticated", "admin"]))),
 *   HttpRouter.add("GET", "/admin", HttpServerResponse.text("admin").pipe(requires("admin", { status: 404 }))),
 *   HttpRouter.add("GET", "/settings", settings.pipe(requires("authenticated", { redirect: "/login" }))),
 *   HttpRouter.add("GET", "/reports", HttpServerResponse.text("reports").pipe(
 *     requires(Policy.any(Policy.scope("admin"), Policy.scope("auditor")))
 *   ))
 * )
 * ```
 *
 * @since 1.0.0
 * @category combinators
 */
export const requires: {
  <P extends Requirement, O extends RequiresOptions = RequiresOptions>(
    requirement: P,
    options?: O
  ): <Self extends Handler>(self: Self) => Guarded<Self, P, O>
  <Self extends Handler, P extends Requirement, O extends RequiresOptions = RequiresOptions>(
    self: Self,
    requirement: P,
    options?: O
  ): Guarded<Self, P, O>
} = dual(
  (args) => Effect.isEffect(args[0]) || HttpServerResponse.isHttpServerResponse(args[0]),
  <A, E, R>(
    handler: Effect.Effect<A, E, R> | HttpServerResponse.HttpServerResponse,
    requirement: Requirement,
    options?: RequiresOptions
  ): Effect.Effect<A, E | AnyDenial, any> => {
    // a response is a handler that always answers it (Effect 3's responses were effects; Effect 4's are values)
    const self = (Effect.isEffect(handler) ? handler : Effect.succeed(handler)) as Effect.Effect<A, E, R>
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
        (failed): Effect.Effect<A, E | AnyDenial, any> => Option.isNone(failed) ? self : deny(auth, failed.value)
      )
    )
  }
)

const policyViolation = 1008

type AnyDenial = PermissionDenied | HttpServerError.HttpServerError

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
          // the router's own failure, so that every handler of a missing route (the app's, the router's, the
          // server's) treats the route as missing; without a request there is no router to look like
          return Effect.fail(Option.isSome(request) ? hidden(request.value, denied) : denied)
        }
        const denied: PermissionDenied = status === undefined && !auth.user.isAuthenticated && challenge !== undefined
          ? new Unauthorized({ ...fields, challenge })
          : new Forbidden(fields)
        return upgrade && closeSockets
          ? Effect.andThen(closeWithPolicyViolation(request.value), Effect.fail(denied))
          : Effect.fail(denied)
      }
    )
}

const isWebSocketUpgrade = (request: HttpServerRequest.HttpServerRequest): boolean => {
  const upgrade = request.headers["upgrade"]
  return upgrade !== undefined && upgrade.toLowerCase() === "websocket"
}

const forbidden = new Socket.CloseEvent(policyViolation, "Forbidden")

// the socket is opened by acquiring its reader: a write before that waits for ever, so the reader comes first
const closeWithPolicyViolation = (request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function*() {
    const socket = yield* request.upgrade
    yield* socket.reader
    const writer = yield* socket.writer
    yield* writer.write(forbidden)
  }).pipe(Effect.scoped, Effect.ignore)
