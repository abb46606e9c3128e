/**
 * The app's `AuthenticationBackend` in an `HttpApi`: handlers `yield* CurrentUser` and `CurrentCredentials`, endpoints
 * declare what they require, and the OpenAPI document lists the security schemes and each operation's scopes. How
 * it fits HttpApi, and an app: docs/httpapi.md.
 *
 * @since 1.0.0
 */
import type * as Context from "effect/Context"
import type * as HttpApi from "effect/http-api/HttpApi"
import type * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import type * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as HttpApiMiddleware from "effect/http-api/HttpApiMiddleware"
import type * as HttpApiSecurity from "effect/http-api/HttpApiSecurity"
import type * as HttpRouter from "effect/http/HttpRouter"
import * as Layer from "effect/Layer"
import type { AuthenticationBackend } from "./AuthenticationBackend.js"
import type { CurrentCredentials, CurrentUser } from "./CurrentUser.js"
import * as endpoints from "./internal/httpApi/endpoint.js"
import type { Guard } from "./internal/httpApi/guards.js"
import * as middleware from "./internal/httpApi/layer.js"
import * as openApi from "./internal/httpApi/openApi.js"
import { failures } from "./internal/httpApi/wireSchemas.js"
import type * as Policy from "./Policy.js"
import type { Requirement, RequiresOptions } from "./Requires.js"

export {
  /**
   * What the middleware fails with: a refusal of credentials or a server fault, each listed as the text response it
   * renders as; every endpoint of a group that uses it documents them.
   *
   * @since 1.0.0
   * @category schemas
   */
  Failure,
  /**
   * `Forbidden` as HttpApi lists it: 403, `text/plain` `Forbidden`.
   *
   * @since 1.0.0
   * @category schemas
   */
  ForbiddenSchema,
  /**
   * `LoginRedirect` as HttpApi lists it: an empty 303 (the login page travels in `Location`).
   *
   * @since 1.0.0
   * @category schemas
   */
  LoginRedirectSchema,
  /**
   * `NotFound` as HttpApi lists it: an empty 404, as for a path the router does not know.
   *
   * @since 1.0.0
   * @category schemas
   */
  NotFoundSchema,
  /**
   * A 401 as HttpApi lists it: `text/plain`, `Unauthorized` for a denial (the challenge travels in
   * `WWW-Authenticate`) or the message of refused credentials. One schema for both, so that an operation's 401 is one
   * `text/plain` response.
   *
   * @since 1.0.0
   * @category schemas
   */
  UnauthorizedSchema
} from "./internal/httpApi/wireSchemas.js"

export {
  /**
   * The guard {@link requires} attaches to an endpoint, as a middleware of the endpoint: {@link layer} provides it.
   * `R` is what the endpoint's policy checks need beyond the request and the user; `Guard.Context<G>` is what a
   * guard's checks need, `Guard.FromGroups<Groups>` the guards of an API's groups.
   *
   * @since 1.0.0
   * @category models
   */
  type Guard,
  /**
   * What an endpoint requires, as {@link requires} annotated it.
   *
   * @since 1.0.0
   * @category annotations
   */
  RequirementAnnotation
} from "./internal/httpApi/guards.js"

/**
 * The middleware that provides the user and the credentials and declares the security schemes: what {@link Tag} makes.
 *
 * @since 1.0.0
 * @category models
 */
export type TagClass<
  Self,
  Name extends string,
  Security extends Record<string, HttpApiSecurity.HttpApiSecurity>
> = HttpApiMiddleware.ServiceClass<Self, Name, {
  requires: never
  provides: CurrentUser | CurrentCredentials
  error: typeof failures
  clientError: never
  requiredForClient: false
  security: Security
}>

/**
 * @since 1.0.0
 * @category models
 */
export interface TagOptions<Security extends Record<string, HttpApiSecurity.HttpApiSecurity>> {
  /**
   * The schemes OpenAPI lists, by name: `HttpApiSecurity.basic`, `HttpApiSecurity.bearer`,
   * `HttpApiSecurity.apiKey({ in, key })`; several when the backend accepts several (`AuthenticationBackend.firstOf`).
   * {@link layer} checks them against the backend's challenges when it is built.
   */
  readonly security: Security
}

/**
 * Defines the app's authentication middleware: it provides `CurrentUser` and `CurrentCredentials` and declares its
 * security schemes. Attach it to each group whose handlers read the user, and implement it with {@link layer}.
 *
 * @example
 * ```ts
 * import { HttpApiSecurity } from "effect/http-api"
 * import * as HttpApiAuthentication from "effect-auth/HttpApiAuthentication"
 *
 * class Authentication extends HttpApiAuthentication.Tag<Authentication>()("app/Authentication", {
 *   security: { bearer: HttpApiSecurity.bearer, apiKey: HttpApiSecurity.apiKey({ in: "header", key: "x-api-key" }) }
 * }) {}
 * ```
 *
 * @since 1.0.0
 * @category tags
 */
export const Tag =
  <Self>() =>
  <const Name extends string, const Security extends Record<string, HttpApiSecurity.HttpApiSecurity>>(
    id: Name,
    options: TagOptions<Security>
  ): TagClass<Self, Name, Security> =>
    HttpApiMiddleware.Service<Self, { provides: CurrentUser | CurrentCredentials }>()(id, {
      security: options.security,
      error: failures
    })

/** What a middleware made by {@link Tag} is, as {@link layer} takes it. */
type AnyTag<I> = Context.Key<I, any> & {
  readonly security: Record<string, HttpApiSecurity.HttpApiSecurity>
}

/** A middleware that provides the user: what {@link Tag} makes. */
type ProvidesUser = {
  readonly "~effect/http-api/HttpApiMiddleware": { readonly provides: CurrentUser | CurrentCredentials }
}

/**
 * Implements the app's {@link Tag} with the `AuthenticationBackend`, and provides the guards {@link requires} put on
 * the endpoints of `api` (the API being served). What the policies' checks need (`Policy.check`) is required here,
 * and given to them.
 *
 * It dies at start-up when the schemes the Tag declares cannot be what the backend reads (a Bearer backend under
 * `apiKey`), or when an endpoint of `api` has a requirement but neither its group nor the endpoint uses the
 * middleware, or when an endpoint behind the middleware does not say what it requires. Each guarded endpoint
 * carries its own guard: a server whose endpoints have guards this layer does not provide (an API other than
 * `api`) does not start.
 *
 * @since 1.0.0
 * @category layers
 */
export const layer = <I extends ProvidesUser, Id extends string, Groups extends HttpApiGroup.Constraint>(
  tag: AnyTag<I>,
  api: HttpApi.HttpApi<Id, Groups>
): Layer.Layer<
  I | Guard.FromGroups<Groups>,
  never,
  AuthenticationBackend | Guard.Context<Guard.FromGroups<Groups>>
> =>
  // the context holds the Tag's handlers and the guards of `api`'s endpoints, which are what `Guard.FromGroups` names
  Layer.effectContext(
    middleware.context(tag as unknown as HttpApiMiddleware.AnyService, api as unknown as HttpApi.Top)
  ) as any

type Served = CurrentUser | CurrentCredentials | HttpRouter.Provided

// what a policy's checks need beyond the request and the user (`not(scope(…))` infers `unknown`: it needs nothing)
type Needs<P> = unknown extends Policy.Policy.Context<P> ? never : Exclude<Policy.Policy.Context<P>, Served>

/**
 * Declares what an endpoint requires, as `requires` from `"effect-auth"` does for a handler: one scope, all of
 * several scopes (`[]` for none: anonymous requests pass), or a `Policy`, effectful checks included (what they need
 * becomes a requirement of {@link layer}). The middleware enforces it before the handler runs (same statuses,
 * challenge and options as `requires`), the endpoint lists the denials it can answer with as they are sent, and the
 * OpenAPI operation lists the scopes in its `security`: `[{ basic: ["admin"] }]` for `"admin"`; one alternative per
 * branch of a `Policy.any`; a `{}` alternative when an anonymous request can pass; the policy in full in its
 * description. One per endpoint; apply other `OpenApi.Transform` annotations before it.
 *
 * @example
 * ```ts
 * import { HttpApiEndpoint, HttpApiSchema } from "effect/http-api"
 * import { Policy } from "effect-auth"
 * import * as HttpApiAuthentication from "effect-auth/HttpApiAuthentication"
 * import * as Schema from "effect/Schema"
 *
 * const admin = HttpApiEndpoint.get("admin", "/admin", { success: Schema.String }).pipe(
 *   HttpApiAuthentication.requires("admin", { status: 404 })
 * )
 * const reports = HttpApiEndpoint.get("reports", "/reports", { success: Schema.String }).pipe(
 *   HttpApiAuthentication.requires(Policy.any(Policy.scope("admin"), Policy.scope("auditor")))
 * )
 * ```
 *
 * @since 1.0.0
 * @category combinators
 */
export const requires = <const P extends Requirement>(
  requirement: P,
  options?: RequiresOptions | undefined
) => {
  const transform = openApi.securityTransform(requirement)
  return <E extends HttpApiEndpoint.Constraint>(self: E): HttpApiEndpoint.AddMiddleware<E, Guard<Needs<P>>> =>
    // the endpoint seen from inside, and returned as declared, with the guard among its middleware
    endpoints.requires(self as unknown as HttpApiEndpoint.Top, requirement, options, transform) as any
}

/**
 * Lets an endpoint take the user optionally: credentials that are refused (a wrong password, a malformed header)
 * make the request anonymous instead of failing it, so the handler always gets a user, `UnauthenticatedUser` when
 * none was accepted. A backend that cannot decide (`ServiceUnavailable`) still fails the request. OpenAPI lists `{}`
 * first in the operation's `security`.
 *
 * @example
 * ```ts
 * import { HttpApiEndpoint } from "effect/http-api"
 * import * as HttpApiAuthentication from "effect-auth/HttpApiAuthentication"
 * import * as Schema from "effect/Schema"
 *
 * const home = HttpApiEndpoint.get("home", "/", { success: Schema.String }).pipe(HttpApiAuthentication.optional)
 * ```
 *
 * @since 1.0.0
 * @category combinators
 */
export const optional = <E extends HttpApiEndpoint.Constraint>(
  self: E
): HttpApiEndpoint.AddMiddleware<E, Guard<never>> =>
  // the endpoint seen from inside, and returned as declared, with the guard among its middleware
  endpoints.optional(self as unknown as HttpApiEndpoint.Top) as any
