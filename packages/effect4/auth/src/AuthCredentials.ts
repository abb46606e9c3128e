/**
 * What a request is allowed to do: Starlette's `request.auth`.
 *
 * @since 1.0.0
 */
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import type { Scope } from "./User.js"

// up to this many scopes, a scan is quicker than building and probing a set
const smallGrant = 16

/**
 * The scopes granted to a request, kept apart from who the user is: a scheme can grant or restrict privileges
 * independently of the identity. `method` says how they were established (like OpenID Connect's `amr`): the
 * built-in backends set it (`"basic"`, `"bearer"`, `"apiKey"`, `"jwt"`, `"session"`) when `verify` leaves it out,
 * so that a policy can require one (`Policy.method("basic")`: e.g. mint tokens only for a password login).
 * The scopes are the app's `Scope`s: once it declares them in `Register`, a grant of an unknown one does not compile.
 *
 * @example
 * ```ts
 * import { AuthCredentials } from "effect-auth"
 *
 * new AuthCredentials(["authenticated", "admin"]).scopes // ["authenticated", "admin"]
 * new AuthCredentials().scopes // []
 * new AuthCredentials(["authenticated"], { method: "session" }).method // "session"
 * ```
 *
 * @since 1.0.0
 * @category models
 */
export class AuthCredentials implements Equal.Equal {
  readonly scopes: ReadonlyArray<Scope>
  // built on the first `has` of a large grant, so that checking a scope never scans thousands of them
  private lookup: ReadonlySet<Scope> | undefined
  /** How the credentials were established (the scheme or backend that answered), when known. */
  readonly method: string | undefined
  constructor(scopes: Iterable<Scope> = [], options?: { readonly method?: string | undefined }) {
    this.scopes = Object.freeze(Array.from(scopes))
    this.method = options?.method
    this.lookup = undefined
  }
  /**
   * These credentials, established by `method` (the same scopes, not copied).
   *
   * @since 1.0.0
   */
  withMethod(method: string): AuthCredentials {
    // the scopes are frozen already: share them rather than copy them on every authenticated request
    const credentials = Object.create(AuthCredentials.prototype)
    credentials.scopes = this.scopes
    credentials.method = method
    credentials.lookup = this.lookup
    return credentials
  }
  /**
   * Whether `scope` is granted (exact, case-sensitive): a scan for a few scopes, a set lookup for many.
   *
   * @since 1.0.0
   */
  has(scope: Scope): boolean {
    if (this.scopes.length <= smallGrant) return this.scopes.includes(scope)
    return (this.lookup ??= new Set(this.scopes)).has(scope)
  }
  /** @since 1.0.0 */
  static make(scopes: Iterable<Scope> = [], options?: { readonly method?: string | undefined }): AuthCredentials {
    return new AuthCredentials(scopes, options)
  }
  /** @since 1.0.0 */
  [Equal.symbol](that: Equal.Equal): boolean {
    if (!(that instanceof AuthCredentials) || that.scopes.length !== this.scopes.length) return false
    if (that.method !== this.method) return false
    for (let i = 0; i < this.scopes.length; i++) {
      if (this.scopes[i] !== that.scopes[i]) return false
    }
    return true
  }
  /** @since 1.0.0 */
  [Hash.symbol](): number {
    return Hash.combine(Hash.hash(this.method))(Hash.array(this.scopes))
  }
  /** @since 1.0.0 */
  toJSON(): unknown {
    return this.method === undefined
      ? { _tag: "AuthCredentials", scopes: this.scopes }
      : { _tag: "AuthCredentials", scopes: this.scopes, method: this.method }
  }
  /** @since 1.0.0 */
  toString(): string {
    return `AuthCredentials(${this.scopes.join(" ")})`
  }
}
