import { assert, describe, it } from "@effect/vitest"
import { Effect, Equal, Hash, Option, Result, Schema } from "effect"
import { AuthCredentials, CurrentAuthentication, SimpleUser, UnauthenticatedUser } from "effect-auth"
import { Authentication } from "effect-auth/CurrentUser"
import * as Policy from "effect-auth/Policy"
import { hasRequiredScope, requires } from "effect-auth/Requires"
import type { RequestUser } from "effect-auth/User"
import * as Arbitrary from "effect/Arbitrary"
import {
  allOfScopes,
  alternatives,
  anonymous,
  expressible,
  hasChecks,
  scopesOf
} from "../src/internal/policyAnalysis.js"

// fast-check is not bundled with Effect 4: the generators are built from `effect/Arbitrary`
const oneOf = <A>(...choices: ReadonlyArray<Arbitrary.Arbitrary<A>>): Arbitrary.Arbitrary<A> =>
  Arbitrary.flatMap(Arbitrary.schema(Schema.Literals(choices.map((_, i) => i))), (i) => choices[i]!)

const alphabet = ["read", "write", "admin", "Admin", "a b"] as const
const scopeArb = Arbitrary.schema(Schema.Literals(alphabet))
const scopesArb = Arbitrary.map(Arbitrary.array(scopeArb, { maxLength: 6 }), (scopes) => Array.from(new Set(scopes)))
const credentialsArb = Arbitrary.map(scopesArb, (scopes) => new AuthCredentials(scopes))
const userArb: Arbitrary.Arbitrary<RequestUser> = oneOf<RequestUser>(
  Arbitrary.Constant(new UnauthenticatedUser()),
  Arbitrary.map(
    Arbitrary.schema(Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(8))),
    (name) => new SimpleUser(name)
  )
)

const named = Policy.user("named a…", (user) => user.displayName.startsWith("a"))

// pure policies of bounded depth over a small alphabet, so that passes and failures are both common
const policyAt = (depth: number): Arbitrary.Arbitrary<Policy.Policy> => {
  const leaves = [
    Arbitrary.map(scopeArb, Policy.scope),
    Arbitrary.Constant<Policy.Policy>(Policy.authenticated),
    Arbitrary.Constant<Policy.Policy>(named)
  ]
  if (depth === 0) return oneOf(...leaves)
  const inner = policyAt(depth - 1)
  const members = Arbitrary.array(inner, { maxLength: 3 })
  return oneOf<Policy.Policy>(
    ...leaves,
    Arbitrary.map(inner, Policy.not),
    Arbitrary.map(members, (ps) => Policy.all(...ps)),
    Arbitrary.map(members, (ps) => Policy.any(...ps))
  )
}
const policyArb = policyAt(3)

const passes = (policy: Policy.Policy<any>, user: RequestUser, credentials: AuthCredentials) =>
  Option.isNone(Policy.decide(policy, user, credentials))

describe("Policy laws", () => {
  it.prop("all() always passes, any() never does", [userArb, credentialsArb], ([user, credentials]) => {
    assert.isTrue(passes(Policy.all(), user, credentials))
    assert.isFalse(passes(Policy.any(), user, credentials))
  })

  it.prop("De Morgan", [policyArb, policyArb, userArb, credentialsArb], ([a, b, user, credentials]) => {
    assert.strictEqual(
      passes(Policy.not(Policy.all(a, b)), user, credentials),
      passes(Policy.any(Policy.not(a), Policy.not(b)), user, credentials)
    )
    assert.strictEqual(
      passes(Policy.not(Policy.any(a, b)), user, credentials),
      passes(Policy.all(Policy.not(a), Policy.not(b)), user, credentials)
    )
  })

  it.prop(
    "all and any are associative and commutative on outcomes",
    [policyArb, policyArb, policyArb, userArb, credentialsArb],
    ([a, b, c, user, credentials]) => {
      for (const combine of [Policy.all, Policy.any]) {
        const outcome = (p: Policy.Policy<any>) => passes(p, user, credentials)
        assert.strictEqual(outcome(combine(a, combine(b, c))), outcome(combine(combine(a, b), c)))
        assert.strictEqual(outcome(combine(a, b)), outcome(combine(b, a)))
      }
    }
  )

  it.prop("not is an involution on outcomes", [policyArb, userArb, credentialsArb], ([a, user, credentials]) => {
    assert.strictEqual(passes(Policy.not(Policy.not(a)), user, credentials), passes(a, user, credentials))
  })

  it.prop(
    "monotonicity: more granted scopes never deny a scope policy that passed",
    [scopesArb, scopesArb, scopesArb, userArb],
    ([required, granted, extra, user]) => {
      const policy = Policy.scopes(required)
      if (passes(policy, user, new AuthCredentials(granted))) {
        assert.isTrue(passes(policy, user, new AuthCredentials([...granted, ...extra])))
      }
    }
  )

  it.prop("a failing clause is part of the policy and fails on its own", [policyArb, userArb, credentialsArb], ([
    policy,
    user,
    credentials
  ]) => {
    const decided = Policy.decide(policy, user, credentials)
    if (Option.isNone(decided)) return
    const failed = decided.value
    const parts: Array<Policy.Policy<any>> = []
    const walk = (p: Policy.Policy<any>): void => {
      parts.push(p)
      if (p._tag === "All" || p._tag === "Any") p.policies.forEach(walk)
      if (p._tag === "Not") walk(p.policy)
    }
    walk(policy)
    assert.isTrue(parts.includes(failed))
    assert.isFalse(passes(failed, user, credentials))
  })

  it.effect.prop(
    "evaluate agrees with decide, and a check behaves as its answer",
    [policyArb, Arbitrary.schema(Schema.Boolean), userArb, credentialsArb],
    ([policy, answer, user, credentials]) =>
      Effect.gen(function*() {
        const evaluated = yield* Policy.evaluate(policy, user, credentials)
        const decided = Policy.decide(policy, user, credentials)
        // the same clause, not only an equal one
        assert.strictEqual(Option.getOrUndefined(evaluated), Option.getOrUndefined(decided))
        const check = Policy.check("answer", Effect.succeed(answer))
        const withCheck = Policy.all(policy, check)
        const withCheckEvaluated = yield* Policy.evaluate(withCheck, user, credentials)
        assert.strictEqual(Option.isNone(withCheckEvaluated), answer && passes(policy, user, credentials))
        // a check passed on its own fails as itself
        if (!answer && passes(policy, user, credentials)) {
          assert.strictEqual(Option.getOrUndefined(withCheckEvaluated), check)
        }
      })
  )
})

describe("hasRequiredScope laws", () => {
  it.prop("[] always passes", [credentialsArb], ([credentials]) => {
    assert.isTrue(hasRequiredScope(credentials, []))
  })
  it.prop(
    "adding granted scopes never removes access",
    [scopesArb, scopesArb, scopesArb],
    ([required, granted, extra]) => {
      if (hasRequiredScope(new AuthCredentials(granted), required)) {
        assert.isTrue(hasRequiredScope(new AuthCredentials([...granted, ...extra]), required))
      }
    }
  )
  it.prop("requiring more never grants more", [scopesArb, scopesArb, scopesArb], ([required, more, granted]) => {
    const credentials = new AuthCredentials(granted)
    if (!hasRequiredScope(credentials, required)) {
      assert.isFalse(hasRequiredScope(credentials, [...required, ...more]))
    }
  })
  it.prop("agrees with a set inclusion; data-last too", [scopesArb, scopesArb], ([required, granted]) => {
    const set = new Set(granted)
    const credentials = new AuthCredentials(granted)
    assert.strictEqual(hasRequiredScope(credentials, required), required.every((s) => set.has(s)))
    assert.strictEqual(hasRequiredScope(required)(credentials), hasRequiredScope(credentials, required))
  })
  it("one string is one scope, never split; matching is exact", () => {
    assert.isFalse(hasRequiredScope(new AuthCredentials(["a", "b"]), "a b"))
    assert.isTrue(hasRequiredScope(new AuthCredentials(["a b"]), "a b"))
    assert.isFalse(hasRequiredScope(new AuthCredentials(["admin"]), "Admin"))
  })
})

describe("requires(scopes) is requires(all(scope…))", () => {
  const handler = Effect.succeed("ok")
  // no request: requires reads it only when it has one (for a redirect or a websocket)
  const run = (guarded: Effect.Effect<string, any, any>, user: RequestUser, credentials: AuthCredentials) =>
    (guarded as Effect.Effect<string, any, typeof CurrentAuthentication.Identifier>).pipe(
      Effect.provideService(CurrentAuthentication, new Authentication(user, credentials, undefined)),
      Effect.result
    )
  it.effect.prop(
    "same outcome, same denial",
    [scopesArb, userArb, credentialsArb],
    ([required, user, credentials]) =>
      Effect.gen(function*() {
        const short = yield* run(requires(handler, required), user, credentials)
        const long = yield* run(requires(handler, Policy.all(...required.map(Policy.scope))), user, credentials)
        assert.strictEqual(Result.isSuccess(short), Result.isSuccess(long))
        if (Result.isFailure(short) && Result.isFailure(long)) {
          const [a, b] = [short.failure, long.failure]
          assert.strictEqual(a._tag, "PermissionDenied")
          assert.strictEqual(a.status, b.status)
          assert.deepStrictEqual(a.scopes, b.scopes)
          assert.strictEqual(a.clause, b.clause)
        }
      })
  )
})

describe("Policy values", () => {
  it("print as the constructors that build them", () => {
    const policy = Policy.all(
      Policy.authenticated,
      Policy.any(Policy.scope("admin"), Policy.not(Policy.scope("banned"))),
      Policy.user("staff", () => true),
      Policy.check("owner", Effect.succeed(true)),
      Policy.method("basic")
    )
    const printed = `all(authenticated, any("admin", not("banned")), user("staff"), check("owner"), method("basic"))`
    assert.strictEqual(String(policy), printed)
    assert.strictEqual(JSON.stringify(policy), JSON.stringify(printed))
    assert.isTrue(Policy.isPolicy(policy))
    assert.isFalse(Policy.isPolicy({ _tag: "All", policies: [] }))
  })
  it("compare and hash structurally", () => {
    assert.isTrue(Equal.equals(Policy.scopes(["a", "b"]), Policy.all(Policy.scope("a"), Policy.scope("b"))))
    assert.strictEqual(
      Hash.hash(Policy.scopes(["a", "b"])),
      Hash.hash(Policy.all(Policy.scope("a"), Policy.scope("b")))
    )
    assert.isTrue(
      Equal.equals(Policy.not(Policy.any(Policy.authenticated)), Policy.not(Policy.any(Policy.authenticated)))
    )
    assert.isFalse(Equal.equals(Policy.all(Policy.scope("a")), Policy.any(Policy.scope("a"))))
    assert.isFalse(Equal.equals(Policy.scopes(["a", "b"]), Policy.scopes(["b", "a"])))
    // predicates and checks are equal when they are the same function or effect under the same label
    const predicate = (user: RequestUser) => user.isAuthenticated
    assert.isTrue(Equal.equals(Policy.user("p", predicate), Policy.user("p", predicate)))
    assert.isFalse(Equal.equals(Policy.user("p", predicate), Policy.user("q", predicate)))
  })

  it.prop("structural equality agrees with printing, and equal policies hash alike", [policyArb], ([policy]) => {
    const rebuilt = rebuild(policy)
    assert.notStrictEqual(rebuilt, policy)
    assert.isTrue(Equal.equals(rebuilt, policy))
    assert.strictEqual(Hash.hash(rebuilt), Hash.hash(policy))
    assert.strictEqual(Policy.format(rebuilt), Policy.format(policy))
  })
})

// the same policy, every node made anew
const rebuild = (policy: Policy.Policy<any>): Policy.Policy<any> => {
  switch (policy._tag) {
    case "Scope":
      return Policy.scope(policy.scope)
    case "All":
      return Policy.all(...policy.policies.map(rebuild))
    case "Any":
      return Policy.any(...policy.policies.map(rebuild))
    case "Not":
      return Policy.not(rebuild(policy.policy))
    case "Authenticated":
      return new Policy.Authenticated()
    case "Method":
      return Policy.method(policy.method)
    case "User":
      return Policy.user(policy.label, policy.predicate)
    case "Check":
      return Policy.check(policy.label, policy.effect)
  }
}

describe("internal: scopesOf and allOfScopes", () => {
  it("scopesOf names each scope once, in order, wherever it appears", () => {
    assert.deepStrictEqual(scopesOf(Policy.any(Policy.scope("a"), Policy.not(Policy.scope("b")), Policy.scope("a"))), [
      "a",
      "b"
    ])
    assert.deepStrictEqual(scopesOf(Policy.all(Policy.authenticated, Policy.user("u", () => true))), [])
  })

  it("allOfScopes: the scopes of a policy that is all of some scopes, else undefined", () => {
    assert.deepStrictEqual(allOfScopes(Policy.scope("a")), ["a"])
    assert.deepStrictEqual(allOfScopes(Policy.scopes(["a", "b"])), ["a", "b"])
    assert.deepStrictEqual(allOfScopes(Policy.all(Policy.scope("a"), Policy.all(Policy.scope("b")))), ["a", "b"])
    assert.deepStrictEqual(allOfScopes(Policy.all()), [])
    assert.isUndefined(allOfScopes(Policy.any(Policy.scope("a"))))
    assert.isUndefined(allOfScopes(Policy.all(Policy.scope("a"), Policy.authenticated)))
    assert.isUndefined(allOfScopes(Policy.not(Policy.scope("a"))))
  })

  it.prop("allOfScopes, when defined, decides as hasRequiredScope", [policyArb, userArb, credentialsArb], ([
    policy,
    user,
    credentials
  ]) => {
    const scopes = allOfScopes(policy)
    if (scopes !== undefined) {
      assert.strictEqual(hasRequiredScope(credentials, scopes), passes(policy, user, credentials))
    }
  })
})

describe("internal: the anonymous verdict, the OpenAPI alternatives and the checks", () => {
  it.prop("the anonymous verdict of a pure policy is exact", [policyArb], ([policy]) => {
    const verdict = anonymous(policy)
    assert.notStrictEqual(verdict, "unknown")
    assert.strictEqual(verdict === "pass", passes(policy, new UnauthenticatedUser(), new AuthCredentials()))
  })

  it("a check or a method leaves the anonymous verdict open, unless the rest decides it", () => {
    const check = Policy.check("c", Effect.succeed(true))
    assert.strictEqual(anonymous(check), "unknown")
    assert.strictEqual(anonymous(Policy.not(Policy.method("basic"))), "unknown")
    assert.strictEqual(anonymous(Policy.all(Policy.scope("read"), check)), "fail")
    assert.strictEqual(anonymous(Policy.any(Policy.not(Policy.scope("read")), check)), "pass")
  })

  it.prop(
    "an expressible policy passes an authenticated user exactly when one alternative's scopes are held",
    [policyArb, credentialsArb],
    ([policy, credentials]) => {
      const ways = alternatives(policy)
      if (!expressible(policy) || ways === undefined) return
      assert.strictEqual(
        passes(policy, new SimpleUser("alice"), credentials),
        ways.some((scopes) => scopes.every((scope) => credentials.has(scope)))
      )
    }
  )

  it.prop("hasChecks finds a check wherever it is", [policyArb], ([policy]) => {
    const check = Policy.check("c", Effect.succeed(true))
    assert.isFalse(hasChecks(policy))
    assert.isTrue(hasChecks(Policy.any(policy, Policy.not(check))))
  })

  it("a method policy reads how the credentials were established", () => {
    const basic = Policy.method("basic")
    const user = new SimpleUser("alice")
    assert.isTrue(passes(basic, user, new AuthCredentials([], { method: "basic" })))
    assert.isFalse(passes(basic, user, new AuthCredentials([], { method: "jwt" })))
  })
})
