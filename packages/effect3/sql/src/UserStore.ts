/**
 * Users in SQL: a unique username (case kept, compared without case), a scrypt hash, scopes and a disabled flag. A
 * password change or a disabled user revokes the user's sessions.
 *
 * @since 0.2.0
 */
import type { BaseUser } from "effect-auth"
import type * as Password from "effect-auth/Password"
import { StoreError } from "effect-auth/StoreError"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"

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
 * The database failed (down, a query refused, or closed). It carries no HTTP status: its cause never leaves the
 * process, and left unhandled in a handler it answers as the library's edges answer a store that is down (503,
 * `Retry-After`; see `effect-auth/StoreError`), not with an empty 500.
 *
 * @since 0.2.0
 * @category errors
 */
export class UserStoreError extends StoreError("UserStoreError") {}

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
 * The users of an app: `SqlUserStore.make` makes the service over SQL, which `Sqlite.layer` and `Pg.layer`
 * provide.
 *
 * @since 0.2.0
 * @category tags
 */
export class UserStore extends Context.Tag("@effect-auth/sql/UserStore")<UserStore, UserStore.Service>() {}
