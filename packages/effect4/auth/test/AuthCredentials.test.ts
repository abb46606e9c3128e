import { assert, describe, it } from "@effect/vitest"
import { Equal, Hash } from "effect"
import { AuthCredentials } from "effect-auth"

const many = Array.from({ length: 40 }, (_, i) => `scope-${i}`)

describe("AuthCredentials", () => {
  it("grants nothing by default, and its scopes cannot be changed", () => {
    const credentials = new AuthCredentials()
    assert.deepStrictEqual(credentials.scopes, [])
    assert.isUndefined(credentials.method)
    const granted = new AuthCredentials(["read"])
    assert.isTrue(Object.isFrozen(granted.scopes))
  })

  it("copies the scopes it is given: a later change to the source is not a grant", () => {
    const source = ["read"]
    const credentials = new AuthCredentials(source)
    source.push("admin")
    assert.deepStrictEqual(credentials.scopes, ["read"])
    assert.isFalse(credentials.has("admin"))
  })

  it("has: exact and case-sensitive, for a few scopes and for many", () => {
    const few = new AuthCredentials(["read", "write"])
    assert.isTrue(few.has("read"))
    assert.isFalse(few.has("READ"))
    assert.isFalse(few.has("rea"))
    const large = new AuthCredentials(many)
    for (const scope of many) assert.isTrue(large.has(scope), scope)
    assert.isFalse(large.has("scope-40"))
    assert.isFalse(large.has("Scope-0"))
  })

  it("make is the constructor", () => {
    assert.isTrue(
      Equal.equals(AuthCredentials.make(["a"], { method: "basic" }), new AuthCredentials(["a"], { method: "basic" }))
    )
  })

  it("withMethod: the same scopes, shared rather than copied, with the method set", () => {
    const credentials = new AuthCredentials(many)
    const basic = credentials.withMethod("basic")
    assert.instanceOf(basic, AuthCredentials)
    assert.strictEqual(basic.method, "basic")
    assert.strictEqual(basic.scopes, credentials.scopes)
    assert.isTrue(basic.has("scope-39"))
    assert.isUndefined(credentials.method)
  })

  it("equal when the scopes (in order) and the method are, with equal hashes", () => {
    const a = new AuthCredentials(["a", "b"], { method: "session" })
    const b = new AuthCredentials(["a", "b"], { method: "session" })
    assert.isTrue(Equal.equals(a, b))
    assert.strictEqual(Hash.hash(a), Hash.hash(b))
    assert.isFalse(Equal.equals(a, new AuthCredentials(["b", "a"], { method: "session" })))
    assert.isFalse(Equal.equals(a, new AuthCredentials(["a", "b"])))
    assert.isFalse(Equal.equals(a, new AuthCredentials(["a"], { method: "session" })))
    assert.isTrue(
      Equal.equals(new AuthCredentials(["a"]).withMethod("basic"), new AuthCredentials(["a"], { method: "basic" }))
    )
  })

  it("toJSON: its scopes, and its method when known", () => {
    assert.deepStrictEqual(new AuthCredentials(["a"]).toJSON(), { _tag: "AuthCredentials", scopes: ["a"] })
    assert.deepStrictEqual(new AuthCredentials(["a"], { method: "bearer" }).toJSON(), {
      _tag: "AuthCredentials",
      scopes: ["a"],
      method: "bearer"
    })
  })
})
