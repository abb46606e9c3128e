/**
 * The tables of users, sessions and throttles, created at start-up by `@effect/sql`'s Migrator.
 *
 * @since 0.2.0
 */
import * as SqlSchema from "@effect-auth/core/SqlSchema"
import * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"

// the statements are core's (`SqlSchema`), per dialect; a migration is one Effect that runs its dialect's, in order
const migration = (id: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const dialect = sql.onDialectOrElse({ pg: () => "pg" as const, orElse: () => "sqlite" as const })
    const statements = SqlSchema.migrations[dialect].find((migration) => migration.id === id)!.statements
    for (const statement of statements) yield* sql.unsafe(statement)
  })

/**
 * The migrations, for `Migrator.make`: applied in order, each once, recorded in `effect_auth_migrations` (a table
 * of its own, so that an app's own migrations keep theirs).
 *
 * @since 0.2.0
 * @category migrations
 */
export const loader: Migrator.Loader = Migrator.fromRecord(
  Object.fromEntries(SqlSchema.migrations.sqlite.map(({ id, name }) => [`${id}_${name}`, migration(id)]))
)

/**
 * The table the migrations are recorded in.
 *
 * @since 0.2.0
 * @category migrations
 */
export const table = SqlSchema.table

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
