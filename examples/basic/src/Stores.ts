/**
 * Where the example keeps its users, sessions and failed-login counts, for the server (main.ts) and the command line
 * (cli.ts) alike: PostgreSQL when `DATABASE_URL` is set (several instances sharing it), otherwise an SQLite file in
 * the app's data folder (`examples/basic/.data/effect-auth.sqlite`, or `SQLITE_FILE`), created on first start.
 */
import * as Pg from "@effect-auth/sql/Pg"
import * as Sqlite from "@effect-auth/sql/Sqlite"
import type { UserStore } from "@effect-auth/sql/UserStore"
import type * as Migrator from "@effect/sql/Migrator"
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import type { ConfigError } from "effect"
import { Config, Effect, Layer } from "effect"
import type { Throttle } from "effect-auth"
import type { SessionStore } from "effect-auth/SessionStore"
import { fileURLToPath } from "node:url"

/** What every layer of stores provides: the three stores and the client they use. */
export type Stores = SessionStore | Throttle.ThrottleStore | UserStore | SqlClient.SqlClient

/** The errors of building them: a database that cannot be reached or migrated, or a setting that cannot be read. */
export type StoresError = Migrator.MigrationError | SqlError | ConfigError.ConfigError

// beside the app's sources, whatever the working directory: `pnpm start` and `pnpm cli` open the same file
const defaultFile = fileURLToPath(new URL("../.data/effect-auth.sqlite", import.meta.url))

/** Where the stores are, as the environment says: `{ _tag: "Pg" }` or the SQLite file's path. */
export const location = Effect.gen(function*() {
  const url = yield* Pg.databaseUrl
  if (url !== undefined) return { _tag: "Pg", url } as const
  const filename = yield* Effect.orDie(Config.withDefault(Config.string("SQLITE_FILE"), defaultFile))
  return { _tag: "Sqlite", filename } as const
})

/** The stores where {@link location} says, their tables created (and the SQLite file and its folder) if missing. */
export const layer: Layer.Layer<Stores, StoresError> = Layer.unwrapEffect(
  Effect.map(
    location,
    (where): Layer.Layer<Stores, StoresError> =>
      where._tag === "Pg" ? Pg.layer({ url: where.url }) : Sqlite.layer({ filename: where.filename })
  )
)

/** A line that says where the stores are, for a banner (never the database's password). */
export const describe = Effect.map(location, (where) =>
  where._tag === "Pg"
    ? "PostgreSQL (DATABASE_URL): instances sharing it share users, sessions and throttles"
    : `SQLite file ${where.filename} (set DATABASE_URL for PostgreSQL)`)
