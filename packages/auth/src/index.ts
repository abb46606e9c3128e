/**
 * @since 0.1.0
 */
export * from "./AuthCredentials.js"
export * from "./AuthenticationBackend.js"
export * from "./AuthenticationError.js"
export * from "./AuthenticationMiddleware.js"
export * from "./CurrentUser.js"
export * from "./PermissionDenied.js"
export * from "./Requires.js"
export * from "./User.js"

/**
 * Policies as data: scopes, all, any, not, authenticated, user predicates, effectful checks.
 *
 * @since 0.1.0
 */
export * as Policy from "./Policy.js"

/**
 * HTTP Basic authentication (RFC 7617).
 *
 * @since 0.1.0
 */
export * as Basic from "./Basic.js"

/**
 * Constant-time comparison of secrets.
 *
 * @since 0.1.0
 */
export * as Password from "./Password.js"
