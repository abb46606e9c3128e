import fc from "fast-check"
import { assert, describe, it } from "vitest"
import type { Policy } from "../src/JwtClaims.js"
import { checkClaims, checkLifetime, scopesOf } from "../src/JwtClaims.js"

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

const now = 1_700_000_000
const policy: Policy = { requiredClaims: ["exp"], clockTolerance: 5 }
const tag = (payload: Record<string, unknown>, p: Policy = policy, header: Record<string, unknown> = {}, at = now) =>
  checkClaims(header, payload, p, at)._tag

describe("checkClaims", () => {
  it("exp, with the leeway: valid while exp > now - tolerance, then Expired", () => {
    assert.strictEqual(tag({ exp: now - 4 }), "Valid")
    assert.strictEqual(tag({ exp: now - 5 }), "Expired")
    assert.strictEqual(tag({ exp: now + 60, nbf: now + 5 }), "Valid")
    assert.strictEqual(tag({ exp: now + 60, nbf: now + 6 }), "Invalid")
    assert.strictEqual(tag({}), "Invalid") // exp required
    assert.strictEqual(tag({}, { ...policy, requiredClaims: [] }), "Valid")
    for (const claim of ["exp", "nbf", "iat"]) assert.strictEqual(tag({ exp: now + 60, [claim]: "1" }), "Invalid")
  })

  it("iss, aud (a string or an array naming one), typ (as a media type), required claims", () => {
    const strict: Policy = { ...policy, issuer: ["https://a/"], audience: ["api", "web"], typ: "at+jwt" }
    const good = { exp: now + 60, iss: "https://a/", aud: "api" }
    const at = { typ: "at+JWT" }
    assert.strictEqual(tag(good, strict, at), "Valid")
    assert.strictEqual(tag({ ...good, aud: ["other", "web"] }, strict, at), "Valid")
    assert.strictEqual(tag(good, strict, { typ: "application/at+jwt" }), "Valid")
    assert.strictEqual(tag(good, strict, { typ: "JWT" }), "Invalid")
    assert.strictEqual(tag(good, strict, {}), "Invalid")
    assert.strictEqual(tag({ ...good, iss: "https://b/" }, strict, at), "Invalid")
    assert.strictEqual(tag({ ...good, iss: undefined }, strict, at), "Invalid")
    assert.strictEqual(tag({ exp: now + 60, iss: "https://a/" }, strict, at), "Invalid")
    assert.strictEqual(tag({ ...good, aud: ["other"] }, strict, at), "Invalid")
    assert.strictEqual(tag({ ...good, aud: 1 }, strict, at), "Invalid")
    // an expired token with a wrong issuer is invalid, not expired: the claims come before the times
    assert.strictEqual(tag({ ...good, iss: "https://b/", exp: now - 60 }, strict, at), "Invalid")
    assert.strictEqual(tag({ exp: now + 60 }, { ...policy, requiredClaims: ["exp", "jti"] }), "Invalid")
    assert.strictEqual(tag({ exp: now + 60, jti: "1" }, { ...policy, requiredClaims: ["exp", "jti"] }), "Valid")
  })

  it("maxTokenAge: iat required, no older than the age, not in the future", () => {
    const aged: Policy = { ...policy, maxTokenAge: 60 }
    assert.strictEqual(tag({ exp: now + 600, iat: now - 65 }, aged), "Valid")
    assert.strictEqual(tag({ exp: now + 600, iat: now - 66 }, aged), "Invalid")
    assert.strictEqual(tag({ exp: now + 600, iat: now + 6 }, aged), "Invalid")
    assert.strictEqual(tag({ exp: now + 600 }, aged), "Invalid")
  })

  it("a cache hit is judged as a full check would be: the lifetime at any later time gives the same verdict", () =>
    fc.assert(fc.property(
      fc.record({
        exp: fc.integer({ min: now - 100, max: now + 100 }),
        nbf: fc.integer({ min: now - 100, max: now + 100 }),
        iat: fc.integer({ min: now - 100, max: now + 100 })
      }, { requiredKeys: [] }),
      fc.integer({ min: 0, max: 10 }),
      fc.option(fc.integer({ min: 0, max: 100 }), { nil: undefined }),
      fc.integer({ min: -100, max: 100 }),
      fc.integer({ min: -200, max: 200 }),
      (payload, clockTolerance, maxTokenAge, first, later) => {
        const p: Policy = { requiredClaims: [], clockTolerance, maxTokenAge }
        const verdict = checkClaims({}, payload, p, now + first)
        if (verdict._tag !== "Valid") return
        assert.deepStrictEqual(
          checkLifetime(verdict.lifetime, p, now + later)._tag,
          checkClaims({}, payload, p, now + later)._tag
        )
      }
    )))
})
