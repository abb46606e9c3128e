import fc from "fast-check"
import { createHash } from "node:crypto"
import { assert, describe, it } from "vitest"
import { make, tokenKey } from "../src/JwtCache.js"

describe("tokenKey", () => {
  it("is the token's SHA-256, which holds nothing of the token", () =>
    fc.assert(fc.property(fc.string({ minLength: 8 }), (token) => {
      const key = tokenKey(token)
      assert.strictEqual(key, createHash("sha256").update(token).digest("base64"))
      assert.strictEqual(key.length, 44)
      assert.notInclude(key, token)
    })))
})

describe("make", () => {
  it("holds at most its size, an entry used since the last sweep kept over one that was not", () => {
    const cache = make<number>(2)
    cache.set("a", 1)
    cache.set("b", 2)
    assert.strictEqual(cache.get("a"), 1) // a is now the most recently used
    cache.set("c", 3)
    assert.deepStrictEqual(cache.keys(), ["a", "c"])
    assert.isUndefined(cache.get("b"))
    cache.delete("a")
    assert.deepStrictEqual(cache.keys(), ["c"])
    cache.clear()
    assert.strictEqual(cache.size, 0)
  })

  it("size 0 keeps nothing; a size that is no count is refused", () => {
    const cache = make<number>(0)
    cache.set("a", 1)
    assert.strictEqual(cache.size, 0)
    for (const size of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) assert.throws(() => make(size), TypeError)
  })

  it("behaves as its model (CLOCK): never over its size, a used entry outliving an unused one", () =>
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 5 }),
      fc.array(fc.tuple(fc.boolean(), fc.constantFrom("a", "b", "c", "d", "e", "f", "g")), { maxLength: 60 }),
      (size, operations) => {
        const cache = make<string>(size)
        let model: Array<{ key: string; used: boolean }> = [] // the sweep's order
        for (const [isSet, key] of operations) {
          if (isSet) {
            cache.set(key, key)
            model = model.filter((slot) => slot.key !== key)
            if (model.length >= size) {
              for (;;) {
                const first = model.shift()!
                if (!first.used) break
                model.push({ key: first.key, used: false })
              }
            }
            model.push({ key, used: false })
          } else {
            const slot = model.find((s) => s.key === key)
            assert.strictEqual(cache.get(key), slot === undefined ? undefined : key)
            if (slot !== undefined) slot.used = true
          }
          assert.isAtMost(cache.size, size)
          assert.deepStrictEqual(cache.keys(), model.map((slot) => slot.key))
        }
      }
    )))
})
