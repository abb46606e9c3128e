import * as SessionToken from "@effect-auth/core/SessionToken"
import * as Signing from "@effect-auth/core/Signing"
import type * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { KeyObject } from "node:crypto"
import { AuthCredentials } from "../AuthCredentials.js"
import type { AuthResult, WebSocketOrigins } from "../AuthenticationBackend.js"
import type { ServiceUnavailable } from "../AuthenticationError.js"
import type { NewSession, SessionStoreError, StoredSession } from "../SessionStore.js"
import { SessionStore } from "../SessionStore.js"
import type { Scope, User } from "../User.js"
import { SimpleUser } from "../User.js"
import * as cookieJar from "./cookieJar.js"
import { storeFailure } from "./storeFailure.js"

// `Session`'s options, worked out once, and its per-request reading of the cookie: what `Session.make` builds on.

/** `Session`'s options (re-exported there as `Session.Options`). */
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
  readonly maxAge?: Duration.Input | undefined
  /**
   * How long a session may go unused before it is refused (default 2 days, at most `maxAge`): the idle expiry,
   * which slides with use. The store writes it at most once an hour (a quarter of this timeout when shorter), so a
   * session may idle out up to that much earlier than its last request plus this timeout.
   */
  readonly idleTimeout?: Duration.Input | undefined
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

const defaultMaxAge = Duration.days(14)
// OWASP leaves idle timeouts to the app (minutes for banks, days for low-risk apps): two days lets a weekend go by
const defaultIdleTimeout = Duration.days(2)

/** The keys of `Session`'s `secret` (one or a list, newest first), each of 32 bytes or more, or a throw. */
export const toKeys = (
  secret: Redacted.Redacted<string> | ReadonlyArray<Redacted.Redacted<string>>
): ReadonlyArray<KeyObject> => {
  const secrets = Redacted.isRedacted(secret) ? [secret] : secret
  if (secrets.length === 0) throw new Error("Session: `secret` needs at least one key")
  return secrets.map((secret) => Signing.secretKey(Redacted.value(secret), "Session: a `secret` key"))
}

/** `Session.sign`: the value signed with the (first) key. */
export const sign = (value: string, secret: Redacted.Redacted<string>): string =>
  SessionToken.sign(toKeys(secret)[0]!, value)

/** `Session.verify`: the value a signed cookie value covers, if one of the keys signed it. */
export const verify = (
  signed: string,
  secret: Redacted.Redacted<string> | ReadonlyArray<Redacted.Redacted<string>>
): Option.Option<string> => Option.fromNullishOr(SessionToken.verify(toKeys(secret), signed))

const millisOf = (name: string, input: Duration.Input): number => {
  const duration = Duration.fromInputUnsafe(input)
  if (!Duration.isFinite(duration) || Duration.toMillis(duration) <= 0) {
    throw new Error(`Session: \`${name}\` must be finite and positive`)
  }
  return Math.ceil(Duration.toMillis(duration))
}

/** What `Session.make` works out from its options before any request, each checked here (or a throw). */
export interface Settings {
  readonly cookieName: string
  readonly cookie: cookieJar.CookieJar
  readonly websocketOrigins: WebSocketOrigins
  /** The lifetimes a new session gets. */
  readonly lifetimes: Pick<NewSession, "idleTimeout" | "absoluteTimeout">
  /** The token in a cookie value: the value itself, or what its signature covers (`undefined`: refused). */
  readonly tokenOf: (value: string | undefined) => string | undefined
  /** The cookie value of a token: the token itself, or signed with the newest key. */
  readonly cookieOf: (token: string) => string
}

/** {@link Settings} from `Session`'s options. */
export const settingsOf = <R>(options: Options<R>): Settings => {
  const keys = options.secret === undefined ? undefined : toKeys(options.secret)
  const cookieName = options.cookieName ?? "session"
  const maxAgeMillis = millisOf("maxAge", options.maxAge ?? defaultMaxAge)
  const idleMillis = options.idleTimeout === undefined
    ? Math.min(maxAgeMillis, Duration.toMillis(defaultIdleTimeout))
    : millisOf("idleTimeout", options.idleTimeout)
  SessionStore.checkLifetimes(idleMillis, maxAgeMillis)
  return {
    cookieName,
    cookie: cookieJar.make({
      owner: "Session",
      name: cookieName,
      hostPrefix: false,
      secure: options.secure ?? "auto",
      sameSite: options.sameSite ?? "lax",
      path: options.path ?? "/",
      domain: options.domain,
      maxAge: Duration.millis(maxAgeMillis)
    }),
    websocketOrigins: options.websocketOrigins ?? "same-origin",
    lifetimes: { idleTimeout: idleMillis, absoluteTimeout: maxAgeMillis },
    // a session's later requests cost a SHA-256 instead of an HMAC per key; the keys come with the settings, so a
    // rotation (new settings) remembers nothing signed before it
    tokenOf: keys === undefined ? (value) => value : SessionToken.verifier(keys),
    cookieOf: keys === undefined ? (token) => token : (token) => SessionToken.sign(keys[0]!, token)
  }
}

/** The app's user for a session's user id: `options.toUser` in the app's context; `undefined` for the default. */
export const toUserOf = <R>(
  toUser: Options<R>["toUser"],
  context: Context.Context<R>
): ((userId: string) => Effect.Effect<Option.Option<User>, SessionStoreError>) | undefined =>
  toUser === undefined ? undefined : (userId) => Effect.provideContext(toUser(userId), context)

/** The scopes `login` grants, frozen. */
export const toScopes = (scopes: AuthCredentials | ReadonlyArray<string> | undefined): ReadonlyArray<string> =>
  scopes === undefined ? [] : scopes instanceof AuthCredentials ? scopes.scopes : Object.freeze(Array.from(scopes))

const none: Effect.Effect<AuthResult> = Effect.succeed(Option.none())
const sessionMethod = { method: "session" } as const
// a store that cannot be reached is a fault the client can retry, never a refusal: logged, and 503 (made once)
const storeUnavailable = storeFailure("SessionStore")
const rejected = Effect.andThen(Effect.logDebug("Session cookie ignored: not signed with a known key"), none)
const unknown = Effect.andThen(
  Effect.logDebug("Session cookie ignored: malformed, or no such live session (unknown, revoked, idle or expired)"),
  none
)

// what a session answers: made once per stored session (a store answers the same object until it writes it again)
// with the default user, so that such a request allocates nothing; with the app's `toUser`, the credentials only,
// and the user looked up on every request (it may have changed since)
type Answer = Effect.Effect<AuthResult, ServiceUnavailable>
const answers = (
  toUser: ((userId: string) => Effect.Effect<Option.Option<User>, SessionStoreError>) | undefined
): (session: StoredSession) => Answer => {
  // the store holds what `login` granted, which were the app's scopes
  const credentialsOf = (session: StoredSession) =>
    new AuthCredentials(session.scopes as ReadonlyArray<Scope>, sessionMethod)
  if (toUser === undefined) {
    const made = new WeakMap<StoredSession, Answer>()
    return (session) => {
      let answer = made.get(session)
      if (answer === undefined) {
        made.set(
          session,
          answer = Effect.succeed(Option.some([credentialsOf(session), new SimpleUser(session.userId)] as const))
        )
      }
      return answer
    }
  }
  const made = new WeakMap<StoredSession, AuthCredentials>()
  return (session) => {
    let credentials = made.get(session)
    if (credentials === undefined) made.set(session, credentials = credentialsOf(session))
    const granted = credentials
    return Effect.matchEffect(toUser(session.userId), {
      onFailure: storeUnavailable,
      onSuccess: (user) => user._tag === "None" ? none : Effect.succeed(Option.some([granted, user.value] as const))
    })
  }
}

/**
 * The session backend's `authenticate`: no cookie, a badly signed one, or no live session is anonymous; a store
 * failure is logged and answered `ServiceUnavailable`. `toUser` undefined: the default user, a `SimpleUser` of the id.
 */
export const authenticate = (
  settings: Settings,
  store: SessionStore.Service,
  toUser: ((userId: string) => Effect.Effect<Option.Option<User>, SessionStoreError>) | undefined
): Effect.Effect<AuthResult, ServiceUnavailable, HttpServerRequest.HttpServerRequest> => {
  const answerOf = answers(toUser)
  // one step after the store's answer: its failure or its session
  const found = {
    onFailure: storeUnavailable,
    onSuccess: (session: Option.Option<StoredSession>) => session._tag === "None" ? unknown : answerOf(session.value)
  }
  return Effect.flatMap(
    HttpServerRequest.HttpServerRequest,
    (request): Effect.Effect<AuthResult, ServiceUnavailable> => {
      const value = settings.cookie.read(request)
      if (value === undefined) return none
      const token = settings.tokenOf(value)
      if (token === undefined) return rejected
      return Effect.matchEffect(store.authenticate(token), found)
    }
  )
}

/** The request's live session, if its cookie opens one (no store read without a cookie, or with a refused one). */
export const sessionOf = (settings: Settings, store: SessionStore.Service) => {
  const noSession: Effect.Effect<Option.Option<StoredSession>> = Effect.succeed(Option.none())
  return (
    request: HttpServerRequest.HttpServerRequest
  ): Effect.Effect<Option.Option<StoredSession>, SessionStoreError> => {
    const token = settings.tokenOf(settings.cookie.read(request))
    return token === undefined ? noSession : store.authenticate(token)
  }
}
