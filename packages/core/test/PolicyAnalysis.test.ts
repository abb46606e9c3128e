import fc from "fast-check"
import { assert, describe, it } from "vitest"
import type { Credentials, Policy, User } from "../src/PolicyAnalysis.js"
import {
  allOfScopes,
  alternatives,
  anonymous,
  expressible,
  failing,
  format,
  hasChecks,
  members,
  scopesOf
} from "../src/PolicyAnalysis.js"

// plain nodes, shaped as each line's Policy classes are
const scope = (scope: string): Policy => ({ _tag: "Scope", scope })
const all = (...policies: Array<Policy>): Policy => ({ _tag: "All", policies })
const any = (...policies: Array<Policy>): Policy => ({ _tag: "Any", policies })
const not = (policy: Policy): Policy => ({ _tag: "Not", policy })
const authenticated: Policy = { _tag: "Authenticated" }
const named: Policy = { _tag: "User", label: "named a…", predicate: (user: Person) => user.name.startsWith("a") }
const check: Policy = { _tag: "Check", label: "c" }

interface Person extends User {
  readonly name: string
}
const nobody: Person = { isAuthenticated: false, name: "" }

const scopeArb = fc.constantFrom("read", "write", "admin", "Admin", "a b")
const credentialsArb = fc.uniqueArray(scopeArb).map((scopes): Credentials => ({ scopes }))
const userArb = fc.oneof(
  fc.constant(nobody),
  fc.string({ minLength: 1, maxLength: 8 }).map((name): Person => ({ isAuthenticated: true, name }))
)
const { policy: policyArb } = fc.letrec<{ policy: Policy }>((tie) => ({
  policy: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scopeArb.map(scope),
    fc.constant(authenticated),
    fc.constant(named),
    tie("policy").map(not),
    fc.array(tie("policy"), { maxLength: 3 }).map((ps) => all(...ps)),
    fc.array(tie("policy"), { maxLength: 3 }).map((ps) => any(...ps))
  )
}))

const passes = (policy: Policy, user: User, credentials: Credentials) =>
  failing(policy, user, credentials) === undefined

describe("PolicyAnalysis laws", () => {
  it("all() always passes, any() never does; a check fails when decided", () =>
    fc.assert(fc.property(userArb, credentialsArb, (user, credentials) => {
      assert.isTrue(passes(all(), user, credentials))
      assert.isFalse(passes(any(), user, credentials))
      assert.strictEqual(failing(all(check), user, credentials), check)
    })))

  it("De Morgan, and not is an involution", () =>
    fc.assert(fc.property(policyArb, policyArb, userArb, credentialsArb, (a, b, user, credentials) => {
      const outcome = (p: Policy) => passes(p, user, credentials)
      assert.strictEqual(outcome(not(all(a, b))), outcome(any(not(a), not(b))))
      assert.strictEqual(outcome(not(any(a, b))), outcome(all(not(a), not(b))))
      assert.strictEqual(outcome(not(not(a))), outcome(a))
    })))

  it("a failing clause is part of the policy and fails on its own", () =>
    fc.assert(fc.property(policyArb, userArb, credentialsArb, (policy, user, credentials) => {
      const failed = failing(policy, user, credentials)
      if (failed === undefined) return
      const parts: Array<Policy> = []
      const walk = (p: Policy): void => {
        parts.push(p)
        members(p).forEach(walk)
      }
      walk(policy)
      assert.isTrue(parts.includes(failed))
      assert.isFalse(passes(failed, user, credentials))
    })))

  it("the anonymous verdict of a pure policy is exact", () =>
    fc.assert(fc.property(policyArb, (policy) => {
      const verdict = anonymous(policy, nobody)
      assert.notStrictEqual(verdict, "unknown")
      assert.strictEqual(verdict === "pass", passes(policy, nobody, { scopes: [] }))
    })))

  it("allOfScopes, when defined, decides as set inclusion", () =>
    fc.assert(fc.property(policyArb, userArb, credentialsArb, (policy, user, credentials) => {
      const scopes = allOfScopes(policy)
      if (scopes === undefined) return
      assert.strictEqual(scopes.every((s) => credentials.scopes.includes(s)), passes(policy, user, credentials))
    })))

  it("an expressible policy passes an authenticated user exactly when one alternative's scopes are held", () =>
    fc.assert(fc.property(policyArb, credentialsArb, (policy, credentials) => {
      const ways = alternatives(policy)
      if (!expressible(policy) || ways === undefined) return
      assert.strictEqual(
        passes(policy, { isAuthenticated: true, name: "alice" } as Person, credentials),
        ways.some((scopes) => scopes.every((s) => credentials.scopes.includes(s)))
      )
    })))

  it("hasChecks finds a check wherever it is", () =>
    fc.assert(fc.property(policyArb, (policy) => {
      assert.isFalse(hasChecks(policy))
      assert.isTrue(hasChecks(any(policy, not(check))))
    })))
})

describe("PolicyAnalysis values", () => {
  it("formats as the constructors that build a policy", () => {
    assert.strictEqual(
      format(
        all(authenticated, any(scope("admin"), not(scope("banned"))), named, check, { _tag: "Method", method: "basic" })
      ),
      `all(authenticated, any("admin", not("banned")), user("named a…"), check("c"), method("basic"))`
    )
  })

  it("scopesOf names each scope once, in order; allOfScopes only for all of scopes", () => {
    assert.deepStrictEqual(scopesOf(any(scope("a"), not(scope("b")), scope("a"))), ["a", "b"])
    assert.deepStrictEqual(allOfScopes(all(scope("a"), all(scope("b")))), ["a", "b"])
    assert.isUndefined(allOfScopes(all(scope("a"), authenticated)))
    assert.isUndefined(allOfScopes(any(scope("a"))))
  })

  it("a method or a check leaves the anonymous verdict open unless the rest decides it", () => {
    assert.strictEqual(anonymous(check, nobody), "unknown")
    assert.strictEqual(anonymous(not({ _tag: "Method", method: "basic" }), nobody), "unknown")
    assert.strictEqual(anonymous(all(scope("read"), check), nobody), "fail")
    assert.strictEqual(anonymous(any(not(scope("read")), check), nobody), "pass")
  })

  it("alternatives multiply across all and give up past the bound", () => {
    assert.deepStrictEqual(alternatives(all(any(scope("a"), scope("b")), scope("c"))), [["a", "c"], ["b", "c"]])
    const wide = any(...Array.from({ length: 6 }, (_, i) => scope(`s${i}`)))
    assert.isUndefined(alternatives(all(wide, wide)))
  })
})
