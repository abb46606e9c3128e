/**
 * A test kit: run handlers and apps as a given user, generate users and credentials for property tests, and build
 * the allow/deny table of an app's routes to snapshot, so that a privilege regression fails a test.
 *
 * @since 0.1.0
 */
import * as HttpApp from "@effect/platform/HttpApp"
import type * as HttpRouter from "@effect/platform/HttpRouter"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import { AuthCredentials } from "./AuthCredentials.js"
import type { Authenticate } from "./AuthenticationBackend.js"
import { AuthenticationBackend } from "./AuthenticationBackend.js"
import type { CurrentCredentials, CurrentUser } from "./CurrentUser.js"
import { Authentication } from "./CurrentUser.js"
import { provideAuthentication } from "./internal/provide.js"
import { SimpleUser, UnauthenticatedUser } from "./User.js"
import type { User } from "./User.js"

/**
 * Who a test acts as: a user and the scopes granted, or anonymous.
 *
 * @since 0.1.0
 * @category models
 */
export type Principal =
  | { readonly _tag: "Anonymous" }
  | { readonly _tag: "User"; readonly user: User; readonly credentials: AuthCredentials }

/**
 * @since 0.1.0
 * @category constructors
 */
export const anonymous: Principal = { _tag: "Anonymous" }

/**
 * A principal: a `SimpleUser` by name, or the app's own user, with the scopes granted.
 *
 * @since 0.1.0
 * @category constructors
 */
export const principal = (user: User | string, scopes: Iterable<string> = []): Principal => ({
  _tag: "User",
  user: typeof user === "string" ? new SimpleUser(user) as unknown as User : user,
  credentials: new AuthCredentials(scopes)
})

/**
 * Runs a handler (or a whole app) as `principal`, without a backend or a middleware: it sees `CurrentUser` and
 * `CurrentCredentials` as the middleware would set them.
 *
 * @example
 * ```ts
 * import { requires } from "effect-auth"
 * import * as Testing from "effect-auth/Testing"
 * import { Effect } from "effect"
 *
 * const handler = Effect.succeed("secret").pipe(requires("admin"))
 * const asAdmin = handler.pipe(Testing.runAs(Testing.principal("alice", ["admin"])))
 * ```
 *
 * @since 0.1.0
 * @category combinators
 */
export const runAs =
  (principal: Principal) =>
  <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, Exclude<R, CurrentUser | CurrentCredentials>> =>
    provideAuthentication(
      self,
      principal._tag === "Anonymous"
        ? new Authentication(new UnauthenticatedUser(), new AuthCredentials(), undefined)
        : new Authentication(principal.user, principal.credentials, undefined)
    )

/**
 * A backend that answers `principal` for every request: serve a whole app (middleware included) as that user.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (principal: Principal): Layer.Layer<AuthenticationBackend> =>
  AuthenticationBackend.layer(AuthenticationBackend.make(authenticateAs(principal)))

const authenticateAs = (principal: Principal): Authenticate =>
  Effect.succeed(
    principal._tag === "Anonymous" ? Option.none() : Option.some([principal.credentials, principal.user] as const)
  )

/**
 * Arbitrary `SimpleUser`s (non-empty names, unicode included) for property tests.
 *
 * @since 0.1.0
 * @category arbitraries
 */
export const arbitraryUser: FastCheck.Arbitrary<SimpleUser> = FastCheck
  .string({ minLength: 1, maxLength: 24, unit: "grapheme" })
  .map((name) => new SimpleUser(name))

/**
 * Arbitrary credentials holding a subset of `scopes` (or of short random names).
 *
 * @since 0.1.0
 * @category arbitraries
 */
export const arbitraryCredentials = (scopes?: ReadonlyArray<string>): FastCheck.Arbitrary<AuthCredentials> =>
  (scopes === undefined
    ? FastCheck.uniqueArray(FastCheck.string({ minLength: 1, maxLength: 12 }), { maxLength: 6 })
    : FastCheck.subarray([...scopes])).map((granted) => new AuthCredentials(granted))

/**
 * Arbitrary principals: anonymous, or a user with some of `scopes`.
 *
 * @since 0.1.0
 * @category arbitraries
 */
export const arbitraryPrincipal = (scopes?: ReadonlyArray<string>): FastCheck.Arbitrary<Principal> =>
  FastCheck.oneof(
    FastCheck.constant(anonymous),
    FastCheck.tuple(arbitraryUser, arbitraryCredentials(scopes)).map(([user, credentials]): Principal => ({
      _tag: "User",
      user: user as unknown as User,
      credentials
    }))
  )

/**
 * The `"METHOD /path"` of every route of a router, for {@link accessTable}. Path parameters stay as written
 * (`/users/:id`): give such routes with sample values yourself.
 *
 * @since 0.1.0
 * @category getters
 */
export const routesOf = <E, R>(router: HttpRouter.HttpRouter<E, R>): ReadonlyArray<string> =>
  Array.from(router.routes, (route) => `${route.method === "*" ? "GET" : route.method} ${route.path}`)

/**
 * The status each principal gets on each route: `{ "GET /dashboard": { anonymous: 403, alice: 200 } }`. The
 * requests run in memory through the whole app (middleware, routing, `requires`), each principal through a
 * backend that answers it (run it with the app's own backend Layer provided to keep that backend's challenges, and
 * so its 401s; only the authentication itself is replaced). Snapshot the table (`expect(table).toMatchInlineSnapshot()`), and any change to who may
 * reach what shows up as a failing test.
 *
 * @since 0.1.0
 * @category testing
 */
export const accessTable = <E, R>(
  app: HttpApp.Default<E, R>,
  options: {
    readonly routes: ReadonlyArray<string>
    readonly principals: Readonly<Record<string, Principal>>
  }
): Effect.Effect<
  Record<string, Record<string, number>>,
  never,
  Exclude<R, AuthenticationBackend | HttpServerRequest.HttpServerRequest | Scope.Scope>
> =>
  Effect.gen(function*() {
    const runtime = yield* Effect.runtime<
      Exclude<R, AuthenticationBackend | HttpServerRequest.HttpServerRequest | Scope.Scope>
    >()
    // the app's own backend, when one is provided, keeps its challenges (and so its 401s): only who is
    // authenticated is replaced
    const own = yield* Effect.serviceOption(AuthenticationBackend)
    const challenge = own._tag === "Some" ? own.value.challenges : []
    const table: Record<string, Record<string, number>> = {}
    for (const route of options.routes) {
      const space = route.indexOf(" ")
      const [method, path] = space === -1 ? ["GET", route] : [route.slice(0, space), route.slice(space + 1)]
      const row: Record<string, number> = {}
      for (const [name, principal] of Object.entries(options.principals)) {
        const handler = HttpApp.toWebHandlerRuntime(
          Runtime.provideService(
            runtime,
            AuthenticationBackend,
            AuthenticationBackend.make(authenticateAs(principal), { challenge })
          )
        )(app as HttpApp.Default<E, any>)
        const response = yield* Effect.promise(() => handler(new Request(`http://localhost${path}`, { method })))
        row[name] = response.status
      }
      table[route] = row
    }
    return table
  })
