import * as core from "@effect-auth/core/PolicyAnalysis"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { AuthCredentials } from "../AuthCredentials.js"
import type * as Policy from "../Policy.js"
import type { BaseUser, RequestUser, Scope } from "../User.js"
import { UnauthenticatedUser } from "../User.js"

/**
 * What a policy means is written once, in `@effect-auth/core/PolicyAnalysis` (shared with the Effect 4 line): this
 * module gives it this line's types and adds the one thing that needs Effect, the evaluation of effectful checks.
 * The core reads the nodes structurally: a clause it returns is a node of the policy it was given.
 */

type AnyPolicy = Policy.Policy<any>
type AnyUser = RequestUser | BaseUser
type Outcome = Effect.Effect<Option.Option<AnyPolicy>, never, any>

/** A pure policy, decided: the clause that fails (a check fails), or `undefined`. */
export type Decider = (user: AnyUser, credentials: AuthCredentials) => AnyPolicy | undefined

/** Three-valued: whether an anonymous request with no scopes passes, fails, or may pass (a check cannot be run here). */
export type Verdict = core.Verdict

const anonymousUser = new UnauthenticatedUser()

const passed: Outcome = Effect.succeed(Option.none())

/** `Policy.format`. */
export const format: (policy: AnyPolicy) => string = core.format

/**
 * The policy's decider, built on first use and kept with the policy: `requires` holds the one of its policy, so the
 * per-request path is a call, with no look-up.
 */
export const deciderOf = core.deciderOf as (policy: AnyPolicy) => Decider

/** `Policy.decide` without the `Option`: the clause that failed, or `undefined`. */
export const failing = core.failing as (
  policy: AnyPolicy,
  user: AnyUser,
  credentials: AuthCredentials
) => AnyPolicy | undefined

const decided = (policy: AnyPolicy, user: AnyUser, credentials: AuthCredentials): Option.Option<AnyPolicy> => {
  const failed = failing(policy, user, credentials)
  return failed === undefined ? Option.none() : Option.some(failed)
}

/**
 * `Policy.evaluate`: checks run in order and only as far as needed (`all` stops at the first failure, `any` at the
 * first success).
 */
export const evaluate = (policy: AnyPolicy, user: AnyUser, credentials: AuthCredentials): Outcome => {
  if (!hasChecks(policy)) return Effect.succeed(decided(policy, user, credentials))
  switch (policy._tag) {
    case "All":
      return policy.policies.reduceRight<Outcome>(
        (next, member) =>
          Effect.flatMap(
            evaluate(member, user, credentials),
            (failed) => failed._tag === "None" ? next : Effect.succeed(failed)
          ),
        passed
      )
    case "Any":
      return policy.policies.reduceRight<Outcome>(
        (next, member) =>
          Effect.flatMap(evaluate(member, user, credentials), (failed) => failed._tag === "None" ? passed : next),
        Effect.succeed(Option.some(policy))
      )
    case "Not":
      return Effect.map(
        evaluate(policy.policy, user, credentials),
        (failed) => failed._tag === "None" ? Option.some(policy) : Option.none()
      )
    case "Check":
      return Effect.map(policy.effect, (ok) => ok ? Option.none() : Option.some(policy))
    default:
      return Effect.succeed(decided(policy, user, credentials))
  }
}

/** Whether a policy has effectful checks. */
export const hasChecks: (policy: AnyPolicy) => boolean = core.hasChecks

/** The scopes a policy names (each once, in order): what a denial reports, and what OpenAPI lists. */
export const scopesOf = core.scopesOf as (policy: AnyPolicy) => ReadonlyArray<Scope>

/**
 * If `policy` is scopes only, all of them (a `Scope`, or an `All` of `Scope`s), those scopes: `requires` then takes
 * a path that allocates nothing when the request passes.
 */
export const allOfScopes = core.allOfScopes as (policy: AnyPolicy) => ReadonlyArray<Scope> | undefined

/** Whether an anonymous request with no scopes passes `policy`, fails it, or may pass it. */
export const anonymous = (policy: AnyPolicy): Verdict => core.anonymous(policy, anonymousUser)

/** Past this many alternatives (all-of of any-ofs multiplies them), the operation lists its schemes without scopes. */
export const maxAlternatives = core.maxAlternatives

/**
 * The scopes of each alternative way to pass, for an authenticated request: every branch of an `any` is one (none
 * is dropped); a clause with no OpenAPI form (`not`, `user`, `check`) adds no scope to its alternative, and the
 * operation's description names it.
 */
export const alternatives: (policy: AnyPolicy) => ReadonlyArray<ReadonlyArray<string>> | undefined = core.alternatives

/** Whether the policy is said in full by OpenAPI `security` (scopes, `authenticated`, all-of and any-of of them). */
export const expressible: (policy: AnyPolicy) => boolean = core.expressible
