/**
 * The app's `AuthenticationBackend` in an `HttpApi`: handlers `yield* CurrentUser` and `CurrentCredentials`, endpoints
 * declare what they require, and the OpenAPI document lists the security schemes and each operation's scopes.
 *
 * **How it fits HttpApi.** An `HttpApiMiddleware` provides exactly one service, and handlers need two
 * (`CurrentUser` and `CurrentCredentials`, which `requires` reads). So there are two middlewares, attached to each
 * group: the app's own {@link Tag} (it provides `CurrentUser` and declares the `HttpApiSecurity` schemes OpenAPI
 * lists) and {@link Credentials} (it provides `CurrentCredentials`). Both are implemented by one {@link layer} built
 * from the same `AuthenticationBackend` Layer the `HttpRouter` apps use, and they share one run of the backend per
 * request (whichever runs first runs it; the other reads its result, kept per request in a `WeakMap`).
 * Neither ever fails on a missing credential, since anonymous is a value (`UnauthenticatedUser`), not an error: public
 * endpoints stay public. Only an `AuthenticationError` (a malformed header, a bad token) fails the request.
 *
 * **One source of truth for scopes.** {@link requires} annotates an endpoint with its requirement. The middleware
 * enforces it: at start-up {@link layer} reads every endpoint's annotation from the API, and per request it finds
 * the endpoint from the route being served. The OpenAPI document shows the same annotation (an `OpenApi.Transform`
 * on the endpoint writes the scopes into the operation's `security`). So the scopes documented are the scopes enforced,
 * and a handler cannot forget them. A handler can still wrap itself in `requires(...)` from `"effect-auth"` (e.g. a
 * policy on the request's path parameters), with {@link Forbidden} and {@link Unauthorized} in its errors.
 * It fails closed: `layer` dies at start-up if an annotated endpoint's group lacks the middleware, and a request
 * for a route that is not in the API the layer was built from is a defect (500), never "public".
 *
 * **Errors.** `PermissionDenied` and `AuthenticationError` render as they do everywhere in effect-auth (the status
 * `requires` asked for, `WWW-Authenticate` on a 401, `Location` on a redirect, `text/plain` bodies). HttpApi encodes
 * errors through schemas, whose status is fixed and which cannot set headers, so the error schemas here
 * ({@link Forbidden}, {@link Unauthorized}, {@link InvalidCredentials}) document those responses and encode the
 * ones a schema can express exactly; for the others, the error renders itself (`HttpServerRespondable`).
 * Decoding them (in an `HttpApiClient`) gives back a `PermissionDenied` or an `AuthenticationError`.
 * Do not list the `PermissionDenied` or `AuthenticationError` classes themselves as errors: HttpApi would then encode
 * every one as JSON with the class's fixed status (403, 400), losing 401 challenges, 404s and redirects.
 *
 * **Limits of HttpApi (this version).** Group middleware runs after routing, so an unknown path is a 404 even with a
 * malformed `Authorization` header (`AuthenticationMiddleware` answers 400 there). An operation in a protected group
 * without a requirement is documented with HttpApi's `security: [{ scheme: [] }]` (authentication required);
 * `requires([])` documents it as optional (`[{}, { scheme: [] }]`). OpenAPI gets one content type per status, so
 * the 400 `text/plain` of {@link InvalidCredentials} is listed beside `HttpApiDecodeError` under `application/json`.
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
 *     .middleware(HttpApiAuthentication.Credentials)
 * ) {}
 *
 * const PagesLive = HttpApiBuilder.group(Api, "pages", (handlers) =>
 *   handlers
 *     .handle("home", () => Effect.map(CurrentUser, (user) => `hello, ${user.displayName || "you"}`))
 *     .handle("admin", () => Effect.map(CurrentUser, (user) => `welcome, ${user.displayName}`)))
 *
 * declare const BackendLive: Layer.Layer<import("effect-auth").AuthenticationBackend>
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
import type * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import type * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import type * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import type { HttpMethod } from "@effect/platform/HttpMethod"
import * as OpenApi from "@effect/platform/OpenApi"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { AuthenticationBackend, AuthenticationChallenge } from "./AuthenticationBackend.js"
import { AuthenticationError } from "./AuthenticationError.js"
import { CurrentCredentials, CurrentUser } from "./CurrentUser.js"
import * as internal from "./internal/httpApiAuthentication.js"
import { PermissionDenied } from "./PermissionDenied.js"
import type * as Policy from "./Policy.js"
import type { RequiresOptions } from "./Requires.js"

// --- error schemas ---------------------------------------------------------------------------------------------------

const renderedByItself = "rendered by the error itself (HttpServerRespondable): a schema cannot set its headers"

const denial = (status: number, reason: string, description: string): Schema.Schema<PermissionDenied, string> =>
  Schema.transformOrFail(Schema.Literal(reason) as Schema.Schema<string>, Schema.instanceOf(PermissionDenied), {
    strict: true,
    decode: () => ParseResult.succeed(new PermissionDenied({ scopes: [], status })),
    encode: (denied, _, ast) =>
      denied.status === status && denied.redirect === undefined && denied.challenge === undefined
        ? ParseResult.succeed(reason)
        : ParseResult.fail(new ParseResult.Forbidden(ast, denied, renderedByItself))
  }).pipe(
    HttpApiSchema.withEncoding({ kind: "Text", contentType: "text/plain" }),
    (schema) => schema.annotations(HttpApiSchema.annotations({ status, description }))
  )

/**
 * The 403 of a `PermissionDenied` (`text/plain`, `Forbidden`), for an endpoint's or a group's errors:
 * {@link requires} adds it to the endpoints it protects.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Forbidden: Schema.Schema<PermissionDenied, string> = denial(
  403,
  "Forbidden",
  "The request lacks a required scope"
)

/**
 * The 401 of a `PermissionDenied` for an anonymous request when the backend declares a challenge
 * (`text/plain`, `Unauthorized`, with `WWW-Authenticate`): {@link requires} adds it to the endpoints it protects.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Unauthorized: Schema.Schema<PermissionDenied, string> = denial(
  401,
  "Unauthorized",
  "Authentication is required: see the WWW-Authenticate challenge"
)

/**
 * The 400 of an `AuthenticationError` (`text/plain`, the message): the failure of both middlewares, so every
 * endpoint of a group that uses them documents it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const InvalidCredentials: Schema.Schema<AuthenticationError, string> = Schema.transformOrFail(
  Schema.String,
  Schema.instanceOf(AuthenticationError),
  {
    strict: true,
    decode: (message) => ParseResult.succeed(new AuthenticationError({ message })),
    encode: (error, _, ast) =>
      (error.status ?? 400) === 400 && error.challenge === undefined
        ? ParseResult.succeed(error.message)
        : ParseResult.fail(new ParseResult.Forbidden(ast, error, renderedByItself))
  }
).pipe(
  HttpApiSchema.withEncoding({ kind: "Text", contentType: "text/plain" }),
  (schema) =>
    schema.annotations(
      HttpApiSchema.annotations({ status: 400, description: "The request's credentials could not be read" })
    )
)

// --- middlewares -----------------------------------------------------------------------------------------------------

/**
 * The middleware that provides `CurrentUser` and declares the security schemes: what {@link Tag} makes.
 *
 * @since 0.1.0
 * @category models
 */
export type TagClass<
  Self,
  Name extends string,
  Security extends Record<string, HttpApiSecurity.HttpApiSecurity>
> = HttpApiMiddleware.TagClass<Self, Name, {
  readonly provides: typeof CurrentUser
  readonly failure: typeof InvalidCredentials
  readonly security: Security
}>

/**
 * @since 0.1.0
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
 * Defines the app's authentication middleware: it provides `CurrentUser` and declares its security schemes.
 * Attach it, with {@link Credentials}, to each group whose handlers read the user, and implement both with
 * {@link layer}.
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
export const Tag = <Self>() =>
<const Name extends string, const Security extends Record<string, HttpApiSecurity.HttpApiSecurity>>(
  id: Name,
  options: TagOptions<Security>
): TagClass<Self, Name, Security> =>
  HttpApiMiddleware.Tag<Self>()(id, {
    provides: CurrentUser,
    failure: InvalidCredentials,
    security: options.security
  }) as any

/**
 * The middleware that provides `CurrentCredentials` (the scopes `requires` checks). It shares the backend's run
 * with the app's {@link Tag}; attach both to the same groups.
 *
 * @since 0.1.0
 * @category tags
 */
export class Credentials extends HttpApiMiddleware.Tag<Credentials>()("effect-auth/HttpApiAuthentication/Credentials", {
  provides: CurrentCredentials,
  failure: InvalidCredentials
}) {}

/**
 * Implements the app's {@link Tag} and {@link Credentials} with the `AuthenticationBackend`, enforcing the
 * requirements {@link requires} put on the endpoints of `api` (the API being served). The backend's
 * `WWW-Authenticate` challenge is passed on too, so that a `requires` inside a handler answers anonymous requests
 * with 401 as the middleware does (provide this layer to the group layers, as HttpApi asks for the middlewares).
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
    readonly provides: typeof CurrentUser
  },
  api: HttpApi.HttpApi<Id, Groups, E, R>
): Layer.Layer<I | Credentials, never, AuthenticationBackend> =>
  Layer.effectContext(Effect.gen(function*() {
    const authenticate = yield* AuthenticationBackend
    const challenges = Context.get(yield* Effect.context<never>(), AuthenticationChallenge)
    const table = yield* Effect.try({
      try: () =>
        internal.routeTable(
          api as unknown as HttpApi.HttpApi.AnyWithProps,
          new Set([tag.key, Credentials.key]),
          (annotations) => Context.getOption(annotations, Requirement),
          challenges
        ),
      catch: (error) => error
    }).pipe(Effect.orDie)
    const authenticated = internal.makeAuthenticated(authenticate, table)
    const user = Effect.map(authenticated, (pair) => pair[1])
    const credentials = Effect.map(authenticated, (pair) => pair[0])
    return Context.make(tag, internal.service(tag as any, user)).pipe(
      Context.add(Credentials, credentials as any),
      // for `requires` in handlers: the group's context reaches them
      Context.add(AuthenticationChallenge, challenges)
    ) as Context.Context<I | Credentials>
  }))

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
 * endpoint documents the 401 and 403 responses, and the OpenAPI operation lists the scopes in its `security`:
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
    Error | PermissionDenied,
    R,
    RE
  > => {
    const previous = Context.getOption(self.annotations, OpenApi.Transform)
    return self
      .annotate(Requirement, { requirement, options })
      .annotate(
        OpenApi.Transform,
        previous._tag === "Some" ? (operation) => transform(previous.value(operation)) : transform
      )
      .addError(Forbidden)
      .addError(Unauthorized)
  }
}
