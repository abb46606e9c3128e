import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { createRequire } from "node:module"
import type { Reader, Row } from "./sessionStore.js"

/** What the reader uses of a `better-sqlite3` Database. */
interface Database {
  prepare(source: string): Statement
  close(): unknown
}

interface Statement {
  pluck(): Statement
  get(...parameters: ReadonlyArray<unknown>): unknown
}

type Driver = new(
  filename: string,
  options: { readonly readonly: boolean; readonly fileMustExist: boolean }
) => Database

// `better-sqlite3` is @effect/sql-sqlite-node's own driver, loaded from where that package finds it: the very copy
// SqliteClient uses, with no dependency of ours to keep in step with it
const loadDriver = (): Driver =>
  createRequire(createRequire(import.meta.url).resolve("@effect/sql-sqlite-node/SqliteClient"))(
    "better-sqlite3"
  ) as Driver

/**
 * A second connection to the SQLite file, read-only, that reads sessions at once (a prepared statement, microseconds,
 * where a query through the client costs tens of them) and says whether any other connection wrote since: `PRAGMA
 * data_version` changes on every commit by another connection (the layer's client, another process, the command
 * line), so that a cached row is trusted only while it cannot be stale. `undefined` for a database that another
 * connection cannot open (in memory, temporary, a URI), or when it cannot be opened: sessions are then read through
 * the client on every request, as before.
 */
export const make = (filename: string): Effect.Effect<Reader | undefined, never, Scope.Scope> => {
  if (filename === ":memory:" || filename === "" || filename.startsWith("file:")) return Effect.succeed(undefined)
  return Effect.acquireRelease(
    Effect.try(() => {
      const db = new (loadDriver())(filename, { readonly: true, fileMustExist: true })
      try {
        const version = db.prepare("PRAGMA data_version").pluck()
        const select = db.prepare("SELECT * FROM effect_auth_sessions WHERE id = ?")
        const reader: Reader = {
          version: () => version.get() as number,
          row: (id) => select.get(id) as Row | undefined
        }
        return { db, reader }
      } catch (error) {
        db.close()
        throw error
      }
    }).pipe(
      Effect.tapError((error) =>
        Effect.logWarning(
          "effect-auth/sql: could not open a second connection to the SQLite file; sessions are read through the " +
            "client on every request",
          error.error
        )
      ),
      Effect.option
    ),
    (opened) => Effect.sync(() => opened._tag === "Some" && opened.value.db.close())
  ).pipe(Effect.map((opened) => opened._tag === "Some" ? opened.value.reader : undefined))
}
