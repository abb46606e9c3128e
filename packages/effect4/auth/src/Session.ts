/**
 * Server-side sessions behind a cookie: the cookie holds a public session id and a random secret, the session itself
 * (who, which scopes, until when) lives in a `SessionStore`, which keeps only the secret's SHA-256.
 *
 * @since 1.0.0
 */
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { AuthCredentials } from "./AuthCredentials.js"
import { AuthenticationBackend } from "./AuthenticationBackend.js"
import type { Options } from "./internal/session.js"
import * as internal from "./internal/session.js"
import type { SessionStoreError, StoredSession } from "./SessionStore.js"
import { SessionStore } from "./SessionStore.js"
import type { Scope, User } from "./User.js"

export type {
  /**
   * The session cookie's and the sessions' options: the signing `secret`, the cookie's attributes, the lifetimes,
   * the websocket origins and the app's user for a session's user id.
   *
   * @since 1.0.0
   * @category models
   */
  Options
} from "./internal/session.js"

// the secret of `Options`: one key, or a list of them, newest first
type Secret = Redacted.Redacted<string> | ReadonlyArray<Redacted.Redacted<string>>
// what logging in or out answers: the response, its cookie set or expired
type Responded<R> = Effect.Effect<HttpServerResponse.HttpServerResponse, SessionStoreError, R>

/**
 * @since 1.0.0
 */
export declare namespace Session {
  /**
   * The session backend with its options worked out once, and what handlers do with sessions.
   *
   * @since 1.0.0
   * @category models
   */
  export interface Service {
    /** The cookie's name. */
    readonly cookieName: string
    /**
     * The backend: no cookie, a malformed, badly signed or tampered one, or an unknown, revoked, idle or expired
     * session is anonymous (`None`), never an error; a valid one is the session's user and scopes. A store failure
     * is logged and answered `ServiceUnavailable` (503, `Retry-After`), its message never shown to the client.
     */
    readonly backend: AuthenticationBackend.Service
    /**
     * Logs `user` in with `scopes`: revokes the request's current session, so that a session known before login is
     * worthless after it, creates a new one for `user.identity` and sets its cookie on the response (`HttpOnly`,
     * `SameSite`, `Path`, `Max-Age`, and `Secure` as configured).
     */
    readonly login: (
      response: HttpServerResponse.HttpServerResponse,
      user: User,
      scopes?: AuthCredentials | ReadonlyArray<Scope>
    ) => Responded<HttpServerRequest.HttpServerRequest>
    /** Logs out: revokes the request's session and expires the cookie on the response. */
    readonly logout: (
      response: HttpServerResponse.HttpServerResponse
    ) => Responded<HttpServerRequest.HttpServerRequest>
    /** Logs out everywhere: revokes every session of the request's user and expires the cookie on the response. */
    readonly logoutEverywhere: (
      response: HttpServerResponse.HttpServerResponse
    ) => Responded<HttpServerRequest.HttpServerRequest>
    /**
     * The request's live session, if its cookie opens one: for what binds to a session (a CSRF token, keeping the
     * current session when a password changes: `revokeUser(userId, session.id)`).
     */
    readonly current: Effect.Effect<
      Option.Option<StoredSession>,
      SessionStoreError,
      HttpServerRequest.HttpServerRequest
    >
    /** The store the sessions live in. */
    readonly store: SessionStore.Service
  }
}

/**
 * A cookie value signed: `<value>.<base64url HMAC-SHA256 of the value>`.
 *
 * @since 1.0.0
 * @category signing
 */
export const sign: {
  (secret: Redacted.Redacted<string>): (value: string) => string
  (value: string, secret: Redacted.Redacted<string>): string
} = dual(2, internal.sign)

/**
 * The value in a signed cookie value (`<value>.<43 base64url>`) whose MAC, compared in constant time, was made
 * with one of `secret`; `None` otherwise.
 *
 * @since 1.0.0
 * @category signing
 */
export const verify: {
  (secret: Secret): (signed: string) => Option.Option<string>
  (signed: string, secret: Secret): Option.Option<string>
} = dual(2, internal.verify)

/**
 * The session service, from options checked once, here (an empty `secret` list, a key of fewer than 32 bytes, an
 * invalid cookie name, path or domain, a `maxAge` or `idleTimeout` that is not finite and positive, an
 * `idleTimeout` longer than `maxAge`, or `sameSite: "none"` with `secure: false` throw at once), with the
 * `SessionStore` it reads and writes. {@link layer} provides it.
 *
 * @since 1.0.0
 * @category constructors
 */
export const make = <R = never>(
  options: Options<R> = {}
): Effect.Effect<Session.Service, never, SessionStore | R> => {
  const settings = internal.settingsOf(options)
  const { cookie } = settings
  return Effect.map(Effect.context<SessionStore | R>(), (context): Session.Service => {
    const store = Context.get(context, SessionStore)
    const toUser = internal.toUserOf(options.toUser, context)
    const sessionOf = internal.sessionOf(settings, store)
    // revokes what the request's session leads to, then expires the cookie as it was set
    const end =
      (revoke: (session: StoredSession) => Effect.Effect<void, SessionStoreError>) =>
      (response: HttpServerResponse.HttpServerResponse) =>
        Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          const session = yield* sessionOf(request)
          if (session._tag === "Some") yield* revoke(session.value)
          return cookie.expire(request, response)
        })
    return {
      cookieName: settings.cookieName,
      store,
      backend: AuthenticationBackend.make(internal.authenticate(settings, store, toUser), {
        websocketOrigins: settings.websocketOrigins
      }),
      current: Effect.flatMap(HttpServerRequest.HttpServerRequest, sessionOf),
      login: (response, user, scopes) =>
        Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          // only a session the cookie opens is revoked: a session id alone is public, and must not log anyone out
          const previous = yield* sessionOf(request)
          if (previous._tag === "Some") yield* store.revoke(previous.value.id)
          const session = { ...settings.lifetimes, userId: user.identity, scopes: internal.toScopes(scopes) }
          const [token] = yield* store.create(session)
          return cookie.set(request, response, settings.cookieOf(Redacted.value(token)))
        }),
      logout: end((session) => store.revoke(session.id)),
      logoutEverywhere: end((session) => store.revokeUser(session.userId))
    }
  })
}

/**
 * Sessions: what handlers `yield*` to log users in and out (or use {@link login} and {@link logout}). {@link layer}
 * provides it together with the session backend.
 *
 * @since 1.0.0
 * @category tags
 */
export class Session extends Context.Service<Session, Session.Service>()("effect-auth/Session") {}

/**
 * Logs `user` in with `scopes` on `response` (see `Session.Service.login`).
 *
 * @example
 * ```ts
 * import { SimpleUser } from "effect-auth"
 * import * as Session from "effect-auth/Session"
 * import { HttpServerResponse } from "effect/http"
 *
 * const loggedIn = HttpServerResponse.redirect("/", { status: 303 }).pipe(
 *   Session.login(new SimpleUser("alice"), ["authenticated"])
 * )
 * ```
 *
 * @since 1.0.0
 * @category accessors
 */
export const login: {
  (user: User, scopes?: AuthCredentials | ReadonlyArray<Scope>): (
    response: HttpServerResponse.HttpServerResponse
  ) => Responded<HttpServerRequest.HttpServerRequest | Session>
  (
    response: HttpServerResponse.HttpServerResponse,
    user: User,
    scopes?: AuthCredentials | ReadonlyArray<Scope>
  ): Responded<HttpServerRequest.HttpServerRequest | Session>
} = dual(
  (args) => HttpServerResponse.isHttpServerResponse(args[0]),
  (response: HttpServerResponse.HttpServerResponse, user: User, scopes?: AuthCredentials | ReadonlyArray<Scope>) =>
    Effect.flatMap(Session, (session) => session.login(response, user, scopes))
)

/**
 * Logs the request's session out on `response` (see `Session.Service.logout`).
 *
 * @since 1.0.0
 * @category accessors
 */
export const logout = (
  response: HttpServerResponse.HttpServerResponse
): Responded<HttpServerRequest.HttpServerRequest | Session> =>
  Effect.flatMap(Session, (session) => session.logout(response))

/**
 * Logs the request's user out of every session on `response` (see `Session.Service.logoutEverywhere`).
 *
 * @since 1.0.0
 * @category accessors
 */
export const logoutEverywhere = (
  response: HttpServerResponse.HttpServerResponse
): Responded<HttpServerRequest.HttpServerRequest | Session> =>
  Effect.flatMap(Session, (session) => session.logoutEverywhere(response))

/**
 * The session service and its backend, from the `SessionStore`. Without `secret` the cookie holds the session's
 * token alone (`<id>.<secret>`); with it, the token signed.
 *
 * @example
 * ```ts
 * import { AuthenticationMiddleware, CurrentUser, Password, requires, SimpleUser } from "effect-auth"
 * import * as Session from "effect-auth/Session"
 * import { SessionStore } from "effect-auth/SessionStore"
 * import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
 * import { Effect, Layer, Redacted, Schema } from "effect"
 *
 * const LoginForm = Schema.Struct({ username: Schema.String, password: Schema.String })
 *
 * const Routes = Layer.mergeAll(
 *   HttpRouter.add(
 *     "POST",
 *     "/login",
 *     Effect.gen(function*() {
 *       const form = yield* HttpServerRequest.schemaBodyUrlParams(LoginForm)
 *       if (form.username !== "alice" || !Password.equals(form.password, "wonderland")) {
 *         return HttpServerResponse.text("Invalid username or password", { status: 401 })
 *       }
 *       return yield* HttpServerResponse.redirect("/", { status: 303 }).pipe(
 *         Session.login(new SimpleUser(form.username), ["authenticated"])
 *       )
 *     })
 *   ),
 *   HttpRouter.add("POST", "/logout", HttpServerResponse.redirect("/", { status: 303 }).pipe(Session.logout)),
 *   HttpRouter.add(
 *     "GET",
 *     "/me",
 *     Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName)).pipe(requires("authenticated"))
 *   )
 * )
 *
 * // one store, shared by the backend and the handlers, built once with the server
 * const AppLive = HttpRouter.serve(Routes.pipe(Layer.provide(AuthenticationMiddleware.layer))).pipe(
 *   Layer.provide(Session.layer({ secret: Redacted.make("a long random secret, from the environment!!") })),
 *   Layer.provide(SessionStore.layerMemory())
 * )
 * ```
 *
 * @since 1.0.0
 * @category layers
 */
export const layer = <R = never>(
  options: Options<R> = {}
): Layer.Layer<Session | AuthenticationBackend, never, SessionStore | R> =>
  Layer.effectContext(
    Effect.map(
      make(options),
      (session) => Context.make(Session, session).pipe(Context.add(AuthenticationBackend, session.backend))
    )
  )

/**
 * {@link layer}, its secret read from configuration with `Config.Redacted` (by default `SESSION_SECRET`; a
 * comma-separated list rotates keys, newest first). A missing or short secret fails start-up.
 *
 * @since 1.0.0
 * @category layers
 */
export const layerConfig = <R = never>(
  options: Omit<Options<R>, "secret"> & { readonly secret?: Config.Config<Redacted.Redacted<string>> | undefined }
): Layer.Layer<Session | AuthenticationBackend, Config.ConfigError, SessionStore | R> =>
  Layer.unwrap(
    Effect.map(options.secret ?? Config.Redacted("SESSION_SECRET"), (secret) => {
      const keys = Redacted.value(secret).split(",").map((key) => Redacted.make(key.trim()))
      return layer<R>({ ...options, secret: keys.length === 1 ? keys[0]! : keys })
    })
  )
