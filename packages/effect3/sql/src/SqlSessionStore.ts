/**
 * The `SessionStore` in SQL: one row per session, the secret's SHA-256 only; optionally a cache in memory that other
 * instances invalidate (PostgreSQL's LISTEN/NOTIFY), so that a request costs no query and a revocation is seen
 * everywhere at once.
 *
 * @since 0.2.0
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SessionStore, SessionStoreError } from "effect-auth/SessionStore"
import * as Effect from "effect/Effect"
import * as internal from "./internal/sessionStore.js"

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

/**
 * A cache of at most `cacheSize` sessions (10,000 unless given), for an invalidation subscriber to reach and then
 * for {@link make}: made first, so that each is given what it needs and nothing is wired afterwards.
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeCache = (options?: { readonly cacheSize?: number | undefined }): Effect.Effect<Cache> =>
  Effect.sync(() => new internal.SessionCache(options?.cacheSize ?? internal.defaultCacheSize))

/**
 * The store over the `SqlClient` in context, on the tables of `Migrations`; with `invalidation`, sessions are kept
 * in `cache` (see {@link makeCache}).
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options = {}): Effect.Effect<SessionStore.Service, never, SqlClient.SqlClient> =>
  internal.make(options, undefined)
