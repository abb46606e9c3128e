/**
 * @since 1.0.0
 */

/**
 * JWT bearer tokens: pinned algorithms, a local key or a cached JWKS, claims decoded by a Schema.
 *
 * @since 1.0.0
 */
export * as Jwt from "./Jwt.js"
