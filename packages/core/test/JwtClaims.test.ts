import fc from "fast-check"
import { assert, describe, it } from "vitest"
import { scopesOf } from "../src/JwtClaims.js"

describe("scopesOf", () => {
  it("scope (space-separated), else scp (an array or a string); none when neither; undefined when malformed", () => {
    assert.deepStrictEqual(scopesOf({ scope: "read  write " }), ["read", "write"])
    assert.deepStrictEqual(scopesOf({ scp: ["read", "write"] }), ["read", "write"])
    assert.deepStrictEqual(scopesOf({ scp: "read write" }), ["read", "write"])
    assert.deepStrictEqual(scopesOf({ scope: "a", scp: ["b"] }), ["a"])
    assert.deepStrictEqual(scopesOf({}), [])
    assert.isUndefined(scopesOf({ scope: 1 }))
    assert.isUndefined(scopesOf({ scp: ["a", 1] }))
    assert.isUndefined(scopesOf({ scope: null }))
  })

  it("a space-separated list reads back as its words", () =>
    fc.assert(fc.property(fc.array(fc.stringMatching(/^[^ ]+$/)), (scopes) => {
      assert.deepStrictEqual(scopesOf({ scope: scopes.join(" ") }), scopes)
      assert.deepStrictEqual(scopesOf({ scp: scopes }), scopes)
    })))
})
