/**
 * What a policy means, written once for both Effect lines: one row per kind of node, and the analyses that read only
 * those rows (the failing clause, the scopes, the anonymous verdict, the OpenAPI alternatives). Each line's `Policy`
 * module builds the nodes (as its own data classes) and runs the effectful checks; everything else is decided here.
 *
 * @since 0.3.0
 */
import * as internal from "./internal/policyAnalysis.js"

/**
 * The nodes a policy is made of, as each line's `Policy` classes are shaped: a new kind is its row in the table of
 * kinds (`internal/policyAnalysis.ts`), which the compiler asks for, and its class in each line's `Policy` module.
 *
 * @since 0.3.0
 * @category models
 */
export type Policy =
  | { readonly _tag: "Scope"; readonly scope: string }
  | { readonly _tag: "All"; readonly policies: ReadonlyArray<Policy> }
  | { readonly _tag: "Any"; readonly policies: ReadonlyArray<Policy> }
  | { readonly _tag: "Not"; readonly policy: Policy }
  | { readonly _tag: "Authenticated" }
  | { readonly _tag: "Method"; readonly method: string }
  // the line's user type: any predicate of one argument fits, and is called with the request's user
  | { readonly _tag: "User"; readonly label: string; readonly predicate: (user: never) => boolean }
  // an effectful check: its effect is the line's business; here it is a clause that cannot be decided
  | { readonly _tag: "Check"; readonly label: string }

/**
 * What a policy reads of the user.
 *
 * @since 0.3.0
 * @category models
 */
export interface User {
  readonly isAuthenticated: boolean
}

/**
 * What a policy reads of the credentials.
 *
 * @since 0.3.0
 * @category models
 */
export interface Credentials {
  readonly scopes: ReadonlyArray<string>
  readonly method?: string | undefined
}

/**
 * A pure policy, decided: the clause that fails (a check fails), or `undefined`.
 *
 * @since 0.3.0
 * @category models
 */
export type Decider = (user: User, credentials: Credentials) => Policy | undefined

/**
 * Three-valued: whether an anonymous request with no scopes passes, fails, or may pass (a check cannot be run here).
 *
 * @since 0.3.0
 * @category models
 */
export type Verdict = "pass" | "fail" | "unknown"

type Ways = ReadonlyArray<ReadonlyArray<string>>

/**
 * A policy printed as the constructors that build it: `all("authenticated", any("admin", not("banned")))`.
 *
 * @since 0.3.0
 * @category formatting
 */
export const format: (policy: Policy) => string = internal.format

/**
 * The policy's decider, built on first use and kept with the policy: `requires` holds the one of its policy, so the
 * per-request path is a call, with no look-up.
 *
 * @since 0.3.0
 * @category evaluation
 */
export const deciderOf: (policy: Policy) => Decider = internal.deciderOf

/**
 * The clause of `policy` that fails (the first failing member of an `all`; the `any` or `not` itself; a check is
 * treated as failing), or `undefined` when it passes.
 *
 * @since 0.3.0
 * @category evaluation
 */
export const failing: (policy: Policy, user: User, credentials: Credentials) => Policy | undefined = internal.failing

/**
 * The policies a node is made of: the members of `all` and `any`, the policy of `not`, none for a clause.
 *
 * @since 0.3.0
 * @category analysis
 */
export const members: (policy: Policy) => ReadonlyArray<Policy> = internal.members

/**
 * Whether a policy has effectful checks.
 *
 * @since 0.3.0
 * @category analysis
 */
export const hasChecks: (policy: Policy) => boolean = internal.hasChecks

/**
 * The scopes a policy names (each once, in order): what a denial reports, and what OpenAPI lists.
 *
 * @since 0.3.0
 * @category analysis
 */
export const scopesOf: (policy: Policy) => ReadonlyArray<string> = internal.scopesOf

/**
 * If `policy` is scopes only, all of them (a `Scope`, or an `All` of `Scope`s), those scopes: `requires` then takes
 * a path that allocates nothing when the request passes.
 *
 * @since 0.3.0
 * @category analysis
 */
export const allOfScopes: (policy: Policy) => ReadonlyArray<string> | undefined = internal.allOfScopes

/**
 * Whether `anonymousUser` (the line's unauthenticated user), with no scopes, passes `policy`, fails it, or may pass
 * it (a check or a method cannot be decided here).
 *
 * @since 0.3.0
 * @category analysis
 */
export const anonymous: (policy: Policy, anonymousUser: User) => Verdict = internal.anonymous

/**
 * Past this many alternatives (all-of of any-ofs multiplies them), the operation lists its schemes without scopes.
 *
 * @since 0.3.0
 * @category analysis
 */
export const maxAlternatives: number = internal.maxAlternatives

/**
 * The scopes of each alternative way to pass, for an authenticated request: every branch of an `any` is one (none
 * is dropped); a clause with no OpenAPI form (`not`, `user`, `check`) adds no scope to its alternative, and the
 * operation's description names it. `undefined` past {@link maxAlternatives}.
 *
 * @since 0.3.0
 * @category analysis
 */
export const alternatives: (policy: Policy) => Ways | undefined = internal.alternatives

/**
 * Whether the policy is said in full by OpenAPI `security` (scopes, `authenticated`, all-of and any-of of them).
 *
 * @since 0.3.0
 * @category analysis
 */
export const expressible: (policy: Policy) => boolean = internal.expressible
