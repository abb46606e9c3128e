/**
 * The user a request is made by: Starlette's `request.user`.
 *
 * @since 1.0.0
 */
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import { hasProperty } from "effect/Predicate"

/**
 * What every user offers: whether it is authenticated, a name to show, and a stable identity.
 * An app's own user type extends it with whatever else it needs (`id`, `email`, `roles`, …).
 *
 * @since 1.0.0
 * @category models
 */
export interface BaseUser {
  readonly isAuthenticated: boolean
  readonly displayName: string
  readonly identity: string
}

/**
 * An authenticated user known only by name: `displayName` and `identity` are the username.
 *
 * @example
 * ```ts
 * import { SimpleUser } from "effect-auth"
 *
 * const alice = new SimpleUser("alice") // or SimpleUser.make("alice")
 * alice.isAuthenticated // true
 * alice.displayName // "alice"
 * ```
 *
 * @since 1.0.0
 * @category models
 */
export class SimpleUser implements BaseUser, Equal.Equal {
  readonly isAuthenticated = true as const
  readonly username: string
  constructor(username: string) {
    this.username = username
  }
  get displayName(): string {
    return this.username
  }
  get identity(): string {
    return this.username
  }
  /** @since 1.0.0 */
  static make(username: string): SimpleUser {
    return new SimpleUser(username)
  }
  /** @since 1.0.0 */
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof SimpleUser && that.username === this.username
  }
  /** @since 1.0.0 */
  [Hash.symbol](): number {
    return Hash.string(this.username)
  }
  /** @since 1.0.0 */
  toJSON(): unknown {
    return { _tag: "SimpleUser", username: this.username }
  }
  /** @since 1.0.0 */
  toString(): string {
    return `SimpleUser(${this.username})`
  }
}

/**
 * The anonymous user: what handlers see when the backend answers `None`. Anonymous is a value, not an error.
 *
 * @since 1.0.0
 * @category models
 */
export class UnauthenticatedUser implements BaseUser, Equal.Equal {
  readonly isAuthenticated = false as const
  readonly displayName = "" as const
  readonly identity = "" as const;
  /** @since 1.0.0 */
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof UnauthenticatedUser
  }
  /** @since 1.0.0 */
  [Hash.symbol](): number {
    return Hash.string("UnauthenticatedUser")
  }
  /** @since 1.0.0 */
  toJSON(): unknown {
    return { _tag: "UnauthenticatedUser" }
  }
  /** @since 1.0.0 */
  toString(): string {
    return "UnauthenticatedUser()"
  }
}

/**
 * @since 1.0.0
 * @category guards
 */
export const isBaseUser = (u: unknown): u is BaseUser =>
  hasProperty(u, "isAuthenticated") && typeof u.isAuthenticated === "boolean" &&
  hasProperty(u, "displayName") && typeof u.displayName === "string" &&
  hasProperty(u, "identity") && typeof u.identity === "string"

/**
 * Register an app's own user type, so that backends must produce it and handlers read it with its own type; and,
 * optionally, its scopes, so that a scope the app never declared (a typo: `requires("admni")`) does not compile.
 *
 * @example
 * ```ts
 * import type { BaseUser } from "effect-auth"
 *
 * interface AppUser extends BaseUser {
 *   readonly id: number
 *   readonly email: string
 * }
 *
 * declare module "effect-auth/User" {
 *   interface Register {
 *     readonly user: AppUser
 *     readonly scopes: "authenticated" | "admin" | "reports:read"
 *   }
 * }
 * ```
 *
 * @since 1.0.0
 * @category models
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Register {}

/**
 * The user type of this app: the one in {@link Register}, or `BaseUser`.
 *
 * @since 1.0.0
 * @category models
 */
export type User = Register extends { readonly user: infer U extends BaseUser } ? U : BaseUser

/**
 * A scope of this app: one of the scopes in {@link Register}, or any string when the app declares none. Every
 * signature that takes a scope (`requires`, `Policy.scope`, `AuthCredentials`, `hasRequiredScope`, a login's
 * grant) takes this type; it exists at compile time only.
 *
 * @since 1.0.0
 * @category models
 */
export type Scope = Register extends { readonly scopes: infer S extends string } ? S : string

/**
 * The user of a request, authenticated or not: what `CurrentUser` reads and what policies see.
 * `isAuthenticated` tells the two apart.
 *
 * @since 1.0.0
 * @category models
 */
export type RequestUser = User | UnauthenticatedUser
