/**
 * The denials of `requires`: one class per outcome, all tagged `"PermissionDenied"`, so that
 * `Effect.catchTag("PermissionDenied", …)` catches every one of them.
 *
 * @since 0.1.0
 */
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRespondable from "@effect/platform/HttpServerRespondable"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

// what every denial says about itself, for logs and `catchTag` handlers (never rendered into a response body)
const denialFields = {
  /** The scopes the policy names. */
  scopes: Schema.Array(Schema.String),
  /** The clause of the policy that failed, as `Policy.format` prints it (e.g. `"admin"`, `not("banned")`). */
  clause: Schema.String
}

/**
 * An anonymous request was denied, and the backend says how to authenticate: 401 `Unauthorized` with the backend's
 * `WWW-Authenticate` challenge(s).
 *
 * @since 0.2.0
 * @category errors
 */
export class Unauthorized extends Schema.TaggedError<Unauthorized>("effect-auth/Unauthorized")(
  "PermissionDenied",
  { ...denialFields, challenge: Schema.String },
  HttpApiSchema.annotations({ status: 401, description: "Authentication is required: see WWW-Authenticate" })
) implements HttpServerRespondable.Respondable {
  /** @since 0.2.0 */
  static readonly status = 401 as const
  /** @since 0.2.0 */
  get status(): 401 {
    return 401
  }
  override get message(): string {
    return `Authentication required: ${this.clause}`
  }
  /** @since 0.2.0 */
  [HttpServerRespondable.symbol]() {
    return Effect.succeed(
      HttpServerResponse.text("Unauthorized", { status: 401, headers: { "www-authenticate": this.challenge } })
    )
  }
}

/**
 * The request lacks what the policy requires: 403, `text/plain`, `Forbidden` (Starlette's default).
 *
 * @since 0.2.0
 * @category errors
 */
export class Forbidden extends Schema.TaggedError<Forbidden>("effect-auth/Forbidden")(
  "PermissionDenied",
  denialFields,
  HttpApiSchema.annotations({ status: 403, description: "The request lacks a required scope" })
) implements HttpServerRespondable.Respondable {
  /** @since 0.2.0 */
  static readonly status = 403 as const
  /** @since 0.2.0 */
  get status(): 403 {
    return 403
  }
  override get message(): string {
    return `Denied by ${this.clause}`
  }
  /** @since 0.2.0 */
  [HttpServerRespondable.symbol]() {
    return Effect.succeed(forbidden)
  }
}

/**
 * A denial that hides the route (`requires(…, { status: 404 })`). Inside a server `requires` fails with the router's
 * own `HttpServerError.RouteNotFound` instead, carrying this denial as its `cause` (see {@link isHidden}), so that
 * whatever renders a missing path renders a hidden one too; this class is what it fails with when there is no
 * request, and what an `HttpApi` endpoint lists. It renders as the router renders a path it does not know (an empty
 * 404).
 *
 * @since 0.2.0
 * @category errors
 */
export class NotFound extends Schema.TaggedError<NotFound>("effect-auth/NotFound")(
  "PermissionDenied",
  denialFields,
  HttpApiSchema.annotations({ status: 404, description: "Not Found" })
) implements HttpServerRespondable.Respondable {
  /** @since 0.2.0 */
  static readonly status = 404 as const
  /** @since 0.2.0 */
  get status(): 404 {
    return 404
  }
  override get message(): string {
    return `Hidden by ${this.clause}`
  }
  /** @since 0.2.0 */
  [HttpServerRespondable.symbol]() {
    return Effect.succeed(notFound)
  }
}

/**
 * A denial that sends the client to log in (`requires(…, { redirect: "/login" })`): 303 to `location`, which holds
 * the login page with `next` (the denied request's path and query).
 *
 * @since 0.2.0
 * @category errors
 */
export class LoginRedirect extends Schema.TaggedError<LoginRedirect>("effect-auth/LoginRedirect")(
  "PermissionDenied",
  { ...denialFields, location: Schema.String },
  HttpApiSchema.annotations({ status: 303, description: "See Other: log in first" })
) implements HttpServerRespondable.Respondable {
  /** @since 0.2.0 */
  static readonly status = 303 as const
  /** @since 0.2.0 */
  get status(): 303 {
    return 303
  }
  override get message(): string {
    return `Login required: ${this.clause}`
  }
  /** @since 0.2.0 */
  [HttpServerRespondable.symbol]() {
    return Effect.succeed(HttpServerResponse.empty({ status: 303, headers: { location: this.location } }))
  }
}

/**
 * Every denial of `requires`. Catch them all with `Effect.catchTag("PermissionDenied", …)` (`denied.status` says
 * which), or one outcome with `Effect.catchIf(isForbidden, …)`. A hidden route's denial is the router's
 * `RouteNotFound` instead (see {@link isHidden}): a handler that re-renders denials never reveals it.
 *
 * @since 0.1.0
 * @category errors
 */
export type PermissionDenied = Unauthorized | Forbidden | NotFound | LoginRedirect

/**
 * @since 0.2.0
 * @category guards
 */
export const isPermissionDenied = (u: unknown): u is PermissionDenied =>
  u instanceof Forbidden || u instanceof Unauthorized || u instanceof NotFound || u instanceof LoginRedirect

/**
 * @since 0.2.0
 * @category guards
 */
export const isUnauthorized = (u: unknown): u is Unauthorized => u instanceof Unauthorized

/**
 * @since 0.2.0
 * @category guards
 */
export const isForbidden = (u: unknown): u is Forbidden => u instanceof Forbidden

/**
 * @since 0.2.0
 * @category guards
 */
export const isNotFound = (u: unknown): u is NotFound => u instanceof NotFound

/**
 * @since 0.2.0
 * @category guards
 */
export const isLoginRedirect = (u: unknown): u is LoginRedirect => u instanceof LoginRedirect

/**
 * Whether `u` is the `RouteNotFound` of a hidden route (`requires(…, { status: 404 })`), rather than of a path that
 * does not exist: for logs and metrics only, since rendering the two differently would reveal the route. Its `cause`
 * is the `NotFound` denial, with the scopes and the failed clause.
 *
 * @example
 * ```ts
 * import { isHidden } from "effect-auth"
 * import { HttpRouter } from "@effect/platform"
 * import { Effect } from "effect"
 *
 * const logHidden = <A, E, R>(app: Effect.Effect<A, E, R>) =>
 *   Effect.tapError(app, (error) =>
 *     isHidden(error) ? Effect.logInfo("hidden route", error.cause.clause) : Effect.void)
 *
 * const app = logHidden(HttpRouter.empty)
 * ```
 *
 * @since 0.2.0
 * @category guards
 */
export const isHidden = (u: unknown): u is HttpServerError.RouteNotFound & { readonly cause: NotFound } =>
  u instanceof HttpServerError.RouteNotFound && u.cause instanceof NotFound

const forbidden = HttpServerResponse.text("Forbidden", { status: 403 })
// exactly what @effect/platform's router answers for an unknown path
const notFound = HttpServerResponse.empty({ status: 404 })
