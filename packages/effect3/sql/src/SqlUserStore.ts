/**
 * The `UserStore` in SQL: one row per user, a unique username compared without case, a scrypt hash. A password
 * change or a disabled user revokes the user's sessions in the same transaction.
 *
 * @since 0.3.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Password from "effect-auth/Password"
import { SessionStore } from "effect-auth/SessionStore"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { randomUUID } from "node:crypto"
import { InvalidUsername, StoredUser, UsernameTaken, UserNotFound, UserStore, UserStoreError } from "./UserStore.js"

/**
 * @since 0.3.0
 * @category models
 */
export interface Options {
  /** scrypt's cost for new hashes (see `Password.hash`); the default unless given. Lower it in tests only. */
  readonly logN?: number | undefined
}

interface Row {
  readonly id: string
  readonly username: string
  readonly password_hash: string
  readonly scopes: string
  readonly disabled: number | string | boolean
  readonly created_at: number | string | bigint
  readonly updated_at: number | string | bigint
}

const toUser = (row: Row): StoredUser =>
  new StoredUser({
    id: row.id,
    username: row.username,
    scopes: Object.freeze(JSON.parse(row.scopes) as Array<string>),
    disabled: Number(row.disabled) === 1,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at)
  })

// the same name typed differently (case, full-width letters, composed or not) is one name
const keyOf = (username: string): string => username.normalize("NFKC").toLowerCase()

const maxUsernameLength = 64
// control characters (C0, DEL, C1), line and paragraph separators, and the bidi controls that make a name read
// as another in a terminal or a log
const refused = /[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u

const checkUsername = (username: string): Effect.Effect<string, InvalidUsername> =>
  username.length === 0 || [...username].length > maxUsernameLength || refused.test(username) ||
    username.trim() !== username
    ? Effect.fail(new InvalidUsername({ username }))
    : Effect.succeed(username)

const storeError = (message: string) => (cause: unknown) => new UserStoreError({ message, cause })

/**
 * The store over the `SqlClient` in context, on the tables of `Migrations`, revoking sessions through the
 * `SessionStore` in context (so that other instances hear of it).
 *
 * @since 0.3.0
 * @category constructors
 */
export const make = (
  options: Options = {}
): Effect.Effect<UserStore.Service, never, SqlClient.SqlClient | SessionStore> =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const sessions = yield* SessionStore
    const hashOptions = options.logN === undefined ? undefined : { logN: options.logN }
    // checked against when the username is unknown, so that it takes a hash as long as a known one
    const dummy = yield* Effect.orDie(Password.hash("not a password of anyone", hashOptions))

    const findRow = (username: string) =>
      Effect.map(
        sql<Row>`SELECT * FROM effect_auth_users WHERE username_key = ${keyOf(username)}`,
        (rows) => Option.fromNullable(rows[0])
      )
    const existing = (username: string) =>
      Effect.flatMap(
        findRow(username),
        (row) => row._tag === "None" ? Effect.fail(new UserNotFound({ username })) : Effect.succeed(row.value)
      )
    const sqlError = <A, E, R>(message: string, effect: Effect.Effect<A, E, R>) =>
      Effect.catchTag(
        effect as Effect.Effect<A, E | { readonly _tag: "SqlError" }, R>,
        "SqlError",
        (cause) => Effect.fail(storeError(message)(cause))
      ) as Effect.Effect<
        A,
        Exclude<E, { readonly _tag: "SqlError" }> | UserStoreError,
        R
      >
    const revoke = (userId: string, keep?: string) =>
      Effect.mapError(sessions.revokeUser(userId, keep), storeError("could not revoke the user's sessions"))

    return UserStore.of({
      add: ({ password, scopes = [], username }) =>
        sqlError(
          "could not add a user",
          Effect.gen(function*() {
            yield* checkUsername(username)
            const passwordHash = yield* Password.hash(password, hashOptions)
            const now = yield* Clock.currentTimeMillis
            const user = new StoredUser({
              id: randomUUID(),
              username,
              scopes: Object.freeze(Array.from(scopes)),
              disabled: false,
              createdAt: now,
              updatedAt: now
            })
            // the unique index decides, so that two instances adding one name at once cannot both succeed
            const inserted = yield* sql<{ readonly id: string }>`INSERT INTO effect_auth_users ${
              sql.insert({
                id: user.id,
                username,
                username_key: keyOf(username),
                password_hash: passwordHash,
                scopes: JSON.stringify(user.scopes),
                disabled: 0,
                created_at: now,
                updated_at: now
              })
            } ON CONFLICT (username_key) DO NOTHING RETURNING id`
            if (inserted.length === 0) return yield* Effect.fail(new UsernameTaken({ username }))
            return user
          })
        ),
      find: (username) => sqlError("could not find a user", Effect.map(findRow(username), Option.map(toUser))),
      findById: (id) =>
        sqlError(
          "could not find a user",
          Effect.map(
            sql<Row>`SELECT * FROM effect_auth_users WHERE id = ${id}`,
            (rows) => Option.map(Option.fromNullable(rows[0]), toUser)
          )
        ),
      list: sqlError(
        "could not list users",
        Effect.map(sql<Row>`SELECT * FROM effect_auth_users ORDER BY username_key`, (rows) => rows.map(toUser))
      ),
      authenticate: (username, password) =>
        sqlError(
          "could not authenticate a user",
          Effect.gen(function*() {
            const row = yield* findRow(username)
            const valid = yield* Password.verify(password, row._tag === "Some" ? row.value.password_hash : dummy)
            if (!valid || row._tag === "None") return Option.none()
            const user = toUser(row.value)
            return user.disabled ? Option.none() : Option.some(user)
          })
        ),
      setPassword: (username, password, keep) =>
        sqlError(
          "could not change a password",
          Effect.gen(function*() {
            const row = yield* existing(username)
            const passwordHash = yield* Password.hash(password, hashOptions)
            const now = yield* Clock.currentTimeMillis
            // the new hash and the revocation are one transaction: no fault between them leaves the sessions
            // opened with the old password alive
            yield* sql.withTransaction(Effect.zipRight(
              sql`UPDATE effect_auth_users SET password_hash = ${passwordHash}, updated_at = ${now}
                WHERE id = ${row.id}`,
              revoke(row.id, keep)
            ))
          })
        ),
      setDisabled: (username, disabled) =>
        sqlError(
          "could not disable a user",
          Effect.gen(function*() {
            const row = yield* existing(username)
            const now = yield* Clock.currentTimeMillis
            yield* sql.withTransaction(Effect.zipRight(
              sql`UPDATE effect_auth_users SET disabled = ${disabled ? 1 : 0}, updated_at = ${now}
                WHERE id = ${row.id}`,
              disabled ? revoke(row.id) : Effect.void
            ))
          })
        )
    })
  })
