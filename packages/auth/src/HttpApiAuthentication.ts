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
import type * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import type { HttpMethod } from "@effect/platform/HttpMethod"
import * as HttpServerRespondable from "@effect/platform/HttpServerRespondable"
import * as OpenApi from "@effect/platform/OpenApi"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import { AuthenticationBackend } from "./AuthenticationBackend.js"
import {
  InvalidCredentials,
  isAuthenticationError,
  isServiceUnavailable,
  RejectedCredentials,
  ServiceUnavailable
} from "./AuthenticationError.js"
import { CurrentAuthentication } from "./CurrentUser.js"
import * as internal from "./internal/httpApiAuthentication.js"
import { Forbidden, isPermissionDenied, LoginRedirect, NotFound, Unauthorized } from "./PermissionDenied.js"
import type * as Policy from "./Policy.js"
import type { RequiresOptions } from "./Requires.js"

// --- the middleware --------------------------------------------------------------------------------------------------

/**
 * What the middleware fails with: a refusal of credentials or a server fault; every endpoint of a group that uses it
 * documents them.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Failure = Schema.Union(InvalidCredentials, RejectedCredentials, ServiceUnavailable)

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
   * They document the API: the backend alone reads the request.
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
    (error: unknown) => isAuthenticationError(error) || isPermissionDenied(error) || isServiceUnavailable(error),
    (error) => HttpServerRespondable.toResponse(error as HttpServerRespondable.Respondable)
  ) as HttpApiBuilder.MiddlewareFn<never> extends (app: any) => infer A ? A : never
)

/**
 * Implements the app's {@link Tag} with the `AuthenticationBackend`, enforcing the requirements {@link requires} put
 * on the endpoints of `api` (the API being served), and installs the API-level middleware that renders effect-auth's
 * errors with their headers.
 *
 * Dies at start-up when an endpoint of `api` has a requirement but neither its group nor the endpoint uses the
 * middleware: attach it to groups (an API-level middleware runs before routing, when the endpoint is not known yet).
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
): Layer.Layer<I, never, AuthenticationBackend> =>
  Layer.merge(
    Layer.effect(
      tag,
      Effect.gen(function*() {
        const backend = yield* AuthenticationBackend
        const table = yield* Effect.try({
          try: () =>
            internal.routeTable(
              api as unknown as HttpApi.HttpApi.AnyWithProps,
              tag.key,
              (annotations) => Context.getOption(annotations, Requirement)
            ),
          catch: (error) => error
        }).pipe(Effect.orDie)
        return internal.service(tag as any, internal.makeAuthenticate(backend, table))
      })
    ),
    renderErrors
  )

// --- requirements on endpoints ---------------------------------------------------------------------------------------

/**
 * What an endpoint requires, as {@link requires} annotated it.
 *
 * @since 0.1.0
 * @category annotations
 */
export class Requirement extends Context.Tag("effect-auth/HttpApiAuthentication/Requirement")<Requirement, {
  readonly requirement: string | ReadonlyArray<string> | Policy.Policy<never>
  readonly options: RequiresOptions | undefined
}>() {}

/**
 * Declares what an endpoint requires, as `requires` from `"effect-auth"` does for a handler: one scope, all of
 * several scopes (`[]` for none: anonymous requests pass), or a `Policy` without effectful dependencies.
 * The middleware enforces it before the handler runs (same statuses, challenge and options as `requires`), the
 * endpoint documents the denials it can answer with, and the OpenAPI operation lists the scopes in its `security`:
 * `[{ basic: ["admin"] }]` for `"admin"`; one alternative per branch of a `Policy.any`; a `{}` alternative
 * (authentication optional) when anonymous requests pass. Apply other `OpenApi.Transform` annotations before it.
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
export const requires = (
  requirement: string | ReadonlyArray<string> | Policy.Policy<never>,
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
    Error | Unauthorized | Forbidden | NotFound | LoginRedirect,
    R,
    RE
  > => {
    const previous = Context.getOption(self.annotations, OpenApi.Transform)
    const annotated = self
      .annotate(Requirement, { requirement, options })
      .annotate(
        OpenApi.Transform,
        previous._tag === "Some" ? (operation) => transform(previous.value(operation)) : transform
      )
    // the denials this endpoint can answer with, each with its status in the document
    return (options?.redirect !== undefined
      ? annotated.addError(LoginRedirect).addError(Forbidden)
      : options?.status === 404
      ? annotated.addError(NotFound)
      : options?.status === 403
      ? annotated.addError(Forbidden)
      : annotated.addError(Unauthorized).addError(Forbidden)) as any
  }
}
