/**
 * Users in SQL: a unique username (case kept, compared without case), a scrypt hash, scopes and a disabled flag. A
 * password change or a disabled user revokes the user's sessions.
 *
 * @since 0.2.0
 */
import * as HttpServerRespondable from "@effect/platform/HttpServerRespondable"
import * as SqlClient from "@effect/sql/SqlClient"
import type { BaseUser } from "effect-auth"
import { ServiceUnavailable } from "effect-auth"
import * as Password from "effect-auth/Password"
import { SessionStore } from "effect-auth/SessionStore"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import { randomUUID } from "node:crypto"

/**
 * A user as stored (never its hash): `identity` is its id, what a session records and `Session`'s `toUser` is given
 * back; `displayName` its username.
 *
 * @since 0.2.0
 * @category models
 */
export class StoredUser extends Data.Class<{
  readonly id: string
  readonly username: string
  readonly scopes: ReadonlyArray<string>
  readonly disabled: boolean
  readonly createdAt: number
  readonly updatedAt: number
}> implements BaseUser {
  /** @since 0.2.0 */
  readonly isAuthenticated = true as const
  /** @since 0.2.0 */
  get displayName(): string {
    return this.username
  }
  /** @since 0.2.0 */
  get identity(): string {
    return this.id
  }
}

/**
 * A username taken already, compared without case (`Alice` and `alice` are one name).
 *
 * @since 0.2.0
 * @category errors
 */
export class UsernameTaken extends Data.TaggedError("UsernameTaken")<{ readonly username: string }> {
  /** @since 0.2.0 */
  override get message(): string {
    return `the username ${JSON.stringify(this.username)} is taken`
  }
}

/**
 * A username that cannot be stored: empty, longer than 64 characters, or with a control character, or spaces at
 * either end.
 *
 * @since 0.2.0
 * @category errors
 */
export class InvalidUsername extends Data.TaggedError("InvalidUsername")<{ readonly username: string }> {
  /** @since 0.2.0 */
  override get message(): string {
    return "a username has 1 to 64 characters, no control character, and no space at either end"
  }
}

/**
 * No user by that name.
 *
 * @since 0.2.0
 * @category errors
 */
export class UserNotFound extends Data.TaggedError("UserNotFound")<{ readonly username: string }> {
  /** @since 0.2.0 */
  override get message(): string {
    return `no user ${JSON.stringify(this.username)}`
  }
}

/**
 * The database failed (down, a query refused, or closed). Its cause never leaves the process: left unhandled in a
 * handler, it answers as `ServiceUnavailable` does (503, `Retry-After`), not with an empty 500.
 *
 * @since 0.2.0
 * @category errors
 */
export class UserStoreError extends Data.TaggedError("UserStoreError")<{
  readonly message: string
  readonly cause?: unknown
}> implements HttpServerRespondable.Respondable {
  /** @since 0.3.0 */
  [HttpServerRespondable.symbol]() {
    return new ServiceUnavailable({ reason: this.message, retryAfter: 1 })[HttpServerRespondable.symbol]()
  }
}

/**
 * @since 0.2.0
 */
export declare namespace UserStore {
  /**
   * What an app and its command line do with users.
   *
   * @since 0.2.0
   * @category models
   */
  export interface Service {
    /** Adds a user; its password is hashed here (scrypt). */
    readonly add: (user: {
      readonly username: string
      readonly password: Redacted.Redacted<string>
      readonly scopes?: ReadonlyArray<string> | undefined
    }) => Effect.Effect<StoredUser, UsernameTaken | InvalidUsername | Password.PasswordError | UserStoreError>
    /** The user by name, compared without case. */
    readonly find: (username: string) => Effect.Effect<Option.Option<StoredUser>, UserStoreError>
    /** The user by id: what `Session`'s `toUser` calls (one query). */
    readonly findById: (id: string) => Effect.Effect<Option.Option<StoredUser>, UserStoreError>
    /** Every user, by username. */
    readonly list: Effect.Effect<ReadonlyArray<StoredUser>, UserStoreError>
    /**
     * The user whose name and password these are, if not disabled; `None` otherwise, the same for an unknown name
     * (a hash is checked all the same, so the time taken does not tell which).
     */
    readonly authenticate: (
      username: string,
      password: Redacted.Redacted<string>
    ) => Effect.Effect<Option.Option<StoredUser>, UserStoreError>
    /** Changes a password, and revokes the user's sessions but `keep` (the session that changed it). */
    readonly setPassword: (
      username: string,
      password: Redacted.Redacted<string>,
      keep?: string | undefined
    ) => Effect.Effect<void, UserNotFound | Password.PasswordError | UserStoreError>
    /** Disables (and revokes every session of) a user, or enables it again. */
    readonly setDisabled: (username: string, disabled: boolean) => Effect.Effect<void, UserNotFound | UserStoreError>
  }
}

/**
 * @since 0.2.0
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
 * The users of an app.
 *
 * @since 0.2.0
 * @category tags
 */
export class UserStore extends Context.Tag("@effect-auth/sql/UserStore")<UserStore, UserStore.Service>() {
  /**
   * The store over the `SqlClient` in context, on the tables of `Migrations`, revoking sessions through the
   * `SessionStore` in context (so that other instances hear of it).
   *
   * @since 0.2.0
   * @category constructors
   */
  static make(options: Options = {}): Effect.Effect<UserStore.Service, never, SqlClient.SqlClient | SessionStore> {
    return Effect.gen(function*() {
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
            Effect.map(sql<Row>`SELECT * FROM effect_auth_users WHERE id = ${id}`, (rows) =>
              Option.map(Option.fromNullable(rows[0]), toUser))
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
  }
}
