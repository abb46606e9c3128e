/**
 * The stores in an SQLite file: the embedded default, nothing to set up. For one instance (one process writes the
 * file; a command line may too, between requests): every request reads its session's row, microseconds in-process,
 * so a revocation from another process is seen at the next request.
 *
 * @since 0.2.0
 */
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as path from "node:path"
import * as internal from "./internal/stores.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** The database file: `data/effect-auth.sqlite` under the working directory unless given; created on first start. */
  readonly filename?: string | undefined
  /** scrypt's cost for new password hashes (see `Password.hash`); lower it in tests only. */
  readonly logN?: number | undefined
}

/**
 * The default database file, relative to the working directory.
 *
 * @since 0.2.0
 * @category constants
 */
export const defaultFilename = path.join("data", "effect-auth.sqlite")

/**
 * `SessionStore`, `ThrottleStore` and `UserStore` in an SQLite file, its folder and tables created on first start,
 * with the `SqlClient` they use (for an app's own tables).
 *
 * @example
 * ```ts
 * import * as Sqlite from "@effect-auth/sql/Sqlite"
 *
 * const StoresLive = Sqlite.layer({ filename: "data/app.sqlite" })
 * ```
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}) => {
  const filename = options.filename ?? defaultFilename
  return Layer.scopedContext(internal.make(options)).pipe(
    Layer.provideMerge(Layer.unwrapEffect(Effect.sync(() => {
      if (filename !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(filename)), { recursive: true })
      return SqliteClient.layer({ filename })
    })))
  )
}
