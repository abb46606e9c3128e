/**
 * The tables of users, sessions and throttles, created at start-up by `@effect/sql`'s Migrator.
 *
 * @since 0.2.0
 */
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"

// one portable schema for SQLite and PostgreSQL: TEXT and BIGINT only; times are epoch milliseconds from Effect's
// Clock (so TestClock drives them), booleans 0/1, scopes a JSON array
const initial = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE effect_auth_users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    username_key TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  )`
  yield* sql`CREATE TABLE effect_auth_sessions (
    id TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    user_id TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    idle_timeout BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  )`
  yield* sql`CREATE INDEX effect_auth_sessions_user ON effect_auth_sessions (user_id)`
  yield* sql`CREATE INDEX effect_auth_sessions_expires ON effect_auth_sessions (expires_at)`
  yield* sql`CREATE TABLE effect_auth_throttle (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    reset_at BIGINT NOT NULL
  )`
})

/**
 * The migrations, for `Migrator.make`: applied in order, each once, recorded in `effect_auth_migrations` (a table
 * of its own, so that an app's own migrations keep theirs).
 *
 * @since 0.2.0
 * @category migrations
 */
export const loader: Migrator.Loader = Migrator.fromRecord({ "1_initial": initial })

/**
 * The table the migrations are recorded in.
 *
 * @since 0.2.0
 * @category migrations
 */
export const table = "effect_auth_migrations"

/**
 * Runs the migrations not applied yet. Instances starting together may race: the loser of the race finds them
 * applied; a first start where both create the record table at once is retried.
 *
 * @since 0.2.0
 * @category migrations
 */
export const run: Effect.Effect<
  ReadonlyArray<readonly [id: number, name: string]>,
  Migrator.MigrationError | SqlError,
  SqlClient.SqlClient
> = Migrator.make({})({ loader, table }).pipe(Effect.retry(Schedule.recurs(2)))
