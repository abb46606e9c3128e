/**
 * What a request is allowed to do: Starlette's `request.auth`.
 *
 * @since 0.1.0
 */
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"

// up to this many scopes, a scan is quicker than building and probing a set
const smallGrant = 16

/**
 * The scopes granted to a request, kept apart from who the user is: a scheme can grant or restrict privileges
 * independently of the identity.
 *
 * @example
 * ```ts
 * import { AuthCredentials } from "effect-auth"
 *
 * new AuthCredentials(["authenticated", "admin"]).scopes // ["authenticated", "admin"]
 * new AuthCredentials().scopes // []
 * ```
 *
 * @since 0.1.0
 * @category models
 */
export class AuthCredentials implements Equal.Equal {
  readonly scopes: ReadonlyArray<string>
  // built on the first `has` of a large grant, so that checking a scope never scans thousands of them
  #set: ReadonlySet<string> | undefined
  constructor(scopes: Iterable<string> = []) {
    this.scopes = Object.freeze(Array.from(scopes))
  }
  /**
   * Whether `scope` is granted (exact, case-sensitive): a scan for a few scopes, a set lookup for many.
   *
   * @since 0.2.0
   */
  has(scope: string): boolean {
    if (this.scopes.length <= smallGrant) return this.scopes.includes(scope)
    return (this.#set ??= new Set(this.scopes)).has(scope)
  }
  /** @since 0.1.0 */
  static make(scopes: Iterable<string> = []): AuthCredentials {
    return new AuthCredentials(scopes)
  }
  /** @since 0.1.0 */
  [Equal.symbol](that: Equal.Equal): boolean {
    if (!(that instanceof AuthCredentials) || that.scopes.length !== this.scopes.length) return false
    for (let i = 0; i < this.scopes.length; i++) {
      if (this.scopes[i] !== that.scopes[i]) return false
    }
    return true
  }
  /** @since 0.1.0 */
  [Hash.symbol](): number {
    return Hash.array(this.scopes)
  }
  /** @since 0.1.0 */
  toJSON(): unknown {
    return { _tag: "AuthCredentials", scopes: this.scopes }
  }
  /** @since 0.1.0 */
  toString(): string {
    return `AuthCredentials(${this.scopes.join(" ")})`
  }
}
