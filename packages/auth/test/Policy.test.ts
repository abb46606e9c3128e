import { HttpServerRequest } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Equal, Exit } from "effect"
import * as fc from "effect/FastCheck"
import {
  AuthCredentials,
  CurrentCredentials,
  CurrentUser,
  hasRequiredScope,
  Policy,
  requires,
  SimpleUser,
  UnauthenticatedUser
} from "effect-auth"

const alphabet = ["read", "write", "admin", "Admin", "a b"] as const
const scopeArb = fc.constantFrom(...alphabet)
const scopesArb = fc.uniqueArray(scopeArb)
const credentialsArb = scopesArb.map((scopes) => new AuthCredentials(scopes))
const userArb = fc.oneof(
  fc.constant(new UnauthenticatedUser()),
  fc.string({ minLength: 1, maxLength: 8 }).map((name) => new SimpleUser(name))
)

// pure policies of bounded depth over a small alphabet, so that passes and failures are both common
const { policy: policyArb } = fc.letrec<{ policy: Policy.Policy }>((tie) => ({
  policy: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scopeArb.map(Policy.scope),
    fc.constant(Policy.authenticated),
    fc.constant(Policy.user("named a…", (user) => user.displayName.startsWith("a"))),
    tie("policy").map(Policy.not),
    fc.array(tie("policy"), { maxLength: 3 }).map((ps) => Policy.all(...ps)),
    fc.array(tie("policy"), { maxLength: 3 }).map((ps) => Policy.any(...ps))
  )
}))

const passes = (policy: Policy.Policy<any>, user: Policy.Subject, credentials: AuthCredentials) =>
  Policy.decide(policy, user, credentials) === undefined

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
    const failed = Policy.decide(policy, user, credentials)
    if (failed === undefined) return
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
    [policyArb, fc.boolean(), userArb, credentialsArb],
    ([policy, answer, user, credentials]) =>
      Effect.gen(function*() {
        assert.strictEqual(yield* Policy.evaluate(policy, user, credentials), Policy.decide(policy, user, credentials))
        const withCheck = Policy.all(policy, Policy.check("answer", Effect.succeed(answer)))
        const evaluated = yield* Policy.evaluate(withCheck, user, credentials)
        assert.strictEqual(evaluated === undefined, answer && passes(policy, user, credentials))
      })
  )
})

describe("hasRequiredScope laws", () => {
  it.prop("[] always passes", [credentialsArb], ([credentials]) => {
    assert.isTrue(hasRequiredScope(credentials, []))
  })
  it.prop("adding granted scopes never removes access", [scopesArb, scopesArb, scopesArb], ([required, granted, extra]) => {
    if (hasRequiredScope(new AuthCredentials(granted), required)) {
      assert.isTrue(hasRequiredScope(new AuthCredentials([...granted, ...extra]), required))
    }
  })
  it.prop("requiring more never grants more", [scopesArb, scopesArb, scopesArb], ([required, more, granted]) => {
    const credentials = new AuthCredentials(granted)
    if (!hasRequiredScope(credentials, required)) {
      assert.isFalse(hasRequiredScope(credentials, [...required, ...more]))
    }
  })
  it.prop("agrees with a set inclusion", [scopesArb, scopesArb], ([required, granted]) => {
    const set = new Set(granted)
    assert.strictEqual(hasRequiredScope(new AuthCredentials(granted), required), required.every((s) => set.has(s)))
  })
  it("one string is one scope, never split; matching is exact", () => {
    assert.isFalse(hasRequiredScope(new AuthCredentials(["a", "b"]), "a b"))
    assert.isTrue(hasRequiredScope(new AuthCredentials(["a b"]), "a b"))
    assert.isFalse(hasRequiredScope(new AuthCredentials(["admin"]), "Admin"))
  })
})

describe("requires(scopes) is requires(all(scope…))", () => {
  const handler = Effect.succeed("ok")
  const run = (guarded: Effect.Effect<string, any, any>, user: Policy.Subject, credentials: AuthCredentials) =>
    guarded.pipe(
      Effect.provideService(CurrentUser, user),
      Effect.provideService(CurrentCredentials, credentials),
      Effect.provideService(HttpServerRequest.HttpServerRequest, HttpServerRequest.fromWeb(new Request("http://x/p"))),
      Effect.exit
    )
  it.effect.prop("same outcome, same denial", [scopesArb, userArb, credentialsArb], ([required, user, credentials]) =>
    Effect.gen(function*() {
      const short = yield* run(requires(handler, required), user, credentials)
      const long = yield* run(requires(handler, Policy.all(...required.map(Policy.scope))), user, credentials)
      assert.strictEqual(Exit.isSuccess(short), Exit.isSuccess(long))
      if (Exit.isFailure(short) && Exit.isFailure(long)) {
        const [a, b] = [short.cause, long.cause].map((c) => (c as any).error)
        assert.strictEqual(a._tag, "PermissionDenied")
        assert.strictEqual(a.status, b.status)
        assert.deepStrictEqual(a.scopes, b.scopes)
        assert.isTrue(Equal.equals(a.clause, b.clause))
      }
    }))
})

describe("Policy values", () => {
  it("print as the constructors that build them", () => {
    const policy = Policy.all(
      Policy.authenticated,
      Policy.any(Policy.scope("admin"), Policy.not(Policy.scope("banned"))),
      Policy.user("staff", () => true),
      Policy.check("owner", Effect.succeed(true))
    )
    assert.strictEqual(
      String(policy),
      `all(authenticated, any("admin", not("banned")), user("staff"), check("owner"))`
    )
  })
  it("compare structurally", () => {
    assert.isTrue(Equal.equals(Policy.scopes(["a", "b"]), Policy.all(Policy.scope("a"), Policy.scope("b"))))
    assert.isFalse(Equal.equals(Policy.all(Policy.scope("a")), Policy.any(Policy.scope("a"))))
    assert.deepStrictEqual(Policy.scopesOf(Policy.any(Policy.scope("a"), Policy.not(Policy.scope("b")), Policy.scope("a"))), [
      "a",
      "b"
    ])
  })
})
