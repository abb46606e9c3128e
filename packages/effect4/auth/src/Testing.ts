/**
 * A test kit: run handlers and apps as a given user, generate users and credentials for property tests, and build
 * the allow/deny table of an app's routes to snapshot, so that a privilege regression fails a test.
 *
 * @since 1.0.0
 */
import * as Arbitrary from "effect/Arbitrary"
import type * as Effect from "effect/Effect"
import type * as HttpRouter from "effect/http/HttpRouter"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import type * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { AuthCredentials } from "./AuthCredentials.js"
import { AuthenticationBackend } from "./AuthenticationBackend.js"
import type { CurrentCredentials, CurrentUser } from "./CurrentUser.js"
import * as internal from "./internal/testing.js"
import { SimpleUser, UnauthenticatedUser } from "./User.js"
import type { Scope as AppScope, User } from "./User.js"

/**
 * Who a test acts as: a user and the scopes granted, or anonymous. Every principal has a `user` and `credentials`
 * (anonymous: `UnauthenticatedUser` and no scopes), as every request has.
 *
 * @since 1.0.0
 * @category models
 */
export type Principal =
  | { readonly _tag: "Anonymous"; readonly user: UnauthenticatedUser; readonly credentials: AuthCredentials }
  | { readonly _tag: "User"; readonly user: User; readonly credentials: AuthCredentials }

/**
 * The anonymous principal: what the middleware gives a request the backend answers `None` for.
 *
 * @since 1.0.0
 * @category constructors
 */
export const anonymous: Principal = {
  _tag: "Anonymous",
  user: new UnauthenticatedUser(),
  credentials: new AuthCredentials()
}

/**
 * A principal: a `SimpleUser` by name, or the app's own user, with the scopes granted.
 *
 * @since 1.0.0
 * @category constructors
 */
export const principal = (user: User | string, scopes: Iterable<AppScope> = []): Principal => ({
  _tag: "User",
  user: typeof user === "string" ? new SimpleUser(user) as unknown as User : user,
  credentials: new AuthCredentials(scopes)
})

/**
 * @since 1.0.0
 * @category models
 */
export interface RunAsOptions {
  /**
   * The app's `WWW-Authenticate` challenge(s), so that an anonymous denial is a 401 `Unauthorized` as in the app.
   * By default, those of the `AuthenticationBackend` in the context if there is one (provide the app's backend
   * Layer); else none, and an anonymous denial is a 403.
   */
  readonly challenge?: string | ReadonlyArray<string> | undefined
  /**
   * The request the handler runs in: `"METHOD /path?query"`, `"/path?query"` (a GET) or an `HttpServerRequest`.
   * Provides `HttpServerRequest` and `ParsedSearchParams`; `requires(…, { redirect })` needs it for its 303 (its
   * `next` is this path and query).
   */
  readonly request?: string | HttpServerRequest.HttpServerRequest | undefined
  /**
   * The route's path parameters (`{ id: "1" }` for `/posts/:id`): provides the `RouteContext` that
   * `HttpRouter.params` and `HttpRouter.schemaPathParams` read.
   */
  readonly params?: Readonly<Record<string, string | undefined>> | undefined
}

/**
 * @since 1.0.0
 */
export declare namespace RunAsOptions {
  /**
   * What `runAs` provides with these options, beside the user and the credentials.
   *
   * @since 1.0.0
   * @category models
   */
  export type Provided<O> =
    | (O extends { readonly request: string | HttpServerRequest.HttpServerRequest }
      ? HttpServerRequest.HttpServerRequest | HttpServerRequest.ParsedSearchParams
      : never)
    | (O extends { readonly params: Readonly<Record<string, string | undefined>> } ? HttpRouter.RouteContext : never)
}

/**
 * Runs a handler (or a whole app) as `principal`, without a backend or a middleware: it sees `CurrentUser` and
 * `CurrentCredentials` as the middleware would set them. No request is needed; give one (and route parameters) in
 * `options` when the handler reads them.
 *
 * @example
 * ```ts
 * import { requires } from "effect-auth"
 * import * as Testing from "effect-auth/Testing"
 * import { HttpRouter, HttpServerResponse } from "effect/http"
 * import { Effect } from "effect"
 *
 * const handler = Effect.succeed("secret").pipe(requires("admin"))
 * const asAdmin = handler.pipe(Testing.runAs(Testing.principal("alice", ["admin"])))
 * // anonymous denials are 401s with the app's challenge, as in the app
 * const asAnyone = handler.pipe(Testing.runAs(Testing.anonymous, { challenge: `Basic realm="app"` }))
 * // a handler that reads its route's parameters and the request
 * const post = Effect.map(HttpRouter.params, (params) => HttpServerResponse.text(`post ${params["id"]}`))
 * const asBob = post.pipe(Testing.runAs(Testing.principal("bob"), { request: "GET /posts/1", params: { id: "1" } }))
 * ```
 *
 * @since 1.0.0
 * @category combinators
 */
export const runAs = <const O extends RunAsOptions = RunAsOptions>(
  principal: Principal,
  options?: O
): <A, E, R>(
  self: Effect.Effect<A, E, R>
) => Effect.Effect<A, E, Exclude<R, CurrentUser | CurrentCredentials | RunAsOptions.Provided<O>>> =>
  internal.runAs(principal, options)

/**
 * @since 1.0.0
 * @category models
 */
export interface LayerOptions {
  /**
   * The app's `WWW-Authenticate` challenge(s), so that anonymous denials are 401s as in the app (by default none:
   * 403s). `(yield* AuthenticationBackend).challenges` gives a backend's.
   */
  readonly challenge?: string | ReadonlyArray<string> | undefined
}

/**
 * A backend that answers `principal` for every request: serve a whole app (middleware included) as that user. An
 * `HttpApi` app takes its backend when its Layer is built: provide this one where the app provides its own.
 *
 * @since 1.0.0
 * @category layers
 */
export const layer = (principal: Principal, options?: LayerOptions): Layer.Layer<AuthenticationBackend> =>
  AuthenticationBackend.layer(
    AuthenticationBackend.make(internal.authenticateAs(principal), { challenge: options?.challenge })
  )

/**
 * Arbitrary `SimpleUser`s (non-empty names, unicode included) for property tests (`it.prop`, `it.effect.prop`): an
 * Effect 4 `Arbitrary`, derived from a Schema.
 *
 * @since 1.0.0
 * @category arbitraries
 */
export const arbitraryUser: Arbitrary.Arbitrary<SimpleUser> = Arbitrary.map(
  Arbitrary.schema(Schema.String.check(Schema.isBetweenLength(1, 24))),
  (name) => new SimpleUser(name)
)

// short random names stand for scopes the app may not have declared: what a foreign token could carry
const randomScopes = Arbitrary.map(
  Arbitrary.array(Arbitrary.schema(Schema.String.check(Schema.isBetweenLength(1, 12))), { maxLength: 6 }),
  (scopes) => Array.from(new Set(scopes))
)

/**
 * Arbitrary credentials holding a subset of `scopes` (or of short random names).
 *
 * @since 1.0.0
 * @category arbitraries
 */
export const arbitraryCredentials = (scopes?: ReadonlyArray<AppScope>): Arbitrary.Arbitrary<AuthCredentials> =>
  Arbitrary.map(
    scopes === undefined ? randomScopes : internal.subsetOf(scopes),
    (granted) => new AuthCredentials(granted as ReadonlyArray<AppScope>)
  )

/**
 * @since 1.0.0
 * @category models
 */
export interface ArbitraryPrincipalOptions {
  /**
   * The users to draw from: the app's own (`[alice, bob]`, so that rules about a user's own data are exercised),
   * or an arbitrary of them. By default, arbitrary `SimpleUser`s.
   */
  readonly users?: ReadonlyArray<User> | Arbitrary.Arbitrary<User> | undefined
  /** The scopes to grant subsets of. By default, short random names. */
  readonly scopes?: ReadonlyArray<AppScope> | undefined
  /** Whether anonymous is drawn too (default `true`). */
  readonly anonymous?: boolean | undefined
}

/**
 * Arbitrary principals: anonymous, or a user with some of `scopes`. Give the app's own users and scopes as options
 * (`{ users: [alice, bob], scopes: ["editor"] }`), or the scopes alone.
 *
 * @since 1.0.0
 * @category arbitraries
 */
export const arbitraryPrincipal = (
  options?: ReadonlyArray<AppScope> | ArbitraryPrincipalOptions
): Arbitrary.Arbitrary<Principal> => {
  const { anonymous: withAnonymous = true, scopes, users }: ArbitraryPrincipalOptions = options === undefined
    ? {}
    : internal.isScopes(options)
    ? { scopes: options }
    : options
  const user: Arbitrary.Arbitrary<User> = internal.arbitraryUsers(users) ??
    arbitraryUser as unknown as Arbitrary.Arbitrary<User>
  const authenticated = Arbitrary.map(
    Arbitrary.all([user, arbitraryCredentials(scopes)]),
    ([user, credentials]): Principal => ({ _tag: "User", user, credentials })
  )
  return withAnonymous ? internal.either(Arbitrary.Constant(anonymous), authenticated) : authenticated
}

/**
 * @since 1.0.0
 * @category models
 */
export interface AccessTableOptions {
  /** The rows: `"METHOD /path"` (or `"/path"`, a GET), path parameters with sample values (`"PUT /articles/1"`). */
  readonly routes: ReadonlyArray<string>
  /** The columns: a name for each principal. */
  readonly principals: Readonly<Record<string, Principal>>
  /**
   * The app's `WWW-Authenticate` challenge(s), so that anonymous denials are 401s as in the app. By default, those
   * of the `AuthenticationBackend` in the context if there is one (provide the app's backend Layer); else none.
   */
  readonly challenge?: string | ReadonlyArray<string> | undefined
}

/**
 * The status each principal gets on each route: `{ "GET /dashboard": { anonymous: 403, alice: 200 } }`. The
 * requests run in memory through the whole app (middleware, routing, `requires`), each principal through a stand-in
 * backend that answers it; the app's challenges (from `challenge`, or the backend Layer provided) are kept, so are
 * its 401s. Snapshot the table (`expect(table).toMatchInlineSnapshot()`), and any change to who may reach what shows
 * up as a failing test.
 *
 * The app is an effect answering the request (an `HttpRouter.toHttpEffect` app behind `AuthenticationMiddleware`),
 * whose middleware reads the backend per request, or a `Layer` served by a router: routes with
 * `AuthenticationMiddleware.layer`, or an `HttpApi`'s layer without its backend (an `HttpApi` middleware takes its
 * backend when its Layer is built), built once per principal around the stand-in. It dies when no request of the
 * table reaches the stand-in, which would otherwise show the app's own backend (or no authentication at all) as if it
 * were the principals'. A row may be answered before authentication (a CSRF check refuses a POST without a token), a
 * whole table not.
 *
 * @since 1.0.0
 * @category testing
 */
export const accessTable: {
  <A, LE, LR>(
    app: Layer.Layer<A, LE, LR>,
    options: AccessTableOptions
  ): Effect.Effect<
    Record<string, Record<string, number>>,
    never,
    Exclude<
      | HttpRouter.Request.Only<"Requires", LR>
      | HttpRouter.Request.Only<"GlobalRequires", LR>
      | HttpRouter.Request.Without<LR>,
      AuthenticationBackend | HttpRouter.HttpRouter | HttpServerRequest.HttpServerRequest | Scope.Scope
    >
  >
  <E, R>(
    app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>,
    options: AccessTableOptions
  ): Effect.Effect<
    Record<string, Record<string, number>>,
    never,
    Exclude<R, AuthenticationBackend | HttpServerRequest.HttpServerRequest | Scope.Scope>
  >
} = internal.accessTable
