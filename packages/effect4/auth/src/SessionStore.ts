/**
 * Where server-side sessions live: a public id, the SHA-256 of a random secret, who logged in with which scopes,
 * and when the session idles out or ends.
 *
 * @since 1.0.0
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import * as internal from "./internal/sessionStore.js"
import { StoreError } from "./StoreError.js"

/**
 * One session as a store keeps it (times in milliseconds since the epoch, read from Effect's `Clock`, so that
 * `TestClock` drives them in tests). Nothing in it opens the session: the secret is not part of it, only its hash
 * in the store, so a session may be listed and logged.
 *
 * @since 1.0.0
 * @category models
 */
export interface StoredSession {
  /** The public id: safe to log and to show (`sessions list`); the cookie holds it before its secret. */
  readonly id: string
  /** Who logged in: the `identity` of the user, which `Session`'s `toUser` turns back into the app's user. */
  readonly userId: string
  /** The scopes granted at login. */
  readonly scopes: ReadonlyArray<string>
  readonly createdAt: number
  /** When the session was last seen, as written: at most once per touch interval (see {@link touchInterval}). */
  readonly lastSeenAt: number
  /** How long the session may go unused, in milliseconds. */
  readonly idleTimeout: number
  /** When the session ends however much it is used. */
  readonly expiresAt: number
}

/**
 * What a new session is made of: who, with which scopes, how long it may idle and how long it may last at most.
 *
 * @since 1.0.0
 * @category models
 */
export interface NewSession {
  readonly userId: string
  readonly scopes: ReadonlyArray<string>
  /** Milliseconds the session may go unused before it is refused (sliding). */
  readonly idleTimeout: number
  /** Milliseconds from login after which it is refused whatever its use (absolute). */
  readonly absoluteTimeout: number
}

/**
 * A session store could not be read or written (a database down, a query refused). It carries no HTTP status: the
 * session backend logs it and answers `ServiceUnavailable` (503, `Retry-After`), and left unhandled in a handler
 * (`login`, `logout`) it renders that same answer (see `StoreError`); its message never leaves the process.
 *
 * @since 1.0.0
 * @category errors
 */
export class SessionStoreError extends StoreError("SessionStoreError") {}

/**
 * @since 1.0.0
 */
export declare namespace SessionStore {
  /**
   * The store's operations. `authenticate` is the per-request one: a store answers only sessions that exist, are not
   * revoked and have not idled out or expired (by Effect's `Clock`), so that the session backend trusts its answer.
   *
   * @since 1.0.0
   * @category models
   */
  export interface Service {
    /**
     * Starts a new session (a fresh id and secret, never an old one) and answers it with the token for the cookie,
     * `<id>.<secret>`, of which the store keeps only the SHA-256 of the secret.
     */
    readonly create: (
      session: NewSession
    ) => Effect.Effect<readonly [token: Redacted.Redacted<string>, session: StoredSession], SessionStoreError>
    /**
     * The live session a token opens: `None` for a malformed token, an unknown id, a wrong secret (compared in constant
     * time), a revoked, idle or expired session. Slides the idle expiry, writing at most once per touch interval.
     */
    readonly authenticate: (token: string) => Effect.Effect<Option.Option<StoredSession>, SessionStoreError>
    /** Revokes one session by its id (log out); revoking an unknown id succeeds. */
    readonly revoke: (id: string) => Effect.Effect<void, SessionStoreError>
    /**
     * Revokes every session of a user ("log out everywhere", a password change, a disabled user), but the one whose
     * id is `except` when given (the session that changed the password).
     */
    readonly revokeUser: (userId: string, except?: string | undefined) => Effect.Effect<void, SessionStoreError>
    /** A user's live sessions, oldest first. */
    readonly list: (userId: string) => Effect.Effect<ReadonlyArray<StoredSession>, SessionStoreError>
  }

  /**
   * @since 1.0.0
   * @category models
   */
  export interface MemoryOptions {
    /** How often, at most, a `create` also sweeps out every session that is no longer live (default: once a minute). */
    readonly sweepIntervalMillis?: number | undefined
  }
}

/**
 * The store of server-side sessions that `Session` reads and writes. This package has the in-memory one;
 * `@effect-auth/sql` has SQLite and PostgreSQL ones.
 *
 * @example
 * ```ts
 * import { SessionStore } from "effect-auth/SessionStore"
 *
 * const StoreLive = SessionStore.layerMemory()
 * ```
 *
 * @since 1.0.0
 * @category tags
 */
export class SessionStore extends Context.Service<SessionStore, SessionStore.Service>()("effect-auth/SessionStore") {
  /**
   * A fresh token: a 16-byte public id and a 32-byte secret from `node:crypto`, base64url without padding, as
   * `[id, secret, token]` where the token, for the cookie, is `<id>.<secret>`.
   *
   * @since 1.0.0
   * @category tokens
   */
  static readonly makeToken: () => readonly [id: string, secret: string, token: Redacted.Redacted<string>] =
    internal.makeToken

  /**
   * The id and secret of a well-formed token (`<22 base64url>.<43 base64url>`), or `undefined`.
   *
   * @since 1.0.0
   * @category tokens
   */
  static readonly parseToken: (token: string) => readonly [id: string, secret: string] | undefined = internal.parseToken

  /**
   * The SHA-256 of a secret as a store keeps it (64 hex digits), so that a leaked table opens no session. The text
   * is hashed, not the bytes it decodes to, so a variant of its last character that decodes alike does not match.
   *
   * @since 1.0.0
   * @category tokens
   */
  static readonly hashSecret: (secret: string) => string = internal.hashSecret

  /**
   * A new session from what `create` is given, at `now`: the token (the cookie's value), the SHA-256 of its secret to
   * store, and the record. For stores.
   *
   * @since 1.0.0
   */
  static readonly newSession: (
    input: NewSession,
    now: number
  ) => readonly [token: Redacted.Redacted<string>, secretHash: string, session: StoredSession] = internal.newSession

  /**
   * Whether `secret` hashes to `storedHash`, compared in constant time.
   *
   * @since 1.0.0
   * @category tokens
   */
  static readonly secretMatches: (secret: string, storedHash: string) => boolean = internal.secretMatches

  /**
   * How long a session may go without its last-seen time being written again: an hour, or a quarter of its idle
   * timeout when that is shorter. The idle expiry slides by steps of this interval, and a session in use costs at
   * most one write per interval.
   *
   * @since 1.0.0
   * @category lifetimes
   */
  static readonly touchInterval: (idleTimeout: number) => number = internal.touchInterval

  /**
   * Whether a session is live at `now`: before its absolute expiry and before `lastSeenAt + idleTimeout`.
   *
   * @since 1.0.0
   * @category lifetimes
   */
  static readonly isLive: (session: StoredSession, now: number) => boolean = internal.isLive

  /**
   * The session with `lastSeenAt` moved to `now` when it was written a touch interval ago or more; `None` when no
   * write is due.
   *
   * @since 1.0.0
   * @category lifetimes
   */
  static readonly touch: (session: StoredSession, now: number) => Option.Option<StoredSession> = internal.touch

  /**
   * Checks a new session's lifetimes: whole milliseconds, 4 or more (a touch interval of at least 1), the idle one
   * no longer than the absolute one. Throws otherwise: wrong lifetimes are a bug in the caller's constants.
   *
   * @since 1.0.0
   * @category lifetimes
   */
  static readonly checkLifetimes: (idleTimeout: number, absoluteTimeout: number) => void = internal.checkLifetimes
  /**
   * An in-memory store (a `Map`), for one process: sessions are lost on restart and not shared between
   * instances. A session that is no longer live is never answered: `authenticate` drops one it meets, and a
   * `create` sweeps all of them out at most once per `sweepIntervalMillis`, so the map does not grow with sessions
   * that nobody asks for again.
   *
   * @since 1.0.0
   * @category constructors
   */
  static makeMemory(options?: SessionStore.MemoryOptions): Effect.Effect<SessionStore.Service> {
    return internal.makeMemory(options)
  }

  /**
   * An in-memory store (see {@link SessionStore.makeMemory}); each build of the layer has its own map.
   *
   * @since 1.0.0
   * @category layers
   */
  static layerMemory(options?: SessionStore.MemoryOptions): Layer.Layer<SessionStore> {
    return Layer.effect(SessionStore, internal.makeMemory(options))
  }
}
