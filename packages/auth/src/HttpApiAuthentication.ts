/**
 * The app's `AuthenticationBackend` in an `HttpApi`: handlers `yield* CurrentUser` and `CurrentCredentials`, endpoints
 * declare what they require, and the OpenAPI document lists the security schemes and each operation's scopes.
 *
 * **How it fits HttpApi.** One middleware, the app's own {@link Tag}, attached to each group whose handlers read the
 * user: it provides the request's one authentication entry (so both `CurrentUser` and `CurrentCredentials`) and
 * declares the `HttpApiSecurity` schemes OpenAPI lists. {@link layer} implements it with the same
 * `AuthenticationBackend` Layer the `HttpRouter` apps use. It never fails on a missing credential, since anonymous is
 * a value (`UnauthenticatedUser`), not an error: public endpoints stay public. Only a refusal of credentials
 * (`AuthenticationError`) or a server fault (`ServiceUnavailable`) fails the request.
 *
 * **One source of truth for scopes.** {@link requires} annotates an endpoint with its requirement. The middleware
 * enforces it: at start-up {@link layer} reads every endpoint's annotation from the API, and per request it finds the
 * endpoint from the route being served. The OpenAPI document shows the same annotation. It fails closed: `layer` dies
 * at start-up if an annotated endpoint's group lacks the middleware, and a request for a route that is not in the API
 * the layer was built from is a defect (500), never "public".
 *
 * **Errors.** Every error class has its status (`InvalidCredentials` 400, `RejectedCredentials` 401, `Unauthorized`
 * 401, `Forbidden` 403, `NotFound` 404, `LoginRedirect` 303, `ServiceUnavailable` 503), so endpoints list them and
 * the document shows each status. {@link layer} also installs an API-level middleware that renders them as they
 * render everywhere in effect-auth, `WWW-Authenticate` and `Location` included (HttpApi's own encoding of errors
 * cannot set headers).
 *
 * @example
 * ```ts
 * import { HttpApi, HttpApiBuilder, HttpApiEndpoint, HttpApiGroup, HttpApiSchema, HttpApiSecurity } from "@effect/platform"
 * import { Effect, Layer } from "effect"
 * import { Basic, CurrentUser } from "effect-auth"
 * import * as HttpApiAuthentication from "effect-auth/HttpApiAuthentication"
 *
 * class Authentication extends HttpApiAuthentication.Tag<Authentication>()("app/Authentication", {
 *   security: { basic: HttpApiSecurity.basic }
 * }) {}
 *
 * class Api extends HttpApi.make("app").add(
 *   HttpApiGroup.make("pages")
 *     .add(HttpApiEndpoint.get("home", "/").addSuccess(HttpApiSchema.Text()))
 *     .add(HttpApiEndpoint.get("admin", "/admin").addSuccess(HttpApiSchema.Text()).pipe(
 *       HttpApiAuthentication.requires("admin") // enforced, and `security: [{ basic: ["admin"] }]` in OpenAPI
 *     ))
 *     .middleware(Authentication)
 * ) {}
 *
 * const PagesLive = HttpApiBuilder.group(Api, "pages", (handlers) =>
 *   handlers
 *     .handle("home", () => Effect.map(CurrentUser, (user) => `hello, ${user.displayName || "you"}`))
 *     .handle("admin", () => Effect.map(CurrentUser, (user) => `welcome, ${user.displayName}`)))
 *
 * const BackendLive = Basic.layer({ realm: "app", verify: () => Effect.succeedNone })
 *
 * const ApiLive = HttpApiBuilder.api(Api).pipe(
 *   Layer.provide(PagesLive),
 *   Layer.provide(HttpApiAuthentication.layer(Authentication, Api)),
 *   Layer.provide(BackendLive)
 * )
 * ```
 *
 * @since 0.1.0
 */
import type * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import type * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import type * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import type * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import type { HttpMethod } from "@effect/platform/HttpMethod"
import type * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerRespondable from "@effect/platform/HttpServerRespondable"
import * as OpenApi from "@effect/platform/OpenApi"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { AuthenticationBackend } from "./AuthenticationBackend.js"
import * as AuthenticationError from "./AuthenticationError.js"
import type { CurrentCredentials, CurrentUser } from "./CurrentUser.js"
import { CurrentAuthentication } from "./CurrentUser.js"
import * as internal from "./internal/httpApiAuthentication.js"
import * as policies from "./internal/policy.js"
import * as PermissionDenied from "./PermissionDenied.js"
import type * as Policy from "./Policy.js"
import type { Requirement as RequirementInput, RequiresOptions } from "./Requires.js"

// --- what is sent: each outcome as the text (or empty) response it renders as ---------------------------------------

// a text response with the class's status that decodes back into the class (a client sees the outcome, never the
// failing clause or the scopes, which stay in the process)
const text = <A, I, B extends string>(
  self: Schema.Schema<A, I>,
  body: Schema.Schema<B>,
  options: { readonly status: number; readonly description: string },
  decode: (body: B) => A,
  encode: (error: A) => B
): Schema.Schema<A, string> =>
  HttpApiSchema.withEncoding(
    Schema.transform(body as unknown as Schema.Schema<B, string>, Schema.typeSchema(self), {
      strict: true,
      decode,
      encode
    }),
    { kind: "Text" }
  ).annotations(HttpApiSchema.annotations(options))

const empty = <A, I>(
  self: Schema.Schema<A, I>,
  options: { readonly status: number; readonly description: string },
  decode: () => A
): Schema.Schema<A, void> =>
  HttpApiSchema.asEmpty(self, { status: options.status, decode }).annotations({ description: options.description })

const unknownClause = { scopes: [], clause: "" }

/**
 * A 401 as HttpApi lists it: `text/plain`, `Unauthorized` for a denial (the challenge travels in `WWW-Authenticate`)
 * or the message of refused credentials. One schema for both, so that an operation's 401 is one `text/plain` response.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Unauthorized: Schema.Schema<
  PermissionDenied.Unauthorized | AuthenticationError.RejectedCredentials,
  string
> = text(
  Schema.Union(PermissionDenied.Unauthorized, AuthenticationError.RejectedCredentials),
  Schema.String,
  { status: 401, description: "Authentication is required (see WWW-Authenticate), or the credentials were refused" },
  (body) =>
    body === "Unauthorized"
      ? new PermissionDenied.Unauthorized({ ...unknownClause, challenge: "" })
      : new AuthenticationError.RejectedCredentials({ message: body }),
  (error) => PermissionDenied.isUnauthorized(error) ? "Unauthorized" : error.message
)

/**
 * `Forbidden` as HttpApi lists it: 403, `text/plain` `Forbidden`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Forbidden: Schema.Schema<PermissionDenied.Forbidden, string> = text(
  PermissionDenied.Forbidden,
  Schema.Literal("Forbidden"),
  { status: 403, description: "The request lacks a required scope" },
  () => new PermissionDenied.Forbidden(unknownClause),
  () => "Forbidden"
)

/**
 * `NotFound` as HttpApi lists it: an empty 404, as for a path the router does not know.
 *
 * @since 0.2.0
 * @category schemas
 */
export const NotFound: Schema.Schema<PermissionDenied.NotFound, void> = empty(
  PermissionDenied.NotFound,
  { status: 404, description: "Not Found" },
  () => new PermissionDenied.NotFound(unknownClause)
)

/**
 * `LoginRedirect` as HttpApi lists it: an empty 303 (the login page travels in `Location`).
 *
 * @since 0.2.0
 * @category schemas
 */
export const LoginRedirect: Schema.Schema<PermissionDenied.LoginRedirect, void> = empty(
  PermissionDenied.LoginRedirect,
  { status: 303, description: "See Other: log in first" },
  () => new PermissionDenied.LoginRedirect({ ...unknownClause, location: "" })
)

const InvalidCredentials = text(
  AuthenticationError.InvalidCredentials,
  Schema.String,
  { status: 400, description: "The request's credentials could not be read" },
  (message) => new AuthenticationError.InvalidCredentials({ message }),
  (error) => error.message
)

const ServiceUnavailable = text(
  AuthenticationError.ServiceUnavailable,
  Schema.Literal("Service Unavailable"),
  { status: 503, description: "Authentication is unavailable for a while" },
  () => new AuthenticationError.ServiceUnavailable({ reason: "" }),
  () => "Service Unavailable"
)

const TooManyRequests = text(
  AuthenticationError.TooManyRequests,
  Schema.Literal("Too Many Requests"),
  { status: 429, description: "Too many failed attempts; try again later" },
  () => new AuthenticationError.TooManyRequests({ reason: "", retryAfter: 1 }),
  () => "Too Many Requests"
)

// --- the middleware --------------------------------------------------------------------------------------------------

/**
 * What the middleware fails with: a refusal of credentials or a server fault, each listed as the text response it
 * renders as; every endpoint of a group that uses it documents them.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Failure = Schema.Union(InvalidCredentials, Unauthorized, ServiceUnavailable, TooManyRequests)

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
    HttpApiMiddleware.Tag<Self>()(id, {
      provides: CurrentAuthentication,
      failure: Failure,
      security: options.security
    }) as any

// renders effect-auth's errors as they render everywhere (headers included), before HttpApi encodes them by schema
// (their error type stays `unknown` for HttpApi: what is not ours goes on to its schema encoding)
const renderErrors = HttpApiBuilder.middleware((app) =>
  Effect.catchIf(
    app,
    (error: unknown) =>
      AuthenticationError.isAuthenticationError(error) || PermissionDenied.isPermissionDenied(error) ||
      AuthenticationError.isServiceUnavailable(error) || AuthenticationError.isTooManyRequests(error),
    (error) => HttpServerRespondable.toResponse(error as HttpServerRespondable.Respondable)
  ) as HttpApiBuilder.MiddlewareFn<never> extends (app: any) => infer A ? A : never
)

/**
 * The guard {@link requires} attaches to an endpoint, as a requirement of the group's handlers: {@link layer}
 * provides it. `R` is what the endpoint's policy checks need beyond the request and the user.
 *
 * @since 0.2.0
 * @category models
 */
export interface Guard<R> {
  readonly [HttpApiMiddleware.TypeId]: {
    readonly provides: never
    readonly failure: never
    readonly failureContext: never
  }
  readonly "~effect-auth/HttpApiAuthentication/Guard": (_: never) => R
}

/**
 * @since 0.2.0
 */
export declare namespace Guard {
  /**
   * What a guard's checks need.
   *
   * @since 0.2.0
   */
  export type Context<G> = G extends Guard<infer R> ? R : never

  /**
   * The guards of an API's groups.
   *
   * @since 0.2.0
   */
  export type FromGroups<Groups extends HttpApiGroup.HttpApiGroup.Any> = Extract<
    HttpApiGroup.HttpApiGroup.ClientContext<Groups>,
    Guard<any>
  >
}

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
    Layer.effectContext(
      Effect.gen(function*() {
        const backend = yield* AuthenticationBackend
        const services = yield* Effect.context<never>()
        const middleware = tag as unknown as HttpApiMiddleware.TagClassAny
        if (HttpApiMiddleware.isSecurity(middleware)) {
          const mismatch = internal.schemeMismatch(tag.key, middleware.security, backend.challenges)
          if (mismatch !== undefined) return yield* Effect.dieMessage(mismatch)
        }
        const guards = yield* Effect.try({
          try: () => internal.guards(api as unknown as HttpApi.HttpApi.AnyWithProps, tag.key),
          catch: (error) => error
        }).pipe(Effect.orDie)
        let context: Context.Context<any> = Context.make(
          tag,
          internal.service(middleware, internal.makeAuthenticate(backend))
        )
        for (const guard of guards) {
          context = Context.add(
            context,
            guard as Context.Tag<any, any>,
            Effect.succeed(internal.endpointRequirement(guard[internal.GuardTypeId], services))
          )
        }
        return context as Context.Context<I | Guard.FromGroups<Groups>>
      })
    ),
    renderErrors
  ) as any

// --- requirements on endpoints ---------------------------------------------------------------------------------------

/**
 * What an endpoint requires, as {@link requires} annotated it.
 *
 * @since 0.1.0
 * @category annotations
 */
export class Requirement extends Context.Tag("effect-auth/HttpApiAuthentication/Requirement")<Requirement, {
  readonly requirement: string | ReadonlyArray<string> | Policy.Policy<any>
  readonly options: RequiresOptions | undefined
}>() {}

type Served = CurrentUser | CurrentCredentials | HttpRouter.HttpRouter.Provided

// what a policy's checks need beyond the request and the user (`not(scope(…))` infers `unknown`: it needs nothing)
type Needs<P> = unknown extends Policy.Policy.Context<P> ? never : Exclude<Policy.Policy.Context<P>, Served>

const guarded = (self: HttpApiEndpoint.HttpApiEndpoint.AnyWithProps, what: string) => {
  if (Array.from(self.middlewares).some(internal.isGuard)) {
    // two guards would hide one another: one requirement per endpoint, combined with Policy.all when needed
    throw new Error(
      `HttpApiAuthentication: endpoint "${self.name}" (${self.method} ${self.path}) already has a requirement; ${what} ` +
        `would hide it: combine them in one requires(Policy.all(…))`
    )
  }
}

const withTransform = (
  self: HttpApiEndpoint.HttpApiEndpoint.AnyWithProps,
  transform: (operation: Record<string, any>) => Record<string, any>
): HttpApiEndpoint.HttpApiEndpoint.AnyWithProps => {
  const previous = Context.getOption(self.annotations, OpenApi.Transform)
  return self.annotate(
    OpenApi.Transform,
    previous._tag === "Some" ? (operation) => transform(previous.value(operation)) : transform
  ) as any
}

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
export const requires = <const P extends RequirementInput>(
  requirement: P,
  options?: RequiresOptions | undefined
) => {
  const transform = internal.securityTransform(requirement)
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
  > => {
    const endpoint = self as unknown as HttpApiEndpoint.HttpApiEndpoint.AnyWithProps
    guarded(endpoint, `requires(${JSON.stringify(String(requirement))})`)
    const value = { requirement, options, optional: false }
    const annotated = withTransform(endpoint.annotate(Requirement, { requirement, options }), transform)
      .middleware(internal.makeGuard(value, endpoint.method, endpoint.path) as any)
    // the denials this endpoint can answer with, each with its status and its body in the document; a requirement
    // that always passes (`[]`, anyone) denies nothing
    const scopes = policies.allOfScopes(policies.toPolicy(requirement))
    if (scopes !== undefined && scopes.length === 0) return annotated as any
    return (options?.redirect !== undefined
      ? annotated.addError(LoginRedirect).addError(Forbidden)
      : options?.status === 404
      ? annotated.addError(NotFound)
      : options?.status === 403
      ? annotated.addError(Forbidden)
      : annotated.addError(Unauthorized).addError(Forbidden)) as any
  }
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
> => {
  const endpoint = self as unknown as HttpApiEndpoint.HttpApiEndpoint.AnyWithProps
  guarded(endpoint, "optional")
  return withTransform(endpoint, internal.optionalTransform)
    .middleware(
      internal.makeGuard({ requirement: [], options: undefined, optional: true }, endpoint.method, endpoint.path) as any
    ) as any
}
