/**
 * What a request is allowed to do: Starlette's `request.auth`.
 *
 * @since 0.1.0
 */
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"

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
  constructor(scopes: Iterable<string> = []) {
    this.scopes = Object.freeze(Array.from(scopes))
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
