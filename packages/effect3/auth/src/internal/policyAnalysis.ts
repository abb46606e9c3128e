import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { AuthCredentials } from "../AuthCredentials.js"
import type * as Policy from "../Policy.js"
import type { BaseUser, RequestUser, Scope } from "../User.js"
import { UnauthenticatedUser } from "../User.js"

/**
 * What a policy means, in one place: one row per kind of node in `kinds`, and the analyses (the failing clause, the
 * checks, the scopes, the anonymous verdict, the OpenAPI alternatives) read only those rows. `Policy` is imported for
 * its types: a new kind is its class and constructor in `Policy.ts` and its row here, which the compiler asks for.
 */

type AnyPolicy = Policy.Policy<any>
type AnyUser = RequestUser | BaseUser
type Ways = ReadonlyArray<ReadonlyArray<string>>
type Outcome = Effect.Effect<Option.Option<AnyPolicy>, never, any>

/** A pure policy, decided: the clause that fails (a check fails), or `undefined`. */
export type Decider = (user: AnyUser, credentials: AuthCredentials) => AnyPolicy | undefined

/** Three-valued: whether an anonymous request with no scopes passes, fails, or may pass (a check cannot be run here). */
export type Verdict = "pass" | "fail" | "unknown"

/** What a kind of node says of itself; the optional answers default to those of a clause without members. */
interface Kind<P extends AnyPolicy> {
  /** How `Policy.format` prints it: as the constructor that builds it. */
  readonly format: (policy: P) => string
  /** Its decider, built once: what it reads of the policy is read here, so that deciding allocates nothing. */
  readonly decider: (policy: P) => Decider
  /** What an anonymous request with no scopes gets. */
  readonly anonymous: (policy: P) => Verdict
  /** The policies it is made of (none by default). */
  readonly members?: (policy: P) => ReadonlyArray<AnyPolicy>
  /** Whether it is itself an effectful check (`false` by default; members are asked by `hasChecks`). */
  readonly effectful?: boolean
  /** How it is evaluated when it has checks (by default, decided without them). */
  readonly evaluate?: (policy: P, user: AnyUser, credentials: AuthCredentials) => Outcome
  /** The scopes it is all of, if it is only scopes, all of them (`undefined` by default). */
  readonly allOfScopes?: (policy: P) => ReadonlyArray<Scope> | undefined
  /** The scopes of each way to pass, or `undefined` past `maxAlternatives` (`[[]]`, no scope, by default). */
  readonly alternatives?: (policy: P) => Ways | undefined
  /** Whether OpenAPI `security` says it in full (`false` by default). */
  readonly expressible?: (policy: P) => boolean
}

const anonymousUser = new UnauthenticatedUser()

const passed: Outcome = Effect.succeed(Option.none())

const kinds: { readonly [K in AnyPolicy["_tag"]]: Kind<Extract<AnyPolicy, { readonly _tag: K }>> } = {
  Scope: {
    format: (p) => JSON.stringify(p.scope),
    decider: (p) => {
      const scope = p.scope
      return (_, credentials) => credentials.scopes.includes(scope) ? undefined : p
    },
    anonymous: () => "fail",
    allOfScopes: (p) => [p.scope],
    alternatives: (p) => [[p.scope]],
    expressible: () => true
  },
  All: {
    format: (p) => `all(${p.policies.map(format).join(", ")})`,
    decider: (p) => {
      const members = p.policies.map((member) => deciderOf(member))
      return (user, credentials) => {
        for (let i = 0; i < members.length; i++) {
          const failed = members[i]!(user, credentials)
          if (failed !== undefined) return failed
        }
        return undefined
      }
    },
    anonymous: (p) => {
      let out: Verdict = "pass"
      for (const member of p.policies) {
        const v = anonymous(member)
        if (v === "fail") return "fail"
        if (v === "unknown") out = "unknown"
      }
      return out
    },
    members: (p) => p.policies,
    // in order, stopping at the first failure
    evaluate: (p, user, credentials) =>
      p.policies.reduceRight<Outcome>(
        (next, member) =>
          Effect.flatMap(evaluate(member, user, credentials), (failed) =>
            failed._tag === "None" ? next : Effect.succeed(failed)),
        passed
      ),
    allOfScopes: (p) => {
      const out: Array<Scope> = []
      for (const member of p.policies) {
        const inner = allOfScopes(member)
        if (inner === undefined) return undefined
        out.push(...inner)
      }
      return out
    },
    alternatives: (p) => {
      let out: Ways = [[]]
      for (const member of p.policies) {
        const inner = alternatives(member)
        if (inner === undefined) return undefined
        out = out.flatMap((a) => inner.map((b) => Array.from(new Set([...a, ...b]))))
        if (out.length > maxAlternatives) return undefined
      }
      return out
    },
    expressible: (p) => p.policies.every(expressible)
  },
  Any: {
    format: (p) => `any(${p.policies.map(format).join(", ")})`,
    decider: (p) => {
      const members = p.policies.map((member) => deciderOf(member))
      return (user, credentials) => {
        for (let i = 0; i < members.length; i++) {
          if (members[i]!(user, credentials) === undefined) return undefined
        }
        return p
      }
    },
    anonymous: (p) => {
      let out: Verdict = "fail"
      for (const member of p.policies) {
        const v = anonymous(member)
        if (v === "pass") return "pass"
        if (v === "unknown") out = "unknown"
      }
      return out
    },
    members: (p) => p.policies,
    // in order, stopping at the first success
    evaluate: (p, user, credentials) =>
      p.policies.reduceRight<Outcome>(
        (next, member) =>
          Effect.flatMap(evaluate(member, user, credentials), (failed) => failed._tag === "None" ? passed : next),
        Effect.succeed(Option.some(p))
      ),
    alternatives: (p) => {
      const out: Array<ReadonlyArray<string>> = []
      for (const member of p.policies) {
        const inner = alternatives(member)
        if (inner === undefined) return undefined
        out.push(...inner)
      }
      return out.length > maxAlternatives ? undefined : out
    },
    expressible: (p) => p.policies.every(expressible)
  },
  Not: {
    format: (p) => `not(${format(p.policy)})`,
    decider: (p) => {
      const inner = deciderOf(p.policy)
      return (user, credentials) => inner(user, credentials) === undefined ? p : undefined
    },
    anonymous: (p) => {
      const inner = anonymous(p.policy)
      return inner === "pass" ? "fail" : inner === "fail" ? "pass" : "unknown"
    },
    members: (p) => [p.policy],
    evaluate: (p, user, credentials) =>
      Effect.map(
        evaluate(p.policy, user, credentials),
        (failed) => failed._tag === "None" ? Option.some(p) : Option.none()
      )
  },
  Authenticated: {
    format: () => "authenticated",
    decider: (p) => (user) => user.isAuthenticated ? undefined : p,
    anonymous: () => "fail",
    expressible: () => true
  },
  Method: {
    format: (p) => `method(${JSON.stringify(p.method)})`,
    decider: (p) => {
      const method = p.method
      return (_, credentials) => credentials.method === method ? undefined : p
    },
    anonymous: () => "unknown"
  },
  User: {
    format: (p) => `user(${JSON.stringify(p.label)})`,
    decider: (p) => {
      const predicate = p.predicate
      return (user) => predicate(user as RequestUser) ? undefined : p
    },
    // the predicate is pure: what it says of the anonymous user is exact
    anonymous: (p) => p.predicate(anonymousUser) ? "pass" : "fail"
  },
  Check: {
    format: (p) => `check(${JSON.stringify(p.label)})`,
    decider: (p) => () => p,
    anonymous: () => "unknown",
    effectful: true,
    evaluate: (p) => Effect.map(p.effect, (ok) => ok ? Option.none() : Option.some(p))
  }
}

const kind = (policy: AnyPolicy): Kind<AnyPolicy> => kinds[policy._tag] as Kind<AnyPolicy>

/** `Policy.format`. */
export const format = (policy: AnyPolicy): string => kind(policy).format(policy)

const deciders = new WeakMap<AnyPolicy, Decider>()

/**
 * The policy's decider, built on first use and kept with the policy: `requires` holds the one of its policy, so the
 * per-request path is a call, with no look-up.
 */
export const deciderOf = (policy: AnyPolicy): Decider => {
  let decider = deciders.get(policy)
  if (decider === undefined) {
    decider = kind(policy).decider(policy)
    deciders.set(policy, decider)
  }
  return decider
}

/** `Policy.decide` without the `Option`: the clause that failed, or `undefined`. */
export const failing = (policy: AnyPolicy, user: AnyUser, credentials: AuthCredentials): AnyPolicy | undefined =>
  deciderOf(policy)(user, credentials)

const decided = (policy: AnyPolicy, user: AnyUser, credentials: AuthCredentials): Option.Option<AnyPolicy> => {
  const failed = failing(policy, user, credentials)
  return failed === undefined ? Option.none() : Option.some(failed)
}

/** `Policy.evaluate`: checks run in order and only as far as needed. */
export const evaluate = (policy: AnyPolicy, user: AnyUser, credentials: AuthCredentials): Outcome => {
  const run = kind(policy).evaluate
  return run === undefined || !hasChecks(policy)
    ? Effect.succeed(decided(policy, user, credentials))
    : run(policy, user, credentials)
}

/** Whether a policy has effectful checks. */
export const hasChecks = (policy: AnyPolicy): boolean => {
  const k = kind(policy)
  return k.effectful === true || (k.members !== undefined && k.members(policy).some(hasChecks))
}

/** The scopes a policy names (each once, in order): what a denial reports, and what OpenAPI lists. */
export const scopesOf = (policy: AnyPolicy): ReadonlyArray<Scope> => {
  const out = new Set<Scope>()
  const go = (p: AnyPolicy): void => {
    const k = kind(p)
    if (k.members !== undefined) k.members(p).forEach(go)
    else k.allOfScopes?.(p)?.forEach((scope) => out.add(scope))
  }
  go(policy)
  return Array.from(out)
}

/**
 * If `policy` is scopes only, all of them (a `Scope`, or an `All` of `Scope`s), those scopes: `requires` then takes
 * a path that allocates nothing when the request passes.
 */
export const allOfScopes = (policy: AnyPolicy): ReadonlyArray<Scope> | undefined => kind(policy).allOfScopes?.(policy)

// --- OpenAPI: a requirement as alternatives of scopes ----------------------------------------------------------------

/** Whether an anonymous request with no scopes passes `policy`, fails it, or may pass it. */
export const anonymous = (policy: AnyPolicy): Verdict => kind(policy).anonymous(policy)

/** Past this many alternatives (all-of of any-ofs multiplies them), the operation lists its schemes without scopes. */
export const maxAlternatives = 32

/**
 * The scopes of each alternative way to pass, for an authenticated request: every branch of an `any` is one (none
 * is dropped); a clause with no OpenAPI form (`not`, `user`, `check`) adds no scope to its alternative, and the
 * operation's description names it.
 */
export const alternatives = (policy: AnyPolicy): Ways | undefined => {
  const ways = kind(policy).alternatives
  return ways === undefined ? [[]] : ways(policy)
}

/** Whether the policy is said in full by OpenAPI `security` (scopes, `authenticated`, all-of and any-of of them). */
export const expressible = (policy: AnyPolicy): boolean => kind(policy).expressible?.(policy) ?? false
