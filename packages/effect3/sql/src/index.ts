/**
 * @effect-auth/sql: users, sessions and login throttles for effect-auth in SQL. The dialects' layers live on their
 * own subpaths, `@effect-auth/sql/Sqlite` and `@effect-auth/sql/Pg`, so that an app loads only the driver it uses.
 *
 * @since 0.2.0
 */

/**
 * The tables, created at start-up.
 *
 * @since 0.2.0
 */
export * as Migrations from "./Migrations.js"

/**
 * The `SessionStore` in SQL, with a cache that other instances invalidate.
 *
 * @since 0.2.0
 */
export * as SqlSessionStore from "./SqlSessionStore.js"

/**
 * The failed-login throttle's store in SQL.
 *
 * @since 0.2.0
 */
export * as SqlThrottleStore from "./SqlThrottleStore.js"

/**
 * The `UserStore` in SQL.
 *
 * @since 0.3.0
 */
export * as SqlUserStore from "./SqlUserStore.js"

/**
 * Users: unique usernames compared without case, scrypt hashes, scopes, disabled.
 *
 * @since 0.2.0
 */
export * as UserStore from "./UserStore.js"
