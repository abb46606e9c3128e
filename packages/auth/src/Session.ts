/**
 * A signed session cookie: the cookie holds a random session id and its HMAC, the session itself
 * (who, which scopes, until when) lives server-side in a `SessionStore`.
 *
 * @since 0.1.0
 */
import * as Cookies from "@effect/platform/Cookies"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { hasProperty } from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import type { KeyObject } from "node:crypto"
import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from "node:crypto"
import { AuthCredentials } from "./AuthCredentials.js"
import type { AuthResult, WebSocketOrigins } from "./AuthenticationBackend.js"
import { AuthenticationBackend } from "./AuthenticationBackend.js"
import type { SessionData, SessionStoreError, SessionStoreService } from "./SessionStore.js"
import { SessionStore } from "./SessionStore.js"
import type { User } from "./User.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The HMAC-SHA256 key(s) the cookie is signed with: 32 bytes or more each (shorter keys are refused when the
   * backend is built), best random and from the environment (`layerConfig`). With a list, cookies are
   * signed with the first and accepted when signed with any: put a new key first, keep the old ones after it
   * until the sessions they signed have expired, then drop them.
   */
  readonly secret: Redacted.Redacted<string> | ReadonlyArray<Redacted.Redacted<string>>
  /** The cookie's name (default `"session"`). */
  readonly cookieName?: string | undefined
  /** How long a session lasts from login, in the store and in the cookie's `Max-Age` (default 14 days). */
  readonly maxAge?: Duration.DurationInput | undefined
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
}

/**
 * @since 0.2.0
 */
export declare namespace Session {
  /**
   * The session backend with its options worked out once, and what handlers do with sessions: `login` and `logout`.
   *
   * @since 0.2.0
   * @category models
   */
  export interface Service {
    /** The cookie's name. */
    readonly cookieName: string
    /**
     * The backend: no cookie, a malformed, unsigned or tampered one, or an unknown or expired session is anonymous
     * (`None`), never an error; a valid one is the session's user and scopes. A store failure is a defect (logged by
     * the middleware, a generic 500), never shown to the client.
     */
    readonly backend: AuthenticationBackend.Service
    /**
     * Logs `user` in with `scopes`: creates a new session (deleting the request's current one, so that a session id
     * known before login is worthless after it), stores it and sets the cookie on the response (`HttpOnly`,
     * `SameSite`, `Path`, `Max-Age`, and `Secure` as configured).
     */
    readonly login: (
      response: HttpServerResponse.HttpServerResponse,
      user: User,
      scopes?: AuthCredentials | ReadonlyArray<string>
    ) => Effect.Effect<HttpServerResponse.HttpServerResponse, SessionStoreError, HttpServerRequest.HttpServerRequest>
    /** Logs out: deletes the request's session from the store and expires the cookie on the response. */
    readonly logout: (
      response: HttpServerResponse.HttpServerResponse
    ) => Effect.Effect<HttpServerResponse.HttpServerResponse, SessionStoreError, HttpServerRequest.HttpServerRequest>
  }
}

const idBytes = 32
// 32 bytes are 43 base64url characters (no padding); an HMAC-SHA256 is 32 bytes too
const token = /^[A-Za-z0-9_-]{43}$/
const signedLength = 43 + 1 + 43

// HMAC-SHA256's own output length: a shorter key is easier to guess than the MAC it makes (RFC 2104 §3)
const minSecretBytes = 32

const toKeys = (secret: Options["secret"]): ReadonlyArray<KeyObject> => {
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

const mac = (key: KeyObject, id: string): string => createHmac("sha256", key).update(id, "utf8").digest("base64url")

const signWith = (key: KeyObject, id: string): string => `${id}.${mac(key, id)}`

// the id of a well-formed cookie value whose MAC matches one of the keys, or undefined
const verifyWith = (keys: ReadonlyArray<KeyObject>, value: string | undefined): string | undefined => {
  if (value === undefined || value.length !== signedLength || value.charCodeAt(43) !== 0x2e /* . */) return undefined
  const id = value.slice(0, 43)
  const given = value.slice(44)
  if (!token.test(id) || !token.test(given)) return undefined
  // both are 43 ASCII characters; comparing the canonical base64url text (not decoded bytes) also refuses the
  // variants of the last character whose unused low bits a decoder would ignore
  const givenBytes = Buffer.from(given, "latin1")
  let valid = false
  for (const key of keys) {
    // every key is tried, so the time taken does not say which one matched
    if (timingSafeEqual(givenBytes, Buffer.from(mac(key, id), "latin1"))) valid = true
  }
  return valid ? id : undefined
}

/**
 * A new session id: 32 random bytes (`node:crypto`), base64url without padding.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeId = (): string => randomBytes(idBytes).toString("base64url")

/**
 * The cookie value for a session id: `<id>.<base64url HMAC-SHA256 of the id>`.
 *
 * @since 0.1.0
 * @category signing
 */
export const sign: {
  (secret: Redacted.Redacted<string>): (id: string) => string
  (id: string, secret: Redacted.Redacted<string>): string
} = dual(2, (id: string, secret: Redacted.Redacted<string>): string => signWith(toKeys(secret)[0]!, id))

/**
 * The session id in a cookie value, when the value is well formed (`<43 base64url>.<43 base64url>`) and its MAC,
 * compared in constant time, was made with one of `secret`; `None` otherwise.
 *
 * @since 0.1.0
 * @category signing
 */
export const verify: {
  (
    secret: Redacted.Redacted<string> | ReadonlyArray<Redacted.Redacted<string>>
  ): (value: string) => Option.Option<string>
  (
    value: string,
    secret: Redacted.Redacted<string> | ReadonlyArray<Redacted.Redacted<string>>
  ): Option.Option<string>
} = dual(
  2,
  (value: string, secret: Redacted.Redacted<string> | ReadonlyArray<Redacted.Redacted<string>>) =>
    Option.fromNullable(verifyWith(toKeys(secret), value))
)

const forwardedHttps = (header: string | undefined): boolean => {
  if (header === undefined) return false
  const comma = header.indexOf(",")
  return (comma === -1 ? header : header.slice(0, comma)).trim().toLowerCase() === "https"
}

const isTls = (request: HttpServerRequest.HttpServerRequest): boolean => {
  if (forwardedHttps(request.headers["x-forwarded-proto"])) return true
  const source = request.source
  // Node's IncomingMessage over a TLSSocket
  if (hasProperty(source, "socket") && hasProperty(source.socket, "encrypted")) return source.socket.encrypted === true
  // a web Request (Bun, Deno, workers)
  if (typeof Request !== "undefined" && source instanceof Request) return source.url.startsWith("https:")
  return false
}

const toScopes = (scopes: AuthCredentials | ReadonlyArray<string> | undefined): ReadonlyArray<string> =>
  scopes === undefined ? [] : scopes instanceof AuthCredentials ? scopes.scopes : Object.freeze(Array.from(scopes))

const none: Effect.Effect<AuthResult> = Effect.succeed(Option.none())
const sessionMethod = { method: "session" } as const

/**
 * The session service, from options checked once, here (an empty `secret` list, a key of fewer than 32 bytes, an
 * invalid cookie name, path or domain, a `maxAge` that is not finite and positive, or `sameSite: "none"` with
 * `secure: false` throw at once), with the `SessionStore` it reads and writes. {@link layer} provides it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options): Effect.Effect<Session.Service, never, SessionStore> => {
  const keys = toKeys(options.secret)
  const signingKey = keys[0]!
  const cookieName = options.cookieName ?? "session"
  const maxAge = Duration.decode(options.maxAge ?? Duration.days(14))
  if (!Duration.isFinite(maxAge) || Duration.toMillis(maxAge) <= 0) {
    throw new Error("Session: `maxAge` must be finite and positive")
  }
  const maxAgeMillis = Duration.toMillis(maxAge)
  const websocketOrigins = options.websocketOrigins ?? "same-origin"
  const secure = options.secure ?? "auto"
  const sameSite = options.sameSite ?? "lax"
  if (sameSite === "none" && secure === false) throw new Error("Session: `sameSite: \"none\"` needs `secure`")
  const path = options.path ?? "/"
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
    secure === "auto" ? isTls(request) : secure

  const rejected = Effect.zipRight(
    Effect.logDebug("Session cookie ignored: malformed or not signed with a known key"),
    none
  )
  const unknown = Effect.zipRight(Effect.logDebug("Session cookie ignored: no such session (unknown or expired)"), none)

  const authenticateWith = (store: SessionStoreService): Effect.Effect<
    AuthResult,
    never,
    HttpServerRequest.HttpServerRequest
  > =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const value = request.cookies[cookieName]
      if (value === undefined) return none
      const id = verifyWith(keys, value)
      if (id === undefined) return rejected
      return Effect.flatMap(
        Effect.orDie(store.get(id)),
        (session): Effect.Effect<AuthResult> =>
          session._tag === "None"
            ? unknown
            : Effect.succeed(
              Option.some([new AuthCredentials(session.value.scopes, sessionMethod), session.value.user] as const)
            )
      )
    })

  const service = (store: SessionStoreService): Session.Service => ({
    cookieName,
    backend: AuthenticationBackend.make(authenticateWith(store), { websocketOrigins }),
    login: (response, user, scopes) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const previous = verifyWith(keys, request.cookies[cookieName])
        if (previous !== undefined) yield* store.delete(previous)
        const now = yield* Clock.currentTimeMillis
        const id = makeId()
        const session: SessionData = {
          user,
          scopes: toScopes(scopes),
          createdAt: now,
          expiresAt: now + maxAgeMillis
        }
        yield* store.set(id, session)
        return HttpServerResponse.unsafeSetCookie(
          response,
          cookieName,
          signWith(signingKey, id),
          isSecure(request) ? setOptions.secure : setOptions.plain
        )
      }),
    logout: (response) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const id = verifyWith(keys, request.cookies[cookieName])
        if (id !== undefined) yield* store.delete(id)
        // the same Path, Domain, SameSite and Secure as when it was set, or the browser keeps the original
        return HttpServerResponse.expireCookie(
          response,
          cookieName,
          isSecure(request) ? expireOptions.secure : expireOptions.plain
        )
      })
  })

  return Effect.map(SessionStore, service)
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
  (user: User, scopes?: AuthCredentials | ReadonlyArray<string>): (
    response: HttpServerResponse.HttpServerResponse
  ) => Effect.Effect<
    HttpServerResponse.HttpServerResponse,
    SessionStoreError,
    HttpServerRequest.HttpServerRequest | Session
  >
  (
    response: HttpServerResponse.HttpServerResponse,
    user: User,
    scopes?: AuthCredentials | ReadonlyArray<string>
  ): Effect.Effect<
    HttpServerResponse.HttpServerResponse,
    SessionStoreError,
    HttpServerRequest.HttpServerRequest | Session
  >
} = dual(
  (args) => HttpServerResponse.isServerResponse(args[0]),
  (response: HttpServerResponse.HttpServerResponse, user: User, scopes?: AuthCredentials | ReadonlyArray<string>) =>
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
 * The session service and its backend, from the `SessionStore`.
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
export const layer = (options: Options): Layer.Layer<Session | AuthenticationBackend, never, SessionStore> =>
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
export const layerConfig = (
  options: Omit<Options, "secret"> & { readonly secret?: Config.Config<Redacted.Redacted<string>> | undefined }
): Layer.Layer<Session | AuthenticationBackend, ConfigError.ConfigError, SessionStore> =>
  Layer.unwrapEffect(
    Effect.map(options.secret ?? Config.redacted("SESSION_SECRET"), (secret) => {
      const keys = Redacted.value(secret).split(",").map((key) => Redacted.make(key.trim()))
      return layer({ ...options, secret: keys.length === 1 ? keys[0]! : keys })
    })
  )
