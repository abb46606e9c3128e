/**
 * The tables of users, sessions and throttles, as plain SQL per dialect, written once for both Effect lines: each
 * line's SQL package runs these statements, in order, through its own migrator.
 *
 * @since 0.3.0
 */

/**
 * The databases the schema is written for.
 *
 * @since 0.3.0
 * @category models
 */
export type Dialect = "sqlite" | "pg"

/**
 * One migration: applied once, its statements in order, recorded under `id` and `name`.
 *
 * @since 0.3.0
 * @category models
 */
export interface Migration {
  readonly id: number
  readonly name: string
  readonly statements: ReadonlyArray<string>
}

// one portable schema for SQLite and PostgreSQL: TEXT and BIGINT only; times are epoch milliseconds from the
// caller's clock (so a test clock drives them), booleans 0/1, scopes a JSON array
const initial: ReadonlyArray<string> = [
  `CREATE TABLE effect_auth_users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    username_key TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  )`,
  `CREATE TABLE effect_auth_sessions (
    id TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    user_id TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    idle_timeout BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
  )`,
  `CREATE INDEX effect_auth_sessions_user ON effect_auth_sessions (user_id)`,
  `CREATE INDEX effect_auth_sessions_expires ON effect_auth_sessions (expires_at)`,
  `CREATE TABLE effect_auth_throttle (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    reset_at BIGINT NOT NULL
  )`
]

const portable: ReadonlyArray<Migration> = [{ id: 1, name: "initial", statements: initial }]

/**
 * The migrations per dialect, in the order they apply. SQLite and PostgreSQL share one portable schema today; a
 * migration that needs a dialect's own SQL gives each its statements here, under the same id and name.
 *
 * @since 0.3.0
 * @category migrations
 */
export const migrations: { readonly [D in Dialect]: ReadonlyArray<Migration> } = {
  sqlite: portable,
  pg: portable
}

/**
 * The table the migrations are recorded in: one of its own, so that an app's own migrations keep theirs.
 *
 * @since 0.3.0
 * @category migrations
 */
export const table = "effect_auth_migrations"
