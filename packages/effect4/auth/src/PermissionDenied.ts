/**
 * The denials of `requires`: one class per outcome, all tagged `"PermissionDenied"`, so that
 * `Effect.catchTag("PermissionDenied", …)` catches every one of them.
 *
 * @since 1.0.0
 */
import * as HttpServerError from "effect/http/HttpServerError"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as Schema from "effect/Schema"
import * as Outcome from "./internal/outcome.js"

// what every denial says about itself, for logs and `catchTag` handlers (never rendered into a response body)
const denialFields = {
  /** The scopes the policy names. */
  scopes: Schema.Array(Schema.String),
  /** The clause of the policy that failed, as `Policy.format` prints it (e.g. `"admin"`, `not("banned")`). */
  clause: Schema.String
}

// what a client that receives a denial knows of it: neither the scopes nor the clause, which stay in the process
const unknownClause = { scopes: [], clause: "" }

/**
 * An anonymous request was denied, and the backend says how to authenticate: 401 `Unauthorized` with the backend's
 * `WWW-Authenticate` challenge(s).
 *
 * @since 1.0.0
 * @category errors
 */
export class Unauthorized extends Outcome.make<Unauthorized>("effect-auth/Unauthorized")("PermissionDenied", {
  status: 401,
  description: "Authentication is required: see WWW-Authenticate",
  fields: { ...denialFields, challenge: Schema.String },
  body: "Unauthorized",
  headers: (denied) => ({ "www-authenticate": denied.challenge }),
  decode: () => ({ ...unknownClause, challenge: "" })
}) {
  override get message(): string {
    return `Authentication required: ${this.clause}`
  }
}

/**
 * The request lacks what the policy requires: 403, `text/plain`, `Forbidden` (Starlette's default).
 *
 * @since 1.0.0
 * @category errors
 */
export class Forbidden extends Outcome.make<Forbidden>("effect-auth/Forbidden")("PermissionDenied", {
  status: 403,
  description: "The request lacks a required scope",
  fields: denialFields,
  body: "Forbidden",
  decode: () => unknownClause
}) {
  override get message(): string {
    return `Denied by ${this.clause}`
  }
}

/**
 * A denial that hides the route (`requires(…, { status: 404 })`). Inside a server `requires` fails with the router's
 * own failure for a missing path instead (an `HttpServerError` whose reason is a `RouteNotFound`), carrying this
 * denial as its `cause` (see {@link isHidden} and {@link hidden}), so that
 * whatever renders a missing path renders a hidden one too; this class is what it fails with when there is no
 * request, and what an `HttpApi` endpoint lists. It renders as the router renders a path it does not know (an empty
 * 404).
 *
 * @since 1.0.0
 * @category errors
 */
export class NotFound extends Outcome.make<NotFound>("effect-auth/NotFound")("PermissionDenied", {
  status: 404,
  description: "Not Found",
  fields: denialFields,
  // exactly what Effect's router answers for an unknown path
  body: undefined,
  decode: () => unknownClause
}) {
  override get message(): string {
    return `Hidden by ${this.clause}`
  }
}

/**
 * A denial that sends the client to log in (`requires(…, { redirect: "/login" })`): 303 to `location`, which holds
 * the login page with `next` (the denied request's path and query).
 *
 * @since 1.0.0
 * @category errors
 */
export class LoginRedirect extends Outcome.make<LoginRedirect>("effect-auth/LoginRedirect")("PermissionDenied", {
  status: 303,
  description: "See Other: log in first",
  fields: { ...denialFields, location: Schema.String },
  body: undefined,
  headers: (denied) => ({ location: denied.location }),
  decode: () => ({ ...unknownClause, location: "" })
}) {
  override get message(): string {
    return `Login required: ${this.clause}`
  }
}

/**
 * Every denial of `requires`. Catch them all with `Effect.catchTag("PermissionDenied", …)` (`denied.status` says
 * which), or one outcome with `Effect.catchIf(isForbidden, …)`. A hidden route's denial is the router's
 * `RouteNotFound` instead (see {@link isHidden}): a handler that re-renders denials never reveals it.
 *
 * @since 1.0.0
 * @category errors
 */
export type PermissionDenied = Outcome.Guarded<typeof isPermissionDenied>

/**
 * Whether `u` is a denial: the family's one list of classes, from which its type is derived.
 *
 * @since 1.0.0
 * @category guards
 */
export const isPermissionDenied = Outcome.guard(Unauthorized, Forbidden, NotFound, LoginRedirect)

/**
 * @since 1.0.0
 * @category guards
 */
export const isUnauthorized = (u: unknown): u is Unauthorized => u instanceof Unauthorized

/**
 * @since 1.0.0
 * @category guards
 */
export const isForbidden = (u: unknown): u is Forbidden => u instanceof Forbidden

/**
 * @since 1.0.0
 * @category guards
 */
export const isNotFound = (u: unknown): u is NotFound => u instanceof NotFound

/**
 * @since 1.0.0
 * @category guards
 */
export const isLoginRedirect = (u: unknown): u is LoginRedirect => u instanceof LoginRedirect

/**
 * Whether `u` is the router's "not found" failure for a hidden route (`requires(…, { status: 404 })`), rather than
 * for a path that does not exist: for logs and metrics only, since rendering the two differently would reveal the
 * route. In Effect 4 a missing route is an `HttpServerError` whose `reason` is a `RouteNotFound`; a hidden route's
 * `RouteNotFound` (and so its `HttpServerError`) has the `NotFound` denial as its `cause`, with the scopes and the
 * failed clause.
 *
 * @example
 * ```ts
 * import { isHidden } from "effect-auth"
 * import { Effect } from "effect"
 *
 * const logHidden = <A, E, R>(app: Effect.Effect<A, E, R>) =>
 *   Effect.tapError(app, (error) =>
 *     isHidden(error) ? Effect.logInfo("hidden route", error.cause.clause) : Effect.void)
 * ```
 *
 * @since 1.0.0
 * @category guards
 */
export const isHidden = (u: unknown): u is HttpServerError.HttpServerError & { readonly cause: NotFound } =>
  HttpServerError.isHttpServerError(u) && u.reason._tag === "RouteNotFound" && u.reason.cause instanceof NotFound &&
  (u as { readonly cause?: unknown }).cause === u.reason.cause

/**
 * The failure `requires(…, { status: 404 })` fails with inside a server: the router's own "not found" for `request`,
 * caused by `denial`, so that whatever renders a missing path renders a hidden one too (see {@link isHidden}).
 *
 * @since 1.0.0
 * @category constructors
 */
export const hidden = (
  request: HttpServerRequest.HttpServerRequest,
  denial: NotFound
): HttpServerError.HttpServerError & { readonly cause: NotFound } =>
  new HttpServerError.HttpServerError({
    reason: new HttpServerError.RouteNotFound({ request, cause: denial })
  }) as HttpServerError.HttpServerError & { readonly cause: NotFound }
