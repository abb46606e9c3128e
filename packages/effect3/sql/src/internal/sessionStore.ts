import * as SqlClient from "@effect/sql/SqlClient"
import type { StoredSession } from "effect-auth/SessionStore"
import { SessionStore, SessionStoreError } from "effect-auth/SessionStore"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as SqlSessionStore from "../SqlSessionStore.js"

// `SqlSessionStore`'s implementation: the rows, the cache in memory, and the per-request read in one step

// 10,000 sessions of about 1 KB: 10 MB at most, whatever the number of sessions in the table
export const defaultCacheSize = 10_000

/** A session's row, as both dialects answer it. */
export interface Row {
  readonly id: string
  readonly secret_hash: string
  readonly user_id: string
  readonly scopes: string
  readonly created_at: number | string | bigint
  readonly last_seen_at: number | string | bigint
  readonly idle_timeout: number | string | bigint
  readonly expires_at: number | string | bigint
}

/**
 * How a dialect with a connection of its own (SQLite's, in-process) reads sessions at once, without the client: each
 * call is synchronous and throws when the database cannot be read.
 */
export interface Reader {
  /** A number that changes whenever another connection has committed a write (SQLite's `PRAGMA data_version`). */
  readonly version: () => number
  /** A session's row, as committed now. */
  readonly row: (id: string) => Row | undefined
}

interface Entry {
  readonly hash: string
  session: StoredSession
  // the answer for `session`, made when it is, so that a cached request allocates nothing
  answer: Effect.Effect<Option.Option<StoredSession>>
  // the reader's version when the row was read: a different one means another connection wrote since
  readonly version: number
}

export class SessionCache implements SqlSessionStore.Cache {
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
  readonly add = (id: string, entry: Entry): void => {
    this.entries.set(id, entry)
    if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!)
  }
}

// PostgreSQL's BIGINT comes back as a string (pg does not guess how to fit 64 bits); SQLite's as a number
export const toSession = (row: Row): StoredSession => ({
  id: row.id,
  userId: row.user_id,
  scopes: Object.freeze(JSON.parse(row.scopes) as Array<string>),
  createdAt: Number(row.created_at),
  lastSeenAt: Number(row.last_seen_at),
  idleTimeout: Number(row.idle_timeout),
  expiresAt: Number(row.expires_at)
})

const entryOf = (row: Row, version: number): Entry => {
  const session = toSession(row)
  return { hash: row.secret_hash, session, answer: Effect.succeedSome(session), version }
}

export const storeError = (message: string) => (cause: unknown) => new SessionStoreError({ message, cause })
const readError = storeError("could not read a session")

/**
 * `authenticate` over `sql`: with a cache that is trusted (`invalidation` live, or `reader`'s version unchanged
 * since the row was read), a live session that needs no write costs no query and one step; otherwise its row is
 * read (at once through `reader`, else through `sql`) and cached when it can be.
 */
export const authenticate = (
  sql: SqlClient.SqlClient,
  cache: SessionCache,
  invalidation: SqlSessionStore.Invalidation | undefined,
  reader: Reader | undefined
) => {
  const { entries } = cache
  // the entry a request may trust, if any
  const cached: (id: string) => Entry | undefined = reader !== undefined
    ? (id) => {
      const entry = entries.get(id)
      return entry !== undefined && entry.version === reader.version() ? entry : undefined
    }
    : invalidation !== undefined
    ? (id) => invalidation.live() ? entries.get(id) : undefined
    : () => undefined

  // the reader's read: synchronous, cached at once (nothing can be invalidated in between)
  const readNow = (id: string): Entry | undefined => {
    const version = reader!.version()
    const row = reader!.row(id)
    if (row === undefined) return undefined
    const entry = entryOf(row, version)
    cache.add(id, entry)
    return entry
  }

  // the client's read, cached only when an invalidation is live and none arrived meanwhile
  const read = (id: string) =>
    Effect.map(
      sql<Row>`SELECT * FROM effect_auth_sessions WHERE id = ${id}`,
      (rows) => rows[0] === undefined ? undefined : entryOf(rows[0], 0)
    )

  // a live session's answer: its last-seen time written when a touch is due (another instance may have written a
  // later time: it only ever moves forward)
  const answer = (entry: Entry, now: number): Effect.Effect<Option.Option<StoredSession>, SessionStoreError> => {
    const touched = SessionStore.touch(entry.session, now)
    if (touched._tag === "None") return entry.answer
    return Effect.map(
      Effect.mapError(
        sql`UPDATE effect_auth_sessions SET last_seen_at = ${now}
          WHERE id = ${entry.session.id} AND last_seen_at < ${now}`,
        readError
      ),
      () => {
        entry.session = touched.value
        entry.answer = Effect.succeedSome(touched.value)
        return Option.some(touched.value)
      }
    )
  }

  const fresh = (id: string, secret: string, now: number) => {
    if (reader !== undefined) {
      let entry: Entry | undefined
      try {
        entry = readNow(id)
      } catch (cause) {
        return Effect.fail(readError(cause))
      }
      return entry === undefined || !SessionStore.secretMatches(secret, entry.hash) ||
          !SessionStore.isLive(entry.session, now)
        ? Effect.succeedNone
        : answer(entry, now)
    }
    const before = cache.generation
    return Effect.flatMap(Effect.mapError(read(id), readError), (entry) => {
      if (entry === undefined || !SessionStore.secretMatches(secret, entry.hash)) return Effect.succeedNone
      if (!SessionStore.isLive(entry.session, now)) return Effect.succeedNone
      if (invalidation !== undefined && invalidation.live() && before === cache.generation) cache.add(id, entry)
      return answer(entry, now)
    })
  }

  return (token: string): Effect.Effect<Option.Option<StoredSession>, SessionStoreError> => {
    const parsed = SessionStore.parseToken(token)
    if (parsed === undefined) return Effect.succeedNone
    const [id, secret] = parsed
    return Effect.clockWith((clock) => {
      const now = clock.unsafeCurrentTimeMillis()
      let entry: Entry | undefined
      try {
        entry = cached(id)
      } catch (cause) {
        return Effect.fail(readError(cause))
      }
      if (entry === undefined) return fresh(id, secret, now)
      if (!SessionStore.secretMatches(secret, entry.hash)) return Effect.succeedNone
      // live by the cache: no query. Not live by it: another instance may have seen it later, so read again
      if (SessionStore.isLive(entry.session, now)) return answer(entry, now)
      entries.delete(id)
      return fresh(id, secret, now)
    })
  }
}

/**
 * `SqlSessionStore.make`, reading sessions through `reader` when given (the SQLite layer's own connection): its rows
 * are cached and trusted while no other connection has written since they were read.
 */
export const make = (
  options: SqlSessionStore.Options,
  reader: Reader | undefined
): Effect.Effect<SessionStore.Service, never, SqlClient.SqlClient> =>
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

      authenticate: authenticate(sql, sessionCache, invalidation, reader),

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
