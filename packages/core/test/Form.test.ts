import fc from "fast-check"
import { assert, describe, it } from "vitest"
import { declaredTooLarge, isUrlEncoded } from "../src/Form.js"

describe("isUrlEncoded", () => {
  it("the type, any parameters, any case", () => {
    assert.isTrue(isUrlEncoded("application/x-www-form-urlencoded"))
    assert.isTrue(isUrlEncoded(" Application/X-WWW-Form-URLEncoded ; charset=utf-8"))
    assert.isFalse(isUrlEncoded("multipart/form-data; boundary=x"))
    assert.isFalse(isUrlEncoded("application/x-www-form-urlencoded-not"))
    assert.isFalse(isUrlEncoded(undefined))
  })

  it("parameters never change the answer", () =>
    fc.assert(fc.property(fc.string(), (parameters) => {
      assert.isTrue(isUrlEncoded(`application/x-www-form-urlencoded;${parameters}`))
    })))
})

describe("declaredTooLarge", () => {
  it("larger than the limit, or not a length; absent is read with a bound instead", () => {
    assert.isFalse(declaredTooLarge(undefined, 10))
    assert.isFalse(declaredTooLarge("10", 10))
    assert.isFalse(declaredTooLarge("0", 10))
    assert.isTrue(declaredTooLarge("11", 10))
    for (const bad of ["", "-1", "1e3", " 5", "5,5", "0x1"]) assert.isTrue(declaredTooLarge(bad, 10), bad)
  })

  it("a length is refused exactly when it is over the limit", () =>
    fc.assert(fc.property(fc.nat(), fc.nat(), (length, maxBytes) => {
      assert.strictEqual(declaredTooLarge(String(length), maxBytes), length > maxBytes)
    })))
})
