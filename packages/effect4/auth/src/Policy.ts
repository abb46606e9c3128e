/**
 * Who may pass, as data: scopes combined with all-of, any-of and not, the user's authentication, a predicate
 * on the user, or an effectful check. `requires` takes a policy wherever it takes scopes.
 *
 * @since 1.0.0
 */
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { hasProperty } from "effect/Predicate"
import type { AuthCredentials } from "./AuthCredentials.js"
import * as analysis from "./internal/policyAnalysis.js"
import type { BaseUser, RequestUser, Scope as AppScope } from "./User.js"

/**
 * @since 1.0.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("effect-auth/Policy")

/**
 * @since 1.0.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * A policy. `R` is what its effectful checks need.
 *
 * @since 1.0.0
 * @category models
 */
export type Policy<R = never> = Scope | All<R> | Any<R> | Not<R> | Authenticated | Method | UserCheck | Check<R>

const proto = {
  [TypeId]: TypeId,
  toString(this: Policy<any>): string {
    return format(this)
  },
  toJSON(this: Policy<any>): unknown {
    return format(this)
  },
  [Symbol.for("nodejs.util.inspect.custom")](this: Policy<any>): string {
    return format(this)
  }
}

// the node classes: structural equality and hashing are Effect 4's default for data (arrays included, so the members
// need no wrapping); printing and the type id come from `proto`
const node = <Tag extends string>(tag: Tag) => {
  const Base = Data.TaggedClass(tag)
  Object.assign(Base.prototype, proto)
  return Base
}

/**
 * Passes when the credentials hold `scope` (exact, case-sensitive).
 *
 * @since 1.0.0
 * @category models
 */
export class Scope extends node("Scope")<{ readonly scope: AppScope }> {
  declare readonly [TypeId]: TypeId
}

/**
 * Passes when every policy passes; `all()` always passes.
 *
 * @since 1.0.0
 * @category models
 */
export class All<R = never> extends node("All")<{ readonly policies: ReadonlyArray<Policy<R>> }> {
  declare readonly [TypeId]: TypeId
  declare readonly "~R": () => R
}

/**
 * Passes when some policy passes; `any()` never passes.
 *
 * @since 1.0.0
 * @category models
 */
export class Any<R = never> extends node("Any")<{ readonly policies: ReadonlyArray<Policy<R>> }> {
  declare readonly [TypeId]: TypeId
  declare readonly "~R": () => R
}

/**
 * Passes when `policy` does not.
 *
 * @since 1.0.0
 * @category models
 */
export class Not<R = never> extends node("Not")<{ readonly policy: Policy<R> }> {
  declare readonly [TypeId]: TypeId
  declare readonly "~R": () => R
}

/**
 * Passes when the user is authenticated (whatever the scopes).
 *
 * @since 1.0.0
 * @category models
 */
export class Authenticated extends node("Authenticated")<Record<never, never>> {
  declare readonly [TypeId]: TypeId
}

/**
 * Passes when the credentials were established by `method` (`AuthCredentials.method`: `"basic"`, `"jwt"`, …).
 *
 * @since 1.0.0
 * @category models
 */
export class Method extends node("Method")<{ readonly method: string }> {
  declare readonly [TypeId]: TypeId
}

/**
 * Passes when `predicate` holds of the user: a pure check of the user, decided without effects (unlike
 * {@link Check}). `label` names it in printed policies and denials. `user(label, predicate)` builds it.
 *
 * @since 1.0.0
 * @category models
 */
export class UserCheck extends node("User")<{
  readonly label: string
  readonly predicate: (user: RequestUser) => boolean
}> {
  declare readonly [TypeId]: TypeId
}

/**
 * Passes when `effect` succeeds with `true` (e.g. "does this user own the document?"). It runs in the handler's
 * context, so it can read the request and any service. `label` names it in printed policies and denials.
 *
 * @since 1.0.0
 * @category models
 */
export class Check<R = never> extends node("Check")<{
  readonly label: string
  readonly effect: Effect.Effect<boolean, never, R>
}> {
  declare readonly [TypeId]: TypeId
  declare readonly "~R": () => R
}

/**
 * @since 1.0.0
 * @category guards
 */
export const isPolicy = (u: unknown): u is Policy<unknown> => hasProperty(u, TypeId)

/**
 * One scope, exactly: one of the app's scopes once it declares them in `Register` (a typo does not compile).
 *
 * @since 1.0.0
 * @category constructors
 */
export const scope = (scope: AppScope): Scope => new Scope({ scope })

/**
 * All of `scopes`: what `requires(scopes)` means.
 *
 * @since 1.0.0
 * @category constructors
 */
export const scopes = (scopes: AppScope | Iterable<AppScope>): All =>
  new All({ policies: typeof scopes === "string" ? [scope(scopes)] : Array.from(scopes, scope) })

/**
 * @since 1.0.0
 * @category constructors
 */
export const all = <const Policies extends ReadonlyArray<Policy<any>>>(
  ...policies: Policies
): All<Policy.Context<Policies[number]>> => new All({ policies })

/**
 * @since 1.0.0
 * @category constructors
 */
export const any = <const Policies extends ReadonlyArray<Policy<any>>>(
  ...policies: Policies
): Any<Policy.Context<Policies[number]>> => new Any({ policies })

/**
 * @since 1.0.0
 * @category constructors
 */
export const not = <P extends Policy<any>>(policy: P): Not<Policy.Context<P>> => new Not({ policy })

/**
 * @since 1.0.0
 * @category constructors
 */
export const authenticated: Authenticated = new Authenticated()

/**
 * Credentials established by `method`, e.g. a password login (`"basic"`, `"session"`) rather than a token.
 *
 * @example
 * ```ts
 * import { Policy, requires } from "effect-auth"
 * import * as HttpServerResponse from "effect/http/HttpServerResponse"
 *
 * // tokens are minted for a password login only, never for a token (which would renew itself for ever)
 * const mint = HttpServerResponse.text("token").pipe(
 *   requires(Policy.all(Policy.scope("authenticated"), Policy.method("basic")))
 * )
 * ```
 *
 * @since 1.0.0
 * @category constructors
 */
export const method = (method: string): Method => new Method({ method })

/**
 * @example
 * ```ts
 * import { Policy } from "effect-auth"
 *
 * const staff = Policy.user("staff", (user) => user.isAuthenticated && user.identity.endsWith("@example.com"))
 * ```
 *
 * @since 1.0.0
 * @category constructors
 */
export const user = (label: string, predicate: (user: RequestUser) => boolean): UserCheck =>
  new UserCheck({ label, predicate })

/**
 * @since 1.0.0
 * @category constructors
 */
export const check = <R>(label: string, effect: Effect.Effect<boolean, never, R>): Check<R> =>
  new Check({ label, effect })

/**
 * @since 1.0.0
 */
export declare namespace Policy {
  /**
   * What a policy's checks need.
   *
   * @since 1.0.0
   */
  export type Context<P> = P extends { readonly "~R": () => infer R } ? R : never
}

/**
 * Prints a policy as the constructors that build it: `all("authenticated", any("admin", not("banned")))`.
 *
 * @since 1.0.0
 * @category formatting
 */
export const format = (policy: Policy<any>): string => analysis.format(policy)

/**
 * Decides a policy without effects: `None` when it passes, else `Some` of the clause that failed (the first failing
 * member of an `all`; the `any` or `not` itself). A `check` clause is treated as failing: use {@link evaluate}
 * for policies with checks.
 *
 * @since 1.0.0
 * @category evaluation
 */
export const decide = (
  policy: Policy<any>,
  user: RequestUser | BaseUser,
  credentials: AuthCredentials
): Option.Option<Policy<any>> => {
  const failed = analysis.failing(policy, user, credentials)
  return failed === undefined ? Option.none() : Option.some(failed)
}

/**
 * Evaluates a policy, running its checks in order and only as far as needed (`all` stops at the first failure,
 * `any` at the first success): `None` when it passes, else `Some` of the clause that failed, as {@link decide}.
 *
 * @since 1.0.0
 * @category evaluation
 */
export const evaluate = <R>(
  policy: Policy<R>,
  user: RequestUser | BaseUser,
  credentials: AuthCredentials
): Effect.Effect<Option.Option<Policy<R>>, never, R> =>
  analysis.evaluate(policy, user, credentials) as Effect.Effect<Option.Option<Policy<R>>, never, R>
