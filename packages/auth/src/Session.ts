/**
 * Server-side sessions behind a cookie: the cookie holds a public session id and a random secret, the session itself
 * (who, which scopes, until when) lives in a `SessionStore`, which keeps only the secret's SHA-256.
 *
 * @since 0.1.0
 */
import * as Cookies from "@effect/platform/Cookies"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { KeyObject } from "node:crypto"
import { createHmac, createSecretKey, timingSafeEqual } from "node:crypto"
import { AuthCredentials } from "./AuthCredentials.js"
import type { AuthResult, WebSocketOrigins } from "./AuthenticationBackend.js"
import { AuthenticationBackend } from "./AuthenticationBackend.js"
import { ServiceUnavailable } from "./AuthenticationError.js"
import { isSecureCookie } from "./internal/client.js"
import type { SessionStoreError, SessionStoreService, StoredSession } from "./SessionStore.js"
import { SessionStore } from "./SessionStore.js"
import type { Scope, User } from "./User.js"
import { SimpleUser } from "./User.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options<R = never> {
  /**
   * HMAC-SHA256 key(s) to sign the cookie with, on top of its secret (optional): 32 bytes or more each (shorter
   * keys are refused when the backend is built), best random and from the environment (`layerConfig`). The
   * session's own 32-byte secret already makes cookies unguessable; a signature lets a forged cookie be refused
   * without asking the store (no database query for made-up cookies). With a list, cookies are signed with the
   * first and accepted when signed with any: put a new key first, keep the old ones until their sessions expired.
   */
  readonly secret?: Redacted.Redacted<string> | ReadonlyArray<Redacted.Redacted<string>> | undefined
  /** The cookie's name (default `"session"`). */
  readonly cookieName?: string | undefined
  /**
   * How long a session lasts from login at most, in the store and in the cookie's `Max-Age` (default 14 days):
   * the absolute expiry.
   */
  readonly maxAge?: Duration.DurationInput | undefined
  /**
   * How long a session may go unused before it is refused (default 2 days, at most `maxAge`): the idle expiry,
   * which slides with use. The store writes it at most once an hour (a quarter of this timeout when shorter), so a
   * session may idle out up to that much earlier than its last request plus this timeout.
   */
  readonly idleTimeout?: Duration.DurationInput | undefined
  /**
   * Whether the cookie is `Secure` (default `"auto"`). `"auto"` sets it when the request came over TLS or says
   * `x-forwarded-proto: https`. That header is trusted as it comes: a client that forges it only makes its own
   * cookie stricter, but behind a TLS-terminating proxy that does not set it, `"auto"` leaves `Secure` off.
   * In production over HTTPS, say `true`.
   */
  readonly secure?: boolean | "auto" | undefined
  /** The cookie's `SameSite` (default `"lax"`). `"none"` needs `Secure`, so it cannot go with `secure: false`. */
  readonly sameSite?: "lax" | "strict" | "none" | undefined
  /** The cookie's `Path` (default `"/"`). */
  readonly path?: string | undefined
  /** The cookie's `Domain` (default: none, the cookie goes back to the host that set it only). */
  readonly domain?: string | undefined
  /**
   * Which pages may open websockets with the session cookie (default `"same-origin"`): a browser sends the cookie
   * along from any site, so without this check a page elsewhere could open a websocket as the user.
   */
  readonly websocketOrigins?: WebSocketOrigins | undefined
  /**
   * The app's user for a session's user id (the `identity` of the user that logged in): `None` makes the request
   * anonymous (a user deleted since). By default a `SimpleUser` named by the id, which gives back the `SimpleUser`
   * that logged in. A lookup in a database costs a query per request unless it is cached.
   */
  readonly toUser?: ((userId: string) => Effect.Effect<Option.Option<User>, SessionStoreError, R>) | undefined
}

/**
 * @since 0.2.0
 */
export declare namespace Session {
  /**
   * The session backend with its options worked out once, and what handlers do with sessions.
   *
   * @since 0.2.0
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
    ) => Effect.Effect<HttpServerResponse.HttpServerResponse, SessionStoreError, HttpServerRequest.HttpServerRequest>
    /** Logs out: revokes the request's session and expires the cookie on the response. */
    readonly logout: (
      response: HttpServerResponse.HttpServerResponse
    ) => Effect.Effect<HttpServerResponse.HttpServerResponse, SessionStoreError, HttpServerRequest.HttpServerRequest>
    /** Logs out everywhere: revokes every session of the request's user and expires the cookie on the response. */
    readonly logoutEverywhere: (
      response: HttpServerResponse.HttpServerResponse
    ) => Effect.Effect<HttpServerResponse.HttpServerResponse, SessionStoreError, HttpServerRequest.HttpServerRequest>
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
    readonly store: SessionStoreService
  }
}

// HMAC-SHA256 is 32 bytes: 43 base64url characters
const macLength = 43
const macPattern = /^[A-Za-z0-9_-]{43}$/

// HMAC-SHA256's own output length: a shorter key is easier to guess than the MAC it makes (RFC 2104 §3)
const minSecretBytes = 32

const defaultMaxAge = Duration.days(14)
// OWASP leaves idle timeouts to the app (minutes for banks, days for low-risk apps): two days lets a weekend go by
const defaultIdleTimeout = Duration.days(2)

const toKeys = (secret: Redacted.Redacted<string> | ReadonlyArray<Redacted.Redacted<string>>) => {
  const secrets = Redacted.isRedacted(secret) ? [secret] : secret
  if (secrets.length === 0) throw new Error("Session: `secret` needs at least one key")
  return secrets.map((secret) => {
    const bytes = Buffer.from(Redacted.value(secret), "utf8")
    if (bytes.length < minSecretBytes) {
      throw new Error(
        `Session: a \`secret\` key has ${bytes.length} bytes; it needs ${minSecretBytes} or more (HMAC-SHA256's ` +
          `output length), or the cookie signature can be guessed. Use e.g. \`openssl rand -base64 48\`.`
      )
    }
    return createSecretKey(bytes)
  })
}

const mac = (key: KeyObject, value: string): string =>
  createHmac("sha256", key).update(value, "utf8").digest("base64url")

const signWith = (key: KeyObject, value: string): string => `${value}.${mac(key, value)}`

// the value of a signed cookie whose MAC matches one of the keys, or undefined
const verifyWith = (keys: ReadonlyArray<KeyObject>, signed: string | undefined): string | undefined => {
  if (signed === undefined || signed.length <= macLength + 1) return undefined
  const dot = signed.length - macLength - 1
  if (signed.charCodeAt(dot) !== 0x2e /* . */) return undefined
  const value = signed.slice(0, dot)
  const given = signed.slice(dot + 1)
  if (!macPattern.test(given)) return undefined
  // 43 ASCII characters both; comparing the canonical base64url text (not decoded bytes) also refuses the
  // variants of the last character whose unused low bits a decoder would ignore
  const givenBytes = Buffer.from(given, "latin1")
  let valid = false
  for (const key of keys) {
    // every key is tried, so the time taken does not say which one matched
    if (timingSafeEqual(givenBytes, Buffer.from(mac(key, value), "latin1"))) valid = true
  }
  return valid ? value : undefined
}

/**
 * A cookie value signed: `<value>.<base64url HMAC-SHA256 of the value>`.
 *
 * @since 0.1.0
 * @category signing
 */
export const sign: {
  (secret: Redacted.Redacted<string>): (value: string) => string
  (value: string, secret: Redacted.Redacted<string>): string
} = dual(2, (value: string, secret: Redacted.Redacted<string>): string => signWith(toKeys(secret)[0]!, value))

/**
 * The value in a signed cookie value (`<value>.<43 base64url>`) whose MAC, compared in constant time, was made
 * with one of `secret`; `None` otherwise.
 *
 * @since 0.1.0
 * @category signing
 */
export const verify: {
  (
    secret: Redacted.Redacted<string> | ReadonlyArray<Redacted.Redacted<string>>
  ): (signed: string) => Option.Option<string>
  (
    signed: string,
    secret: Redacted.Redacted<string> | ReadonlyArray<Redacted.Redacted<string>>
  ): Option.Option<string>
} = dual(
  2,
  (signed: string, secret: Redacted.Redacted<string> | ReadonlyArray<Redacted.Redacted<string>>) =>
    Option.fromNullable(verifyWith(toKeys(secret), signed))
)

const toScopes = (scopes: AuthCredentials | ReadonlyArray<string> | undefined): ReadonlyArray<string> =>
  scopes === undefined ? [] : scopes instanceof AuthCredentials ? scopes.scopes : Object.freeze(Array.from(scopes))

const none: Effect.Effect<AuthResult> = Effect.succeed(Option.none())
const noSession: Effect.Effect<Option.Option<StoredSession>> = Effect.succeed(Option.none())
const sessionMethod = { method: "session" } as const
const storeUnavailable = Effect.fail(new ServiceUnavailable({ reason: "SessionStore unavailable", retryAfter: 1 }))

const millisOf = (name: string, input: Duration.DurationInput): number => {
  const duration = Duration.decode(input)
  if (!Duration.isFinite(duration) || Duration.toMillis(duration) <= 0) {
    throw new Error(`Session: \`${name}\` must be finite and positive`)
  }
  return Math.ceil(Duration.toMillis(duration))
}

/**
 * The session service, from options checked once, here (an empty `secret` list, a key of fewer than 32 bytes, an
 * invalid cookie name, path or domain, a `maxAge` or `idleTimeout` that is not finite and positive, an
 * `idleTimeout` longer than `maxAge`, or `sameSite: "none"` with `secure: false` throw at once), with the
 * `SessionStore` it reads and writes. {@link layer} provides it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <R = never>(
  options: Options<R> = {}
): Effect.Effect<Session.Service, never, SessionStore | R> => {
  const keys = options.secret === undefined ? undefined : toKeys(options.secret)
  const cookieName = options.cookieName ?? "session"
  const maxAgeMillis = millisOf("maxAge", options.maxAge ?? defaultMaxAge)
  const idleMillis = options.idleTimeout === undefined
    ? Math.min(maxAgeMillis, Duration.toMillis(defaultIdleTimeout))
    : millisOf("idleTimeout", options.idleTimeout)
  SessionStore.checkLifetimes(idleMillis, maxAgeMillis)
  const websocketOrigins = options.websocketOrigins ?? "same-origin"
  const secure = options.secure ?? "auto"
  const sameSite = options.sameSite ?? "lax"
  if (sameSite === "none" && secure === false) throw new Error("Session: `sameSite: \"none\"` needs `secure`")
  const path = options.path ?? "/"
  const maxAge = Duration.millis(maxAgeMillis)
  const base = {
    path,
    httpOnly: true,
    sameSite,
    ...(options.domain === undefined ? {} : { domain: options.domain })
  } as const
  // validate name, path, domain and Max-Age once, so that the per-request path can set the cookie unchecked
  const checked = Cookies.makeCookie(cookieName, "", { ...base, maxAge })
  if (checked._tag === "Left") throw new Error(`Session: invalid cookie options (${checked.left.reason})`)
  const setOptions = { secure: { ...base, maxAge, secure: true }, plain: { ...base, maxAge, secure: false } }
  const expireOptions = { secure: { ...base, secure: true }, plain: { ...base, secure: false } }
  const isSecure = (request: HttpServerRequest.HttpServerRequest): boolean =>
    secure === "auto" ? isSecureCookie(request) : secure
  // the token in a cookie value: the value itself, or what its signature covers
  const tokenOf = keys === undefined
    ? (value: string | undefined) => value
    : (value: string | undefined) => verifyWith(keys, value)
  const cookieOf = keys === undefined ? (token: string) => token : (token: string) => signWith(keys[0]!, token)
  const newSession = { idleTimeout: idleMillis, absoluteTimeout: maxAgeMillis }

  const rejected = Effect.zipRight(Effect.logDebug("Session cookie ignored: not signed with a known key"), none)
  const unknown = Effect.zipRight(
    Effect.logDebug("Session cookie ignored: malformed, or no such live session (unknown, revoked, idle or expired)"),
    none
  )

  return Effect.map(Effect.context<SessionStore | R>(), (context): Session.Service => {
    const store = Context.get(context, SessionStore)
    const toUser: (userId: string) => Effect.Effect<Option.Option<User>, SessionStoreError> =
      options.toUser === undefined
        ? (userId) => Effect.succeed(Option.some(new SimpleUser(userId)))
        : (userId) => Effect.provide(options.toUser!(userId), context)

    const sessionOf = (
      request: HttpServerRequest.HttpServerRequest
    ): Effect.Effect<Option.Option<StoredSession>, SessionStoreError> => {
      const token = tokenOf(request.cookies[cookieName])
      return token === undefined ? noSession : store.authenticate(token)
    }

    const authenticate: Effect.Effect<AuthResult, ServiceUnavailable, HttpServerRequest.HttpServerRequest> = Effect
      .flatMap(
        HttpServerRequest.HttpServerRequest,
        (request): Effect.Effect<AuthResult, ServiceUnavailable> => {
          const value = request.cookies[cookieName]
          if (value === undefined) return none
          const token = tokenOf(value)
          if (token === undefined) return rejected
          return Effect.catchAll(
            Effect.flatMap(store.authenticate(token), (session): Effect.Effect<AuthResult, SessionStoreError> => {
              if (session._tag === "None") return unknown
              return Effect.map(
                toUser(session.value.userId),
                (user): AuthResult =>
                  user._tag === "None"
                    ? Option.none()
                    // the store holds what `login` granted, which were the app's scopes
                    : Option.some(
                      [
                        new AuthCredentials(session.value.scopes as ReadonlyArray<Scope>, sessionMethod),
                        user.value
                      ] as const
                    )
              )
            }),
            // a store that cannot be reached is a fault the client can retry, never a refusal: logged here, 503 there
            (error) => Effect.zipRight(Effect.logError("SessionStore unavailable", error), storeUnavailable)
          )
        }
      )

    const expire = (request: HttpServerRequest.HttpServerRequest, response: HttpServerResponse.HttpServerResponse) =>
      // the same Path, Domain, SameSite and Secure as when it was set, or the browser keeps the original
      HttpServerResponse.expireCookie(
        response,
        cookieName,
        isSecure(request) ? expireOptions.secure : expireOptions.plain
      )

    return {
      cookieName,
      store,
      backend: AuthenticationBackend.make(authenticate, { websocketOrigins }),
      current: Effect.flatMap(HttpServerRequest.HttpServerRequest, sessionOf),
      login: (response, user, scopes) =>
        Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          // only a session the cookie opens is revoked: a session id alone is public, and must not log anyone out
          const previous = yield* sessionOf(request)
          if (previous._tag === "Some") yield* store.revoke(previous.value.id)
          const [token] = yield* store.create({ ...newSession, userId: user.identity, scopes: toScopes(scopes) })
          return HttpServerResponse.unsafeSetCookie(
            response,
            cookieName,
            cookieOf(Redacted.value(token)),
            isSecure(request) ? setOptions.secure : setOptions.plain
          )
        }),
      logout: (response) =>
        Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          const session = yield* sessionOf(request)
          if (session._tag === "Some") yield* store.revoke(session.value.id)
          return expire(request, response)
        }),
      logoutEverywhere: (response) =>
        Effect.gen(function*() {
          const request = yield* HttpServerRequest.HttpServerRequest
          const session = yield* sessionOf(request)
          if (session._tag === "Some") yield* store.revokeUser(session.value.userId)
          return expire(request, response)
        })
    }
  })
}

/**
 * Sessions: what handlers `yield*` to log users in and out (or use {@link login} and {@link logout}). {@link layer}
 * provides it together with the session backend.
 *
 * @since 0.2.0
 * @category tags
 */
export class Session extends Context.Tag("effect-auth/Session")<Session, Session.Service>() {}

/**
 * Logs `user` in with `scopes` on `response` (see `Session.Service.login`).
 *
 * @example
 * ```ts
 * import { SimpleUser } from "effect-auth"
 * import * as Session from "effect-auth/Session"
 * import { HttpServerResponse } from "@effect/platform"
 *
 * const loggedIn = HttpServerResponse.redirect("/", { status: 303 }).pipe(
 *   Session.login(new SimpleUser("alice"), ["authenticated"])
 * )
 * ```
 *
 * @since 0.1.0
 * @category accessors
 */
export const login: {
  (user: User, scopes?: AuthCredentials | ReadonlyArray<Scope>): (
    response: HttpServerResponse.HttpServerResponse
  ) => Effect.Effect<
    HttpServerResponse.HttpServerResponse,
    SessionStoreError,
    HttpServerRequest.HttpServerRequest | Session
  >
  (
    response: HttpServerResponse.HttpServerResponse,
    user: User,
    scopes?: AuthCredentials | ReadonlyArray<Scope>
  ): Effect.Effect<
    HttpServerResponse.HttpServerResponse,
    SessionStoreError,
    HttpServerRequest.HttpServerRequest | Session
  >
} = dual(
  (args) => HttpServerResponse.isServerResponse(args[0]),
  (response: HttpServerResponse.HttpServerResponse, user: User, scopes?: AuthCredentials | ReadonlyArray<Scope>) =>
    Effect.flatMap(Session, (session) => session.login(response, user, scopes))
)

/**
 * Logs the request's session out on `response` (see `Session.Service.logout`).
 *
 * @since 0.1.0
 * @category accessors
 */
export const logout = (
  response: HttpServerResponse.HttpServerResponse
): Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  SessionStoreError,
  HttpServerRequest.HttpServerRequest | Session
> => Effect.flatMap(Session, (session) => session.logout(response))

/**
 * Logs the request's user out of every session on `response` (see `Session.Service.logoutEverywhere`).
 *
 * @since 0.2.0
 * @category accessors
 */
export const logoutEverywhere = (
  response: HttpServerResponse.HttpServerResponse
): Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  SessionStoreError,
  HttpServerRequest.HttpServerRequest | Session
> => Effect.flatMap(Session, (session) => session.logoutEverywhere(response))

/**
 * The session service and its backend, from the `SessionStore`. Without `secret` the cookie holds the session's
 * token alone (`<id>.<secret>`); with it, the token signed.
 *
 * @example
 * ```ts
 * import { AuthenticationMiddleware, CurrentUser, Password, requires, SimpleUser } from "effect-auth"
 * import * as Session from "effect-auth/Session"
 * import { SessionStore } from "effect-auth/SessionStore"
 * import { HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
 * import { Effect, Layer, Redacted, Schema } from "effect"
 *
 * const LoginForm = Schema.Struct({ username: Schema.String, password: Schema.String })
 *
 * const router = HttpRouter.empty.pipe(
 *   HttpRouter.post(
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
 *   HttpRouter.post("/logout", HttpServerResponse.redirect("/", { status: 303 }).pipe(Session.logout)),
 *   HttpRouter.get(
 *     "/me",
 *     Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName)).pipe(requires("authenticated"))
 *   )
 * )
 *
 * // one store, shared by the backend and the handlers, built once with the server
 * const AppLive = HttpServer.serve(AuthenticationMiddleware(router)).pipe(
 *   Layer.provide(Session.layer({ secret: Redacted.make("a long random secret, from the environment!!") })),
 *   Layer.provide(SessionStore.layerMemory)
 * )
 * ```
 *
 * @since 0.1.0
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
 * {@link layer}, its secret read from configuration with `Config.redacted` (by default `SESSION_SECRET`; a
 * comma-separated list rotates keys, newest first). A missing or short secret fails start-up.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = <R = never>(
  options: Omit<Options<R>, "secret"> & { readonly secret?: Config.Config<Redacted.Redacted<string>> | undefined }
): Layer.Layer<Session | AuthenticationBackend, ConfigError.ConfigError, SessionStore | R> =>
  Layer.unwrapEffect(
    Effect.map(options.secret ?? Config.redacted("SESSION_SECRET"), (secret) => {
      const keys = Redacted.value(secret).split(",").map((key) => Redacted.make(key.trim()))
      return layer<R>({ ...options, secret: keys.length === 1 ? keys[0]! : keys })
    })
  )
