/**
 * The stores in an SQLite file: the embedded default, nothing to set up. For one instance (one process writes the
 * file; a command line may too, between requests): sessions are read through a second, read-only connection and kept
 * in memory while the file's `PRAGMA data_version` says no other connection wrote since, so a request with a known
 * session costs no query and a revocation from another process is seen at the next request.
 *
 * @since 0.2.0
 */
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as fs from "node:fs"
import * as path from "node:path"
import * as sqliteReader from "./internal/sqliteReader.js"
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
 * with the `SqlClient` they use (for an app's own tables). The folder is created 0700 and the file (with its `-wal`
 * and `-shm`) 0600: for its owner alone.
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
  return Layer.scopedContext(internal.make(options, { reader: sqliteReader.make(filename) })).pipe(
    Layer.provideMerge(Layer.unwrapEffect(Effect.sync(() => {
      create(filename)
      return SqliteClient.layer({ filename })
    })))
  )
}

// the folders made here are the owner's alone (0700), and so is the file (0600): it holds password hashes, and
// SQLite gives the `-wal` and `-shm` files it makes beside it the database file's mode. A folder or a file that
// exists already keeps its mode.
const create = (filename: string): void => {
  // in memory, or a temporary or URI database SQLite places itself
  if (filename === ":memory:" || filename === "" || filename.startsWith("file:")) return
  const file = path.resolve(filename)
  const first = fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  if (first !== undefined) {
    // the mode given to mkdir is narrowed by the umask; set it whole on each folder made
    for (let folder = path.dirname(file); folder.length >= first.length; folder = path.dirname(folder)) {
      fs.chmodSync(folder, 0o700)
    }
  }
  let fd: number
  try {
    // an empty file is an empty database
    fd = fs.openSync(file, "wx", 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return
    throw error
  }
  try {
    fs.fchmodSync(fd, 0o600)
  } finally {
    fs.closeSync(fd)
  }
}
