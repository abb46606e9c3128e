/**
 * effect-auth: Starlette-style authentication and permissions for Effect HTTP apps.
 *
 * The rule for names: Starlette's model (users, credentials, errors), the backend, the middleware and `requires`
 * are exported by name, as Starlette's are; everything else is a namespace (`Basic.layer`, `Policy.any`). The rest
 * of a flat module (its options and helper types) is on its subpath (`effect-auth/User`, `effect-auth/Requires`).
 * The test kit and the Node helpers live on subpaths (`effect-auth/Testing`, `effect-auth/NodeTesting`), so
 * production code never loads them.
 *
 * @since 1.0.0
 */
export * from "./AuthCredentials.js"
export { AuthenticationBackend } from "./AuthenticationBackend.js"
export * from "./AuthenticationError.js"
export { AuthenticationMiddleware } from "./AuthenticationMiddleware.js"
export { CurrentAuthentication, CurrentCredentials, CurrentUser } from "./CurrentUser.js"
export * from "./PermissionDenied.js"
export { hasRequiredScope, requires } from "./Requires.js"
export { SessionStoreError } from "./SessionStore.js"
export { type BaseUser, SimpleUser, UnauthenticatedUser } from "./User.js"

/**
 * API keys in a header, a query parameter or a cookie.
 *
 * @since 1.0.0
 */
export * as ApiKey from "./ApiKey.js"

/**
 * HTTP Basic authentication (RFC 7617).
 *
 * @since 1.0.0
 */
export * as Basic from "./Basic.js"

/**
 * Bearer tokens (RFC 6750).
 *
 * @since 1.0.0
 */
export * as Bearer from "./Bearer.js"

/**
 * Cross-site request forgery: origin checks and form tokens for every state-changing request.
 *
 * @since 1.0.0
 */
export * as Csrf from "./Csrf.js"

/**
 * Your body, our headers: an error's own response (status, `WWW-Authenticate`, `Location`, `Retry-After`) with the
 * body you choose.
 *
 * @since 1.0.0
 */
export * as ErrorResponse from "./ErrorResponse.js"

/**
 * HttpApi: the user and credentials in HttpApi handlers, scopes enforced and documented in OpenAPI.
 *
 * @since 1.0.0
 */
export * as HttpApiAuthentication from "./HttpApiAuthentication.js"

/**
 * HttpRouter (Effect 3's HttpLayerRouter): authentication before routing for every route, errors rendered with
 * `catchTag`.
 *
 * @since 1.0.0
 */
export * as HttpLayerRouterAuthentication from "./HttpLayerRouterAuthentication.js"

/**
 * Login forms: the form read within bounds, login and logout handlers, a safe `next`, browsers sent to log in.
 *
 * @since 1.0.0
 */
export * as Login from "./Login.js"

/**
 * Password hashing (scrypt) and constant-time comparison of secrets.
 *
 * @since 1.0.0
 */
export * as Password from "./Password.js"

/**
 * Policies as data: scopes, all, any, not, authenticated, user predicates, effectful checks.
 *
 * @since 1.0.0
 */
export * as Policy from "./Policy.js"

/**
 * Behind a proxy: the client's address and scheme from the forwarding headers of trusted proxies only.
 *
 * @since 1.0.0
 */
export * as ProxyHeaders from "./ProxyHeaders.js"

/**
 * Throttling failed logins per username and per client address, and the store that counts them.
 *
 * @since 1.0.0
 */
export * as Throttle from "./Throttle.js"

/**
 * Signed session cookies.
 *
 * @since 1.0.0
 */
export * as Session from "./Session.js"
