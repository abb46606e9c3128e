import * as Pg from "@effect-auth/sql/Pg"
import * as Sqlite from "@effect-auth/sql/Sqlite"
import * as Statement from "@effect/sql/Statement"
import { Effect, Redacted } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"

// scrypt's lowest cost: the tests check what is stored, not how slow a guess is
export const logN = 10

/** A fresh SQLite file in a temporary folder, removed with the scope. */
export const tempFile = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "effect-auth-sql-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
).pipe(Effect.map((dir) => path.join(dir, "data", "auth.sqlite")))

export const sqlite = (filename: string) => Sqlite.layer({ filename, logN })

/** PostgreSQL's URL, when the tests may use one (`DATABASE_URL`); the PostgreSQL tests are skipped without it. */
export const databaseUrl = process.env["DATABASE_URL"]
export const skipPg = databaseUrl === undefined
if (skipPg) {
  console.warn("effect-auth/sql: DATABASE_URL is not set, so the PostgreSQL tests are skipped")
}

/**
 * An instance on the test database, on a channel of its own so that test files running at once do not mix. Its
 * heartbeat is a minute: on a busy machine a ping can go unheard for a while, and the cache would be off for that
 * while, so that a test of what a notification does would depend on the machine's speed (the tests of a lost
 * listener set their own).
 */
export const pg = (channel: string) =>
  Pg.layer({ url: Redacted.make(databaseUrl ?? ""), logN, channel, heartbeatMillis: 60_000 })

/** Counts the statements run by an effect (and the fibers it forks): `count()` answers how many so far. */
export const statementCounter = () => {
  let count = 0
  const counting = Statement.withTransformer((statement) => {
    count++
    return Effect.succeed(statement)
  })
  return { count: () => count, counting }
}
