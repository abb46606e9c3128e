/**
 * The `SessionStore` in SQL: one row per session, the secret's SHA-256 only; optionally a cache in memory that other
 * instances invalidate (PostgreSQL's LISTEN/NOTIFY), so that a request costs no query and a revocation is seen
 * everywhere at once.
 *
 * @since 0.2.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { StoredSession } from "effect-auth/SessionStore"
import { SessionStore, SessionStoreError } from "effect-auth/SessionStore"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/**
 * How instances tell each other that sessions were revoked. Messages are `s:<session id>`, `u:<user id>` (every
 * session of a user) and `*` (everything).
 *
 * @since 0.2.0
 * @category models
 */
export interface Invalidation {
  /** Tells every instance, this one included, to forget what a message names; resolves once it is sent. */
  readonly publish: (message: string) => Effect.Effect<void, SessionStoreError>
  /**
   * Whether messages are being received now: while not, the cache is bypassed (and was cleared), so that a lost
   * connection costs queries, never a stale answer.
   */
  readonly live: () => boolean
}

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** How instances invalidate each other's caches; without it, nothing is cached and every request reads the row. */
  readonly invalidation?: Invalidation | undefined
  /**
   * The cache the invalidation's subscriber reaches: made by {@link makeCache} and given to the subscriber first,
   * then here. A new one is made unless given.
   *
   * @since 0.3.0
   */
  readonly cache?: Cache | undefined
  /** Sessions kept in memory at most, when the cache is made here (10,000 unless given; about 1 KB each). */
  readonly cacheSize?: number | undefined
  /** How often, at most, a `create` also deletes the rows of sessions no longer live (once a minute unless given). */
  readonly sweepIntervalMillis?: number | undefined
}

/**
 * The sessions an instance keeps in memory, which invalidation messages reach: made by {@link makeCache}, given to
 * the subscriber of {@link Invalidation} and to {@link make}.
 *
 * @since 0.2.0
 * @category models
 */
export interface Cache {
  /** Applies one message (`s:<id>`, `u:<user id>`, `*`). */
  readonly invalidate: (message: string) => void
}

interface Row {
  readonly id: string
  readonly secret_hash: string
  readonly user_id: string
  readonly scopes: string
  readonly created_at: number | string | bigint
  readonly last_seen_at: number | string | bigint
  readonly idle_timeout: number | string | bigint
  readonly expires_at: number | string | bigint
}

interface Entry {
  readonly hash: string
  session: StoredSession
}

class SessionCache implements Cache {
  // insertion order is recency of the last database read: the first entry is the one read longest ago
  readonly entries = new Map<string, Entry>()
  // counts invalidations: a row read from the database is cached only if none arrived while it was read, or a
  // revocation published meanwhile could be overwritten by the older row
  generation = 0
  constructor(readonly size: number) {}
  readonly invalidate = (message: string): void => {
    this.generation++
    if (message.startsWith("s:")) this.entries.delete(message.slice(2))
    else if (message.startsWith("u:")) {
      const userId = message.slice(2)
      for (const [id, entry] of this.entries) {
        if (entry.session.userId === userId) this.entries.delete(id)
      }
    } else this.entries.clear()
  }
}

// PostgreSQL's BIGINT comes back as a string (pg does not guess how to fit 64 bits); SQLite's as a number
const toSession = (row: Row): StoredSession => ({
  id: row.id,
  userId: row.user_id,
  scopes: Object.freeze(JSON.parse(row.scopes) as Array<string>),
  createdAt: Number(row.created_at),
  lastSeenAt: Number(row.last_seen_at),
  idleTimeout: Number(row.idle_timeout),
  expiresAt: Number(row.expires_at)
})

const storeError = (message: string) => (cause: unknown) => new SessionStoreError({ message, cause })

// 10,000 sessions of about 1 KB: 10 MB at most, whatever the number of sessions in the table
const defaultCacheSize = 10_000

/**
 * A cache of at most `cacheSize` sessions (10,000 unless given), for an invalidation subscriber to reach and then
 * for {@link make}: made first, so that each is given what it needs and nothing is wired afterwards.
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeCache = (options?: { readonly cacheSize?: number | undefined }): Effect.Effect<Cache> =>
  Effect.sync(() => new SessionCache(options?.cacheSize ?? defaultCacheSize))

/**
 * The store over the `SqlClient` in context, on the tables of `Migrations`; with `invalidation`, sessions are kept
 * in `cache` (see {@link makeCache}).
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<SessionStore.Service, never, SqlClient.SqlClient> =>
  Effect.map(SqlClient.SqlClient, (sql) => {
    const invalidation = options.invalidation
    const given = options.cache
    if (given !== undefined && !(given instanceof SessionCache)) {
      throw new TypeError("SqlSessionStore.make: `cache` must be made by `SqlSessionStore.makeCache`")
    }
    const sessionCache = given ?? new SessionCache(options.cacheSize ?? defaultCacheSize)
    const { entries: cache, invalidate } = sessionCache
    const sweepInterval = options.sweepIntervalMillis ?? 60_000
    let lastSweep = -Infinity
    const publish = (message: string): Effect.Effect<void, SessionStoreError> =>
      invalidation === undefined ? Effect.void : invalidation.publish(message)
    // a revocation and its message are one transaction: the message is sent at the commit, and a failure between
    // them undoes the revocation (the caller gets the error), so that no instance keeps a revoked session cached
    const atomically = <A, E>(effect: Effect.Effect<A, E>) =>
      invalidation === undefined ? effect : sql.withTransaction(effect)

    const sweep = (now: number) =>
      sql`DELETE FROM effect_auth_sessions WHERE expires_at <= ${now} OR last_seen_at + idle_timeout <= ${now}`

    const read = (id: string, secret: string, now: number) =>
      Effect.gen(function*() {
        const before = sessionCache.generation
        const rows = yield* sql<Row>`SELECT * FROM effect_auth_sessions WHERE id = ${id}`
        const row = rows[0]
        if (row === undefined || !SessionStore.secretMatches(secret, row.secret_hash)) return Option.none()
        const session = toSession(row)
        if (!SessionStore.isLive(session, now)) return Option.none()
        const entry: Entry = { hash: row.secret_hash, session }
        if (invalidation !== undefined && invalidation.live() && before === sessionCache.generation) {
          cache.set(id, entry)
          if (cache.size > sessionCache.size) cache.delete(cache.keys().next().value!)
        }
        return Option.some(entry)
      })

    const live = (entry: Entry, now: number) =>
      Effect.gen(function*() {
        const touched = SessionStore.touch(entry.session, now)
        if (touched._tag === "Some") {
          // another instance may have written a later time; only ever move it forward
          yield* sql`UPDATE effect_auth_sessions SET last_seen_at = ${now}
            WHERE id = ${entry.session.id} AND last_seen_at < ${now}`
          entry.session = touched.value
        }
        return Option.some(entry.session)
      })

    const service: SessionStore.Service = {
      create: (input) =>
        Effect.gen(function*() {
          SessionStore.checkLifetimes(input.idleTimeout, input.absoluteTimeout)
          const now = yield* Clock.currentTimeMillis
          if (now - lastSweep >= sweepInterval) {
            lastSweep = now
            yield* sweep(now)
          }
          const [token, secretHash, session] = SessionStore.newSession(input, now)
          yield* sql`INSERT INTO effect_auth_sessions ${
            sql.insert({
              id: session.id,
              secret_hash: secretHash,
              user_id: session.userId,
              scopes: JSON.stringify(session.scopes),
              created_at: now,
              last_seen_at: now,
              idle_timeout: session.idleTimeout,
              expires_at: session.expiresAt
            })
          }`
          return [token, session] as const
        }).pipe(Effect.mapError(storeError("could not create a session"))),

      authenticate: (token) => {
        const parsed = SessionStore.parseToken(token)
        if (parsed === undefined) return Effect.succeedNone
        const [id, secret] = parsed
        return Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const cached = invalidation !== undefined && invalidation.live() ? cache.get(id) : undefined
          if (cached !== undefined) {
            if (!SessionStore.secretMatches(secret, cached.hash)) return Effect.succeedNone
            // live by the cache: no query. Not live by it: another instance may have seen it later, so read again
            if (SessionStore.isLive(cached.session, now)) return live(cached, now)
            cache.delete(id)
          }
          return Effect.flatMap(
            read(id, secret, now),
            (entry) => entry._tag === "None" ? Effect.succeedNone : live(entry.value, now)
          )
        }).pipe(Effect.mapError(storeError("could not read a session")))
      },

      revoke: (id) =>
        Effect.gen(function*() {
          yield* atomically(Effect.zipRight(sql`DELETE FROM effect_auth_sessions WHERE id = ${id}`, publish(`s:${id}`)))
          invalidate(`s:${id}`)
        }).pipe(Effect.mapError(storeError("could not revoke a session"))),

      revokeUser: (userId, except) =>
        Effect.gen(function*() {
          yield* atomically(Effect.zipRight(
            except === undefined
              ? sql`DELETE FROM effect_auth_sessions WHERE user_id = ${userId}`
              : sql`DELETE FROM effect_auth_sessions WHERE user_id = ${userId} AND id <> ${except}`,
            // the session kept is dropped from the other instances' caches too: they read it again once
            publish(`u:${userId}`)
          ))
          const kept = except === undefined ? undefined : cache.get(except)
          invalidate(`u:${userId}`)
          if (kept !== undefined) cache.set(except!, kept)
        }).pipe(Effect.mapError(storeError("could not revoke the sessions of a user"))),

      list: (userId) =>
        Effect.gen(function*() {
          const now = yield* Clock.currentTimeMillis
          const rows = yield* sql<Row>`SELECT * FROM effect_auth_sessions
            WHERE user_id = ${userId} AND expires_at > ${now} AND last_seen_at + idle_timeout > ${now}
            ORDER BY created_at, id`
          return rows.map(toSession)
        }).pipe(Effect.mapError(storeError("could not list sessions")))
    }
    return service
  })
