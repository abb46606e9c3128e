/**
 * Where server-side sessions live: session id -> who logged in, with which scopes, until when.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import type { User } from "./User.js"

/**
 * One session: the user and the scopes granted at login, and when it was created and expires
 * (milliseconds since the epoch, read from Effect's `Clock`, so `TestClock` drives them in tests).
 *
 * The expiry is absolute and lives in the record itself, so a store needs no separate time-to-live:
 * a store that has one (a Redis `EXPIRE`, an SQL `expires_at` column) derives it from `expiresAt`.
 * The memory store keeps the `user` object as it is; persistent stores encode it (with a Schema for
 * the app's user type).
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionData {
  readonly user: User
  readonly scopes: ReadonlyArray<string>
  readonly createdAt: number
  readonly expiresAt: number
}

/**
 * A store could not be read or written (a database down, a query refused). It never leaves the process:
 * the session backend turns it into a defect (logged in full by `AuthenticationMiddleware`, a generic 500
 * for the client), and `login`/`logout` leave it in the handler's error channel.
 *
 * @since 0.1.0
 * @category errors
 */
export class SessionStoreError extends Data.TaggedError("SessionStoreError")<{
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * The store's operations. A store must never answer a session whose `expiresAt` is past (by Effect's `Clock`),
 * so that the session backend trusts what `get` answers without reading the clock again.
 *
 * @since 0.1.0
 * @category models
 */
export interface SessionStoreService {
  /** The session with this id, or `None` when there is none or it has expired. */
  readonly get: (id: string) => Effect.Effect<Option.Option<SessionData>, SessionStoreError>
  /** Stores (or replaces) a session, kept until its `expiresAt`. */
  readonly set: (id: string, session: SessionData) => Effect.Effect<void, SessionStoreError>
  /** Forgets a session; deleting an unknown id succeeds. */
  readonly delete: (id: string) => Effect.Effect<void, SessionStoreError>
}

/**
 * @since 0.1.0
 * @category models
 */
export interface SessionStoreMemoryOptions {
  /** How often, at most, a `set` also sweeps every expired session out (default: once a minute). */
  readonly sweepIntervalMillis?: number | undefined
}

const makeMemory = (options?: SessionStoreMemoryOptions): Effect.Effect<SessionStoreService> =>
  Effect.sync(() => {
    const sessions = new Map<string, SessionData>()
    const sweepInterval = options?.sweepIntervalMillis ?? 60_000
    let lastSweep = -Infinity
    return {
      get: (id) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          const session = sessions.get(id)
          if (session === undefined) return Option.none()
          if (session.expiresAt <= now) {
            sessions.delete(id)
            return Option.none()
          }
          return Option.some(session)
        }),
      set: (id, session) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          if (now - lastSweep >= sweepInterval) {
            lastSweep = now
            for (const [key, value] of sessions) {
              if (value.expiresAt <= now) sessions.delete(key)
            }
          }
          if (session.expiresAt > now) sessions.set(id, session)
          else sessions.delete(id)
        }),
      delete: (id) => Effect.sync(() => void sessions.delete(id))
    }
  })

/**
 * The store of server-side sessions that `Session` reads and writes.
 *
 * @example
 * ```ts
 * import { SessionStore } from "effect-auth/SessionStore"
 *
 * const StoreLive = SessionStore.layerMemory
 * ```
 *
 * @since 0.1.0
 * @category tags
 */
export class SessionStore extends Context.Tag("effect-auth/SessionStore")<SessionStore, SessionStoreService>() {
  /**
   * An in-memory store (a `Map`), for one process: sessions are lost on restart and not shared between
   * instances. Expired sessions are never answered: `get` drops one it meets, and a `set` sweeps all of them
   * out at most once per `sweepIntervalMillis`, so the map does not grow with sessions that nobody asks for again.
   *
   * @since 0.1.0
   * @category constructors
   */
  static makeMemory(options?: SessionStoreMemoryOptions): Effect.Effect<SessionStoreService> {
    return makeMemory(options)
  }

  /**
   * An in-memory store (see {@link SessionStore.makeMemory}); each build of the layer has its own map.
   *
   * @since 0.1.0
   * @category layers
   */
  static readonly layerMemory: Layer.Layer<SessionStore> = Layer.effect(SessionStore, makeMemory())

  /**
   * An in-memory store with options (see {@link SessionStore.makeMemory}).
   *
   * @since 0.1.0
   * @category layers
   */
  static layerMemoryWith(options: SessionStoreMemoryOptions): Layer.Layer<SessionStore> {
    return Layer.effect(SessionStore, makeMemory(options))
  }
}
