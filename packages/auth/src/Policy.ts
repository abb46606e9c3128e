/**
 * Who may pass, as data: scopes combined with all-of, any-of and not, the user's authentication, a predicate
 * on the user, or an effectful check. `requires` takes a policy wherever it takes scopes.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import { hasProperty } from "effect/Predicate"
import type { AuthCredentials } from "./AuthCredentials.js"
import type { BaseUser, UnauthenticatedUser, User } from "./User.js"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("effect-auth/Policy")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * A policy. `R` is what its effectful checks need.
 *
 * @since 0.1.0
 * @category models
 */
export type Policy<R = never> = Scope | All<R> | Any<R> | Not<R> | Authenticated | UserPredicate | Check<R>

/**
 * The user a policy sees: the registered user type, or the anonymous one.
 *
 * @since 0.1.0
 * @category models
 */
export type Subject = User | UnauthenticatedUser

abstract class Base implements Equal.Equal {
  readonly [TypeId]: TypeId = TypeId
  abstract readonly _tag: string
  abstract [Equal.symbol](that: Equal.Equal): boolean
  abstract [Hash.symbol](): number
  toString(): string {
    return format(this as any)
  }
  toJSON(): unknown {
    return format(this as any)
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return format(this as any)
  }
}

const hashAll = (tag: string, policies: ReadonlyArray<Policy<any>>): number =>
  policies.reduce((h, p) => Hash.combine(Hash.hash(p))(h), Hash.string(tag))

const equalAll = (a: ReadonlyArray<Policy<any>>, b: ReadonlyArray<Policy<any>>): boolean =>
  a.length === b.length && a.every((p, i) => Equal.equals(p, b[i]))

/**
 * Passes when the credentials hold `scope` (exact, case-sensitive).
 *
 * @since 0.1.0
 * @category models
 */
export class Scope extends Base {
  readonly _tag = "Scope" as const
  constructor(readonly scope: string) {
    super()
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof Scope && that.scope === this.scope
  }
  [Hash.symbol](): number {
    return Hash.string(`Scope:${this.scope}`)
  }
}

/**
 * Passes when every policy passes; `all()` always passes.
 *
 * @since 0.1.0
 * @category models
 */
export class All<R = never> extends Base {
  readonly _tag = "All" as const
  declare readonly "~R": () => R
  constructor(readonly policies: ReadonlyArray<Policy<R>>) {
    super()
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof All && equalAll(this.policies, that.policies)
  }
  [Hash.symbol](): number {
    return hashAll("All", this.policies)
  }
}

/**
 * Passes when some policy passes; `any()` never passes.
 *
 * @since 0.1.0
 * @category models
 */
export class Any<R = never> extends Base {
  readonly _tag = "Any" as const
  declare readonly "~R": () => R
  constructor(readonly policies: ReadonlyArray<Policy<R>>) {
    super()
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof Any && equalAll(this.policies, that.policies)
  }
  [Hash.symbol](): number {
    return hashAll("Any", this.policies)
  }
}

/**
 * Passes when `policy` does not.
 *
 * @since 0.1.0
 * @category models
 */
export class Not<R = never> extends Base {
  readonly _tag = "Not" as const
  declare readonly "~R": () => R
  constructor(readonly policy: Policy<R>) {
    super()
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof Not && Equal.equals(this.policy, that.policy)
  }
  [Hash.symbol](): number {
    return Hash.combine(Hash.hash(this.policy))(Hash.string("Not"))
  }
}

/**
 * Passes when the user is authenticated (whatever the scopes).
 *
 * @since 0.1.0
 * @category models
 */
export class Authenticated extends Base {
  readonly _tag = "Authenticated" as const
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof Authenticated
  }
  [Hash.symbol](): number {
    return Hash.string("Authenticated")
  }
}

/**
 * Passes when `predicate` holds of the user. `label` names it in printed policies and denials.
 *
 * @since 0.1.0
 * @category models
 */
export class UserPredicate extends Base {
  readonly _tag = "User" as const
  constructor(readonly label: string, readonly predicate: (user: Subject) => boolean) {
    super()
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof UserPredicate && that.predicate === this.predicate && that.label === this.label
  }
  [Hash.symbol](): number {
    return Hash.string(`User:${this.label}`)
  }
}

/**
 * Passes when `effect` succeeds with `true` (e.g. "does this user own the document?"). It runs in the handler's
 * context, so it can read the request and any service. `label` names it in printed policies and denials.
 *
 * @since 0.1.0
 * @category models
 */
export class Check<R = never> extends Base {
  readonly _tag = "Check" as const
  declare readonly "~R": () => R
  constructor(readonly label: string, readonly effect: Effect.Effect<boolean, never, R>) {
    super()
  }
  [Equal.symbol](that: Equal.Equal): boolean {
    return that instanceof Check && that.effect === this.effect && that.label === this.label
  }
  [Hash.symbol](): number {
    return Hash.string(`Check:${this.label}`)
  }
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isPolicy = (u: unknown): u is Policy<unknown> => hasProperty(u, TypeId)

/**
 * @since 0.1.0
 * @category constructors
 */
export const scope = (scope: string): Scope => new Scope(scope)

/**
 * All of `scopes`: what `requires(scopes)` means.
 *
 * @since 0.1.0
 * @category constructors
 */
export const scopes = (scopes: string | Iterable<string>): All =>
  new All(typeof scopes === "string" ? [new Scope(scopes)] : Array.from(scopes, scope))

/**
 * @since 0.1.0
 * @category constructors
 */
export const all = <const Policies extends ReadonlyArray<Policy<any>>>(
  ...policies: Policies
): All<Policy.Context<Policies[number]>> => new All(policies)

/**
 * @since 0.1.0
 * @category constructors
 */
export const any = <const Policies extends ReadonlyArray<Policy<any>>>(
  ...policies: Policies
): Any<Policy.Context<Policies[number]>> => new Any(policies)

/**
 * @since 0.1.0
 * @category constructors
 */
export const not = <R>(policy: Policy<R>): Not<R> => new Not(policy)

/**
 * @since 0.1.0
 * @category constructors
 */
export const authenticated: Authenticated = new Authenticated()

/**
 * @example
 * ```ts
 * import { Policy } from "effect-auth"
 *
 * const staff = Policy.user("staff", (user) => user.isAuthenticated && user.identity.endsWith("@example.com"))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const user = (label: string, predicate: (user: Subject) => boolean): UserPredicate =>
  new UserPredicate(label, predicate)

/**
 * @since 0.1.0
 * @category constructors
 */
export const check = <R>(label: string, effect: Effect.Effect<boolean, never, R>): Check<R> => new Check(label, effect)

/**
 * @since 0.1.0
 */
export declare namespace Policy {
  /**
   * What a policy's checks need.
   *
   * @since 0.1.0
   */
  export type Context<P> = P extends { readonly "~R": () => infer R } ? R : never
}

/**
 * Prints a policy as the constructors that build it: `all("authenticated", any("admin", not("banned")))`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (policy: Policy<any>): string => {
  switch (policy._tag) {
    case "Scope":
      return JSON.stringify(policy.scope)
    case "All":
      return `all(${policy.policies.map(format).join(", ")})`
    case "Any":
      return `any(${policy.policies.map(format).join(", ")})`
    case "Not":
      return `not(${format(policy.policy)})`
    case "Authenticated":
      return "authenticated"
    case "User":
      return `user(${JSON.stringify(policy.label)})`
    case "Check":
      return `check(${JSON.stringify(policy.label)})`
  }
}

/**
 * The scopes a policy names (each once, in order): what a denial reports as required, and what OpenAPI lists.
 *
 * @since 0.1.0
 * @category getters
 */
export const scopesOf = (policy: Policy<any>): ReadonlyArray<string> => {
  const out = new Set<string>()
  const go = (p: Policy<any>): void => {
    switch (p._tag) {
      case "Scope":
        out.add(p.scope)
        return
      case "All":
      case "Any":
        return p.policies.forEach(go)
      case "Not":
        return go(p.policy)
      default:
        return
    }
  }
  go(policy)
  return Array.from(out)
}

/**
 * If `policy` is scopes only, all of them (a `Scope`, or an `All` of `Scope`s), those scopes: `requires` then
 * takes a path that allocates nothing when the request passes.
 *
 * @since 0.1.0
 * @category getters
 */
export const allOfScopes = (policy: Policy<any>): ReadonlyArray<string> | undefined => {
  if (policy._tag === "Scope") return [policy.scope]
  if (policy._tag !== "All") return undefined
  const out: Array<string> = []
  for (const p of policy.policies) {
    if (p._tag === "Scope") out.push(p.scope)
    else if (p._tag === "All") {
      const inner = allOfScopes(p)
      if (inner === undefined) return undefined
      out.push(...inner)
    } else return undefined
  }
  return out
}

/**
 * Whether a policy has effectful checks.
 *
 * @since 0.1.0
 * @category getters
 */
export const isEffectful = (policy: Policy<any>): boolean => {
  switch (policy._tag) {
    case "Check":
      return true
    case "All":
    case "Any":
      return policy.policies.some(isEffectful)
    case "Not":
      return isEffectful(policy.policy)
    default:
      return false
  }
}

/**
 * Decides a policy without effects: `undefined` when it passes, else the clause that failed (the first failing
 * member of an `all`; the `any` or `not` itself). A `check` clause is treated as failing: use {@link evaluate}
 * for policies with checks.
 *
 * @since 0.1.0
 * @category evaluation
 */
export const decide = (
  policy: Policy<any>,
  user: Subject | BaseUser,
  credentials: AuthCredentials
): Policy<any> | undefined => {
  switch (policy._tag) {
    case "Scope":
      return credentials.scopes.includes(policy.scope) ? undefined : policy
    case "All": {
      for (const p of policy.policies) {
        const failed = decide(p, user, credentials)
        if (failed !== undefined) return failed
      }
      return undefined
    }
    case "Any": {
      for (const p of policy.policies) {
        if (decide(p, user, credentials) === undefined) return undefined
      }
      return policy
    }
    case "Not":
      return decide(policy.policy, user, credentials) === undefined ? policy : undefined
    case "Authenticated":
      return user.isAuthenticated ? undefined : policy
    case "User":
      return policy.predicate(user as Subject) ? undefined : policy
    case "Check":
      return policy
  }
}

const passed: Effect.Effect<Policy<any> | undefined> = Effect.succeed(undefined)

/**
 * Evaluates a policy, running its checks in order and only as far as needed (`all` stops at the first failure,
 * `any` at the first success): `undefined` when it passes, else the clause that failed, as {@link decide}.
 *
 * @since 0.1.0
 * @category evaluation
 */
export const evaluate = <R>(
  policy: Policy<R>,
  user: Subject | BaseUser,
  credentials: AuthCredentials
): Effect.Effect<Policy<R> | undefined, never, R> => {
  if (!isEffectful(policy)) return Effect.succeed(decide(policy, user, credentials) as Policy<R> | undefined)
  switch (policy._tag) {
    case "Check":
      return Effect.map(policy.effect, (ok) => ok ? undefined : policy)
    case "All":
      return policy.policies.reduceRight<Effect.Effect<Policy<R> | undefined, never, R>>(
        (next, p) => Effect.flatMap(evaluate(p, user, credentials), (failed) => failed === undefined ? next : Effect.succeed(failed)),
        passed
      )
    case "Any":
      return policy.policies.reduceRight<Effect.Effect<Policy<R> | undefined, never, R>>(
        (next, p) => Effect.flatMap(evaluate(p, user, credentials), (failed) => failed === undefined ? passed : next),
        Effect.succeed(policy)
      )
    case "Not":
      return Effect.map(evaluate(policy.policy, user, credentials), (failed) => failed === undefined ? policy : undefined)
    default:
      return Effect.succeed(decide(policy, user, credentials) as Policy<R> | undefined)
  }
}
