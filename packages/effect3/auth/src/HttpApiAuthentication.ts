/**
 * The app's `AuthenticationBackend` in an `HttpApi`: handlers `yield* CurrentUser` and `CurrentCredentials`, endpoints
 * declare what they require, and the OpenAPI document lists the security schemes and each operation's scopes. How
 * it fits HttpApi, and an app: docs/httpapi.md.
 *
 * @since 0.1.0
 */
import type * as HttpApi from "@effect/platform/HttpApi"
import type * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import type * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import type * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import type { HttpMethod } from "@effect/platform/HttpMethod"
import type * as HttpRouter from "@effect/platform/HttpRouter"
import type * as Context from "effect/Context"
import * as Layer from "effect/Layer"
import type { AuthenticationBackend } from "./AuthenticationBackend.js"
import type { CurrentCredentials, CurrentUser } from "./CurrentUser.js"
import { CurrentAuthentication } from "./CurrentUser.js"
import * as endpoints from "./internal/httpApi/endpoint.js"
import type { Guard } from "./internal/httpApi/guards.js"
import * as middleware from "./internal/httpApi/layer.js"
import * as openApi from "./internal/httpApi/openApi.js"
import { Failure } from "./internal/httpApi/wireSchemas.js"
import type * as PermissionDenied from "./PermissionDenied.js"
import type * as Policy from "./Policy.js"
import type { Requirement, RequiresOptions } from "./Requires.js"

export {
  /**
   * What the middleware fails with: a refusal of credentials or a server fault, each listed as the text response it
   * renders as; every endpoint of a group that uses it documents them.
   *
   * @since 0.2.0
   * @category schemas
   */
  Failure,
  /**
   * `Forbidden` as HttpApi lists it: 403, `text/plain` `Forbidden`.
   *
   * @since 0.3.0
   * @category schemas
   */
  ForbiddenSchema,
  /**
   * `LoginRedirect` as HttpApi lists it: an empty 303 (the login page travels in `Location`).
   *
   * @since 0.3.0
   * @category schemas
   */
  LoginRedirectSchema,
  /**
   * `NotFound` as HttpApi lists it: an empty 404, as for a path the router does not know.
   *
   * @since 0.3.0
   * @category schemas
   */
  NotFoundSchema,
  /**
   * A 401 as HttpApi lists it: `text/plain`, `Unauthorized` for a denial (the challenge travels in
   * `WWW-Authenticate`) or the message of refused credentials. One schema for both, so that an operation's 401 is one
   * `text/plain` response.
   *
   * @since 0.3.0
   * @category schemas
   */
  UnauthorizedSchema
} from "./internal/httpApi/wireSchemas.js"

export {
  /**
   * The guard {@link requires} attaches to an endpoint, as a requirement of the group's handlers: {@link layer}
   * provides it. `R` is what the endpoint's policy checks need beyond the request and the user; `Guard.Context<G>`
   * is what a guard's checks need, `Guard.FromGroups<Groups>` the guards of an API's groups.
   *
   * @since 0.2.0
   * @category models
   */
  type Guard,
  /**
   * What an endpoint requires, as {@link requires} annotated it.
   *
   * @since 0.3.0
   * @category annotations
   */
  RequirementAnnotation
} from "./internal/httpApi/guards.js"

/**
 * The middleware that provides the user and the credentials and declares the security schemes: what {@link Tag} makes.
 *
 * @since 0.1.0
 * @category models
 */
export type TagClass<
  Self,
  Name extends string,
  Security extends Record<string, HttpApiSecurity.HttpApiSecurity>
> = HttpApiMiddleware.TagClass<Self, Name, {
  readonly provides: typeof CurrentAuthentication
  readonly failure: typeof Failure
  readonly security: Security
}>

/**
 * @since 0.2.0
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
 * import { HttpApiSecurity } from "@effect/platform"
 * import * as HttpApiAuthentication from "effect-auth/HttpApiAuthentication"
 *
 * class Authentication extends HttpApiAuthentication.Tag<Authentication>()("app/Authentication", {
 *   security: { bearer: HttpApiSecurity.bearer, apiKey: HttpApiSecurity.apiKey({ in: "header", key: "x-api-key" }) }
 * }) {}
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export const Tag =
  <Self>() =>
  <const Name extends string, const Security extends Record<string, HttpApiSecurity.HttpApiSecurity>>(
    id: Name,
    options: TagOptions<Security>
  ): TagClass<Self, Name, Security> =>
    // `HttpApiMiddleware.Tag` infers `failure` and `provides` as their schemas' own classes, which `TagClass` names
    HttpApiMiddleware.Tag<Self>()(id, {
      provides: CurrentAuthentication,
      failure: Failure,
      security: options.security
    }) as any

/**
 * Implements the app's {@link Tag} with the `AuthenticationBackend`, provides the guards {@link requires} put on the
 * endpoints of `api` (the API being served), and installs the API-level middleware that renders effect-auth's
 * errors with their headers. What the policies' checks need (`Policy.check`) is required here, and given to them.
 *
 * It dies at start-up when the schemes the Tag declares cannot be what the backend reads (a Bearer backend under
 * `apiKey`), or when an endpoint of `api` has a requirement but neither its group nor the endpoint uses the
 * middleware. Each guarded endpoint carries its own guard: a server whose endpoints have guards this layer does not
 * provide (an API other than `api`) does not start.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = <I, Id extends string, Groups extends HttpApiGroup.HttpApiGroup.Any, E, R>(
  tag: Context.Tag<I, any> & {
    readonly [HttpApiMiddleware.TypeId]: HttpApiMiddleware.TypeId
    readonly provides: typeof CurrentAuthentication
  },
  api: HttpApi.HttpApi<Id, Groups, E, R>
): Layer.Layer<
  I | Guard.FromGroups<Groups>,
  never,
  AuthenticationBackend | Guard.Context<Guard.FromGroups<Groups>>
> =>
  Layer.merge(
    // the Tag `Tag` made is a middleware class, and any `HttpApi` has its groups and endpoints inside
    Layer.effectContext(middleware.context(tag as unknown as HttpApiMiddleware.TagClassAny, api as unknown as Api)),
    middleware.renderErrors
    // the context holds the Tag and the guards of `api`'s endpoints, which are what `Guard.FromGroups` names
  ) as any

type Api = HttpApi.HttpApi.AnyWithProps

type Served = CurrentUser | CurrentCredentials | HttpRouter.HttpRouter.Provided

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
 * import { HttpApiEndpoint, HttpApiSchema } from "@effect/platform"
 * import { Policy } from "effect-auth"
 * import * as HttpApiAuthentication from "effect-auth/HttpApiAuthentication"
 *
 * const admin = HttpApiEndpoint.get("admin", "/admin").addSuccess(HttpApiSchema.Text()).pipe(
 *   HttpApiAuthentication.requires("admin", { status: 404 })
 * )
 * const reports = HttpApiEndpoint.get("reports", "/reports").addSuccess(HttpApiSchema.Text()).pipe(
 *   HttpApiAuthentication.requires(Policy.any(Policy.scope("admin"), Policy.scope("auditor")))
 * )
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const requires = <const P extends Requirement>(
  requirement: P,
  options?: RequiresOptions | undefined
) => {
  const transform = openApi.securityTransform(requirement)
  return <
    Name extends string,
    Method extends HttpMethod,
    Path,
    UrlParams,
    Payload,
    Headers,
    Success,
    Error,
    R,
    RE
  >(
    self: HttpApiEndpoint.HttpApiEndpoint<Name, Method, Path, UrlParams, Payload, Headers, Success, Error, R, RE>
  ): HttpApiEndpoint.HttpApiEndpoint<
    Name,
    Method,
    Path,
    UrlParams,
    Payload,
    Headers,
    Success,
    | Error
    | PermissionDenied.Unauthorized
    | PermissionDenied.Forbidden
    | PermissionDenied.NotFound
    | PermissionDenied.LoginRedirect,
    R | Guard<Needs<P>>,
    RE
  > =>
    // the endpoint seen from inside, and returned as declared, with the guard in `R` and the denials in `Error`
    endpoints.requires(
      self as unknown as HttpApiEndpoint.HttpApiEndpoint.AnyWithProps,
      requirement,
      options,
      transform
    ) as any
}

/**
 * Lets an endpoint take the user optionally: credentials that are refused (a wrong password, a malformed header)
 * make the request anonymous instead of failing it, so the handler always gets a user, `UnauthenticatedUser` when
 * none was accepted (Effect's own `optional: true` would run the handler without one). A backend that cannot decide
 * (`ServiceUnavailable`) still fails the request. OpenAPI lists `{}` first in the operation's `security`.
 *
 * @example
 * ```ts
 * import { HttpApiEndpoint, HttpApiSchema } from "@effect/platform"
 * import * as HttpApiAuthentication from "effect-auth/HttpApiAuthentication"
 *
 * const home = HttpApiEndpoint.get("home", "/").addSuccess(HttpApiSchema.Text()).pipe(HttpApiAuthentication.optional)
 * ```
 *
 * @since 0.2.0
 * @category combinators
 */
export const optional = <
  Name extends string,
  Method extends HttpMethod,
  Path,
  UrlParams,
  Payload,
  Headers,
  Success,
  Error,
  R,
  RE
>(
  self: HttpApiEndpoint.HttpApiEndpoint<Name, Method, Path, UrlParams, Payload, Headers, Success, Error, R, RE>
): HttpApiEndpoint.HttpApiEndpoint<
  Name,
  Method,
  Path,
  UrlParams,
  Payload,
  Headers,
  Success,
  Error,
  R | Guard<never>,
  RE
> =>
  // the endpoint seen from inside, and returned as declared, with the guard in `R`
  endpoints.optional(self as unknown as HttpApiEndpoint.HttpApiEndpoint.AnyWithProps) as any
