import type { Credentials, Decider, Policy, User, Verdict } from "../PolicyAnalysis.js"

// What a policy means, in one place: one row per kind of node in `kinds`, and the analyses read only those rows.
// `PolicyAnalysis` documents and exports them.

type Ways = ReadonlyArray<ReadonlyArray<string>>

/** What a kind of node says of itself; the optional answers default to those of a clause without members. */
interface Kind<P extends Policy> {
  /** How `Policy.format` prints it: as the constructor that builds it. */
  readonly format: (policy: P) => string
  /** Its decider, built once: what it reads of the policy is read here, so that deciding allocates nothing. */
  readonly decider: (policy: P) => Decider
  /** What the anonymous user (given), with no scopes, gets. */
  readonly anonymous: (policy: P, anonymousUser: User) => Verdict
  /** The policies it is made of (none by default). */
  readonly members?: (policy: P) => ReadonlyArray<Policy>
  /** Whether it is itself an effectful check (`false` by default; members are asked by `hasChecks`). */
  readonly effectful?: boolean
  /** The scopes it is all of, if it is only scopes, all of them (`undefined` by default). */
  readonly allOfScopes?: (policy: P) => ReadonlyArray<string> | undefined
  /** The scopes of each way to pass, or `undefined` past `maxAlternatives` (`[[]]`, no scope, by default). */
  readonly alternatives?: (policy: P) => Ways | undefined
  /** Whether OpenAPI `security` says it in full (`false` by default). */
  readonly expressible?: (policy: P) => boolean
}

const kinds: { readonly [K in Policy["_tag"]]: Kind<Extract<Policy, { readonly _tag: K }>> } = {
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
    anonymous: (p, anonymousUser) => {
      let out: Verdict = "pass"
      for (const member of p.policies) {
        const v = anonymous(member, anonymousUser)
        if (v === "fail") return "fail"
        if (v === "unknown") out = "unknown"
      }
      return out
    },
    members: (p) => p.policies,
    allOfScopes: (p) => {
      const out: Array<string> = []
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
    anonymous: (p, anonymousUser) => {
      let out: Verdict = "fail"
      for (const member of p.policies) {
        const v = anonymous(member, anonymousUser)
        if (v === "pass") return "pass"
        if (v === "unknown") out = "unknown"
      }
      return out
    },
    members: (p) => p.policies,
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
    anonymous: (p, anonymousUser) => {
      const inner = anonymous(p.policy, anonymousUser)
      return inner === "pass" ? "fail" : inner === "fail" ? "pass" : "unknown"
    },
    members: (p) => [p.policy]
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
      const predicate = p.predicate as (user: User) => boolean
      return (user) => predicate(user) ? undefined : p
    },
    // the predicate is pure: what it says of the anonymous user is exact
    anonymous: (p, anonymousUser) => (p.predicate as (user: User) => boolean)(anonymousUser) ? "pass" : "fail"
  },
  Check: {
    format: (p) => `check(${JSON.stringify(p.label)})`,
    decider: (p) => () => p,
    anonymous: () => "unknown",
    effectful: true
  }
}

const kind = (policy: Policy): Kind<Policy> => kinds[policy._tag] as Kind<Policy>

/** `PolicyAnalysis.format`. */
export const format = (policy: Policy): string => kind(policy).format(policy)

const deciders = new WeakMap<Policy, Decider>()

/** `PolicyAnalysis.deciderOf`: built on first use, kept with the policy. */
export const deciderOf = (policy: Policy): Decider => {
  let decider = deciders.get(policy)
  if (decider === undefined) {
    decider = kind(policy).decider(policy)
    deciders.set(policy, decider)
  }
  return decider
}

/** `PolicyAnalysis.failing`: the clause that fails, or `undefined`. */
export const failing = (policy: Policy, user: User, credentials: Credentials): Policy | undefined =>
  deciderOf(policy)(user, credentials)

/** `PolicyAnalysis.members`. */
export const members = (policy: Policy): ReadonlyArray<Policy> => kind(policy).members?.(policy) ?? []

/** `PolicyAnalysis.hasChecks`. */
export const hasChecks = (policy: Policy): boolean => {
  const k = kind(policy)
  return k.effectful === true || (k.members !== undefined && k.members(policy).some(hasChecks))
}

/** `PolicyAnalysis.scopesOf`: each scope once, in order. */
export const scopesOf = (policy: Policy): ReadonlyArray<string> => {
  const out = new Set<string>()
  const go = (p: Policy): void => {
    const k = kind(p)
    if (k.members !== undefined) k.members(p).forEach(go)
    else k.allOfScopes?.(p)?.forEach((scope) => out.add(scope))
  }
  go(policy)
  return Array.from(out)
}

/** `PolicyAnalysis.allOfScopes`. */
export const allOfScopes = (policy: Policy): ReadonlyArray<string> | undefined => kind(policy).allOfScopes?.(policy)

/** `PolicyAnalysis.anonymous`. */
export const anonymous = (policy: Policy, anonymousUser: User): Verdict => kind(policy).anonymous(policy, anonymousUser)

/** `PolicyAnalysis.maxAlternatives`. */
export const maxAlternatives = 32

/** `PolicyAnalysis.alternatives`: the scopes of each way to pass, `undefined` past `maxAlternatives`. */
export const alternatives = (policy: Policy): Ways | undefined => {
  const ways = kind(policy).alternatives
  return ways === undefined ? [[]] : ways(policy)
}

/** `PolicyAnalysis.expressible`. */
export const expressible = (policy: Policy): boolean => kind(policy).expressible?.(policy) ?? false
