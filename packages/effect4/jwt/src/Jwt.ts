/**
 * JWT bearer tokens (RFC 7519, RFC 6750): a pinned list of algorithms, a local key or a cached remote key set,
 * claims decoded by a Schema into the app's user.
 *
 * @since 1.0.0
 */
import type * as JwtKeys from "@effect-auth/core/JwtKeys"
import type { AuthCredentials, RejectedCredentials } from "effect-auth"
import { AuthenticationBackend } from "effect-auth"
import type { User } from "effect-auth/User"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as HttpClient from "effect/http/HttpClient"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type * as Result from "effect/Result"
import type * as Schema from "effect/Schema"
import type { CryptoKey, JWK, KeyObject } from "jose"
import * as backend from "./internal/backend.js"
import type * as verify from "./internal/verify.js"

/**
 * The MAC algorithms: the key is a shared secret.
 *
 * @since 1.0.0
 * @category models
 */
export type HmacAlgorithm = JwtKeys.HmacAlgorithm

/**
 * The signature algorithms: the key is a public key (or a key set of them). `ML-DSA-*` need a runtime that has them.
 *
 * @since 1.0.0
 * @category models
 */
export type AsymmetricAlgorithm = JwtKeys.AsymmetricAlgorithm

/**
 * The algorithms a backend accepts: at least one, all of one family (so a public key can never be used as an
 * HMAC secret), and never `none`.
 *
 * @since 1.0.0
 * @category models
 */
export type Algorithms<A extends HmacAlgorithm | AsymmetricAlgorithm> = readonly [A, ...Array<A>]

/**
 * What every JWT backend is told, whatever its key.
 *
 * @since 1.0.0
 * @category models
 */
export type ClaimsOptions<A, I> =
  & {
    /** Decodes the verified payload (all its claims) into the app's user, or into what `toUser` reads. */
    readonly claims: Schema.Codec<A, I>
    /** Credentials from the decoded claims. By default, the scopes of `scope` (space-separated) or `scp` (an array). */
    readonly toCredentials?: ((claims: A) => AuthCredentials) | undefined
    /** The accepted `iss` value(s); when set, the claim is required. */
    readonly issuer?: string | ReadonlyArray<string> | undefined
    /** The accepted `aud` value(s), one of which the token must name; when set, the claim is required. */
    readonly audience?: string | ReadonlyArray<string> | undefined
    /** Leeway, in seconds, for `exp` and `nbf` against the `Clock` (clocks drift). 5 by default. */
    readonly clockTolerance?: number | undefined
    /** Claims a token must have. `["exp"]` by default, so that no token is valid for ever; `[]` to allow that. */
    readonly requiredClaims?: ReadonlyArray<string> | undefined
    /** The `typ` header the token must have, e.g. `"at+jwt"` (RFC 9068), so that an ID token is no access token. */
    readonly typ?: string | undefined
    /** The oldest token accepted, counted from its `iat` (then required); none by default. */
    readonly maxTokenAge?: Duration.Input | undefined
    /** A deny-list, asked for every token with a `jti`, cached or not: a revoked one is `Invalid token`. */
    readonly isRevoked?: ((jti: string) => Effect.Effect<boolean>) | undefined
    /**
     * How many verified tokens are kept (10,000 by default, `0` for none): successes only, keyed by the token's
     * SHA-256; a hit checks the times against the `Clock`, `isRevoked` and the key set's generation again.
     */
    readonly cacheSize?: number | undefined
  }
  & ([A] extends [User] ? {
      /** The user from the decoded claims. Not needed when `claims` decodes into the user itself. */
      readonly toUser?: ((claims: A) => User) | undefined
    } :
    {
      /** The user from the decoded claims: needed, as `claims` does not decode into a user. */
      readonly toUser: (claims: A) => User
    })

/**
 * A backend that checks tokens with a shared secret (HS*): best given `Redacted`, e.g. `Redacted.make(process.env.JWT_SECRET)`.
 *
 * @since 1.0.0
 * @category models
 */
export type SecretKeyOptions<A, I> = ClaimsOptions<A, I> & {
  readonly algorithms: Algorithms<HmacAlgorithm>
  readonly key: Redacted.Redacted<string> | Redacted.Redacted<Uint8Array> | Uint8Array | CryptoKey | KeyObject | JWK
}

/**
 * A backend that checks tokens with one public key (a `CryptoKey`, a Node `KeyObject` or a JWK).
 *
 * @since 1.0.0
 * @category models
 */
export type PublicKeyOptions<A, I> = ClaimsOptions<A, I> & {
  readonly algorithms: Algorithms<AsymmetricAlgorithm>
  readonly key: CryptoKey | KeyObject | JWK
}

/**
 * The options of a backend whose key is known at start-up (see {@link layer}).
 *
 * @since 1.0.0
 * @category models
 */
export type Options<A, I> = SecretKeyOptions<A, I> | PublicKeyOptions<A, I>

/**
 * A backend that checks tokens with the keys of a JSON Web Key Set fetched from `jwksUrl` (with the `HttpClient`).
 * The set is cached for `cacheMaxAge` (10 minutes by default); a token that names a key not in the set makes it
 * fetch the set again, but never sooner than `cooldown` (30 seconds by default) after the last fetch, so that
 * made-up key ids cannot make it fetch on every request. Time is Effect's `Clock`.
 *
 * @since 1.0.0
 * @category models
 */
export type JwksOptions<A, I> = ClaimsOptions<A, I> & {
  readonly algorithms: Algorithms<AsymmetricAlgorithm>
  readonly jwksUrl: string
  readonly cacheMaxAge?: Duration.Input | undefined
  readonly cooldown?: Duration.Input | undefined
}

/**
 * Checks one token: its signature, algorithm, `exp`/`nbf` (against the `Clock`), `iss`, `aud`, and its claims.
 * Every refusal is `RejectedCredentials` (401) with a `Bearer error="invalid_token"` challenge, its message
 * `"Token expired"` or `"Invalid token"` (the reason goes to the debug log, never to the client); a key set that
 * cannot be fetched is `ServiceUnavailable` (503), never a refusal.
 *
 * @since 1.0.0
 * @category models
 */
export type Verify = verify.Verify

/**
 * Reads an `Authorization` header value: `None` when there is none or it names another scheme (another backend
 * may want it); `Some` for a Bearer one shaped like a compact JWS; `RejectedCredentials` (401, `invalid_token`)
 * otherwise. The scheme matches case-insensitively. The token is `Redacted` from here on.
 *
 * @since 1.0.0
 * @category parsing
 */
export const parse: (
  authorization: string | undefined
) => Result.Result<Option.Option<Redacted.Redacted<string>>, RejectedCredentials> = backend.parse

/**
 * The function that checks one token with a key known at start-up, for uses beyond the `Authorization` header (a
 * websocket subprotocol, a test).
 *
 * @since 1.0.0
 * @category constructors
 */
export const verifier = <A, I>(options: Options<A, I>): Verify => backend.local(options).verify

/**
 * The function that checks one token with the keys of a JWKS URL: an effect that sets up the key set cache once, and
 * needs an `HttpClient`.
 *
 * @since 1.0.0
 * @category constructors
 */
export const verifierJwks = <A, I>(
  options: JwksOptions<A, I>
): Effect.Effect<Verify, never, HttpClient.HttpClient> =>
  Effect.map(backend.remote(options), (checker) => checker.verify)

/**
 * A JWT backend with a key known at start-up: no `Authorization` header or another scheme is anonymous; a Bearer
 * token is the user its claims decode into, or `RejectedCredentials` (401, `WWW-Authenticate: Bearer
 * error="invalid_token"`). Its challenge is `Bearer`. Use it with `AuthenticationBackend.firstOf`; {@link layer}
 * provides it alone.
 *
 * @since 1.0.0
 * @category constructors
 */
export const make = <A, I>(options: Options<A, I>): AuthenticationBackend.Service =>
  backend.make(backend.local(options))

/**
 * A JWT backend with the keys of a JWKS URL (see {@link JwksOptions}), built once with its key set cache.
 *
 * @since 1.0.0
 * @category constructors
 */
export const makeJwks = <A, I>(
  options: JwksOptions<A, I>
): Effect.Effect<AuthenticationBackend.Service, never, HttpClient.HttpClient> =>
  Effect.map(backend.remote(options), backend.make)

/**
 * The JWT backend with a key known at start-up, as a Layer. Its challenge is `Bearer`: `requires` answers an
 * anonymous request with 401 and `WWW-Authenticate: Bearer`.
 *
 * @example
 * ```ts
 * import { Jwt } from "@effect-auth/jwt"
 * import { Redacted, Schema } from "effect"
 *
 * class AppUser extends Schema.Class<AppUser>("AppUser")({ sub: Schema.String, name: Schema.String }) {
 *   readonly isAuthenticated = true
 *   get displayName() { return this.name }
 *   get identity() { return this.sub }
 * }
 *
 * const BackendLive = Jwt.layer({
 *   algorithms: ["HS256"],
 *   key: Redacted.make("a secret of 32 bytes or more, from the environment"),
 *   issuer: "https://issuer.example/",
 *   claims: AppUser
 * })
 * ```
 *
 * @since 1.0.0
 * @category layers
 */
export const layer = <A, I>(options: Options<A, I>): Layer.Layer<AuthenticationBackend> =>
  Layer.succeed(AuthenticationBackend, make(options))

/**
 * The JWT backend with the keys of a JWKS URL, as a Layer; it needs an `HttpClient` (e.g. `FetchHttpClient.layer`).
 *
 * @example
 * ```ts
 * import { Jwt } from "@effect-auth/jwt"
 * import { Layer, Schema } from "effect"
 * import * as FetchHttpClient from "effect/http/FetchHttpClient"
 *
 * class AppUser extends Schema.Class<AppUser>("AppUser")({ sub: Schema.String, name: Schema.String }) {
 *   readonly isAuthenticated = true
 *   get displayName() { return this.name }
 *   get identity() { return this.sub }
 * }
 *
 * const BackendLive = Jwt.layerJwks({
 *   algorithms: ["RS256"],
 *   jwksUrl: "https://issuer.example/.well-known/jwks.json",
 *   issuer: "https://issuer.example/",
 *   audience: "my-api",
 *   claims: AppUser
 * }).pipe(Layer.provide(FetchHttpClient.layer))
 * ```
 *
 * @since 1.0.0
 * @category layers
 */
export const layerJwks = <A, I>(
  options: JwksOptions<A, I>
): Layer.Layer<AuthenticationBackend, never, HttpClient.HttpClient> =>
  Layer.effect(AuthenticationBackend, makeJwks(options))
