import fc from "fast-check"
import { assert, describe, it } from "vitest"
import type { Declared } from "../src/OpenApiSecurity.js"
import { optionalSecurity, rewriteSecurity, schemeMismatch } from "../src/OpenApiSecurity.js"

describe("rewriteSecurity", () => {
  const two = [{ basic: [] }, { bearer: [] }]

  it("each scheme lists each alternative's scopes; {} first when anonymous requests may pass", () => {
    assert.deepStrictEqual(rewriteSecurity([{ basic: [] }], { alternatives: [["admin"]], anonymous: false }), [
      { basic: ["admin"] }
    ])
    assert.deepStrictEqual(rewriteSecurity(two, { alternatives: [["admin"], ["auditor"]], anonymous: false }), [
      { basic: ["admin"] },
      { bearer: ["admin"] },
      { basic: ["auditor"] },
      { bearer: ["auditor"] }
    ])
    assert.deepStrictEqual(rewriteSecurity([{ basic: [] }], { alternatives: [[]], anonymous: true }), [
      {},
      { basic: [] }
    ])
  })

  it("no alternative (any()) keeps the schemes without scopes; no security is left alone", () => {
    assert.deepStrictEqual(rewriteSecurity(two, { alternatives: [], anonymous: false }), two)
    assert.deepStrictEqual(rewriteSecurity(two, { alternatives: undefined, anonymous: false }), two)
    assert.isUndefined(rewriteSecurity([], { alternatives: [["admin"]], anonymous: true }))
    assert.isUndefined(rewriteSecurity(undefined, { alternatives: [["admin"]], anonymous: true }))
  })

  it("never lists an entry twice, and lists every scheme for every alternative", () =>
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom("basic", "bearer", "apiKey"), { minLength: 1 }),
        fc.array(fc.array(fc.constantFrom("a", "b", "c"), { maxLength: 3 }), { maxLength: 4 }),
        fc.boolean(),
        (names, alternatives, anonymous) => {
          const out = rewriteSecurity(names.map((name) => ({ [name]: [] })), { alternatives, anonymous })!
          const keys = out.map((entry) => JSON.stringify(entry))
          assert.strictEqual(new Set(keys).size, keys.length)
          assert.strictEqual(out.some((entry) => Object.keys(entry).length === 0), anonymous)
          if (anonymous) assert.deepStrictEqual(out[0], {})
          for (const scopes of alternatives.length === 0 ? [[]] : alternatives) {
            for (const name of names) assert.include(keys, JSON.stringify({ [name]: scopes }))
          }
        }
      )
    ))
})

describe("optionalSecurity", () => {
  it("{} first, once", () => {
    assert.deepStrictEqual(optionalSecurity([{ basic: [] }]), [{}, { basic: [] }])
    assert.deepStrictEqual(optionalSecurity([{}, { basic: [] }]), [{}, { basic: [] }])
    assert.isUndefined(optionalSecurity([]))
  })
})

describe("schemeMismatch", () => {
  const basic: Declared = { name: "basic", kind: "basic", description: "basic (Basic)" }
  const bearer: Declared = { name: "bearer", kind: "bearer", description: "bearer (Bearer)" }
  const apiKey: Declared = { name: "apiKey", kind: "apikey", description: `apiKey (API key in header "x-api-key")` }

  it("what the backend challenges with must be declared, and a declared bearer must be challenged", () => {
    const message = schemeMismatch("app/Auth", [apiKey], ["Bearer"])!
    assert.include(message, `the middleware "app/Auth" declares apiKey (API key in header "x-api-key")`)
    assert.include(message, `the AuthenticationBackend challenges with "Bearer"`)
    assert.isDefined(schemeMismatch("k", [basic], ["Bearer"]))
    assert.isDefined(schemeMismatch("k", [bearer], [`Basic realm="staff"`]))
    assert.include(schemeMismatch("k", [bearer], [])!, "challenges with nothing")
  })

  it("the schemes the backend reads pass; API keys and Basic without a realm cannot be told apart", () => {
    assert.isUndefined(schemeMismatch("k", [basic], [`Basic realm="staff", charset="UTF-8"`]))
    assert.isUndefined(schemeMismatch("k", [basic, bearer], [`Basic realm="staff"`, "Bearer"]))
    assert.isUndefined(schemeMismatch("k", [apiKey], []))
    assert.isUndefined(schemeMismatch("k", [basic], []))
  })
})
