import type { AuthCredentials } from "../AuthCredentials.js"
import * as Policy from "../Policy.js"
import type { BaseUser, RequestUser, Scope } from "../User.js"

/** What `requires` accepts: one scope (never split), all of several scopes, or a `Policy`. */
export type Requirement = Scope | ReadonlyArray<Scope> | Policy.Policy<any>

/** The policy a requirement means: a string or an array of strings is all of those scopes. */
export const toPolicy = <P extends Requirement>(requirement: P): Policy.Policy<Policy.Policy.Context<P>> =>
  Policy.isPolicy(requirement)
    ? requirement as Policy.Policy<any>
    : Policy.scopes(requirement as Scope | ReadonlyArray<Scope>)

/** `Policy.decide` without the `Option`: the clause that failed, or `undefined`; the per-request path asks this. */
export const failing = (
  policy: Policy.Policy<any>,
  user: RequestUser | BaseUser,
  credentials: AuthCredentials
): Policy.Policy<any> | undefined => {
  switch (policy._tag) {
    case "Scope":
      return credentials.scopes.includes(policy.scope) ? undefined : policy
    case "All": {
      for (const p of policy.policies) {
        const failed = failing(p, user, credentials)
        if (failed !== undefined) return failed
      }
      return undefined
    }
    case "Any": {
      for (const p of policy.policies) {
        if (failing(p, user, credentials) === undefined) return undefined
      }
      return policy
    }
    case "Not":
      return failing(policy.policy, user, credentials) === undefined ? policy : undefined
    case "Authenticated":
      return user.isAuthenticated ? undefined : policy
    case "Method":
      return credentials.method === policy.method ? undefined : policy
    case "User":
      return policy.predicate(user as RequestUser) ? undefined : policy
    case "Check":
      return policy
  }
}

/** Whether a policy has effectful checks. */
export const hasChecks = (policy: Policy.Policy<any>): boolean => {
  switch (policy._tag) {
    case "Check":
      return true
    case "All":
    case "Any":
      return policy.policies.some(hasChecks)
    case "Not":
      return hasChecks(policy.policy)
    default:
      return false
  }
}

/** The scopes a policy names (each once, in order): what a denial reports, and what OpenAPI lists. */
export const scopesOf = (policy: Policy.Policy<any>): ReadonlyArray<Scope> => {
  const out = new Set<Scope>()
  const go = (p: Policy.Policy<any>): void => {
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
 * If `policy` is scopes only, all of them (a `Scope`, or an `All` of `Scope`s), those scopes: `requires` then takes
 * a path that allocates nothing when the request passes.
 */
export const allOfScopes = (policy: Policy.Policy<any>): ReadonlyArray<Scope> | undefined => {
  if (policy._tag === "Scope") return [policy.scope]
  if (policy._tag !== "All") return undefined
  const out: Array<Scope> = []
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
