import fc from "fast-check"
import { assert, describe, it } from "vitest"
import { addressKeys, normalizeUsername, usernameKey } from "../src/ThrottleKey.js"

describe("addressKeys", () => {
  const keys = (address: string) => addressKeys(address).map((key) => key.key)

  it("IPv4 by the address, IPv4-mapped as IPv4, IPv6 by its /64, /56 and /48", () => {
    assert.deepStrictEqual(keys("127.0.0.2"), ["a:127.0.0.2"])
    assert.deepStrictEqual(keys("::ffff:127.0.0.2"), ["a:127.0.0.2"])
    assert.deepStrictEqual(keys("2001:db8:1:2:3:4:5:6"), [
      "a:2001:db8:1:2::/64",
      "a:2001:db8:1:0::/56",
      "a:2001:db8:1::/48"
    ])
    assert.deepStrictEqual(keys("2001:0DB8:0001:02ff::ffff"), [
      "a:2001:db8:1:2ff::/64",
      "a:2001:db8:1:200::/56",
      "a:2001:db8:1::/48"
    ])
    assert.deepStrictEqual(keys("2001:db8::1"), ["a:2001:db8:0:0::/64", "a:2001:db8:0:0::/56", "a:2001:db8:0::/48"])
    assert.deepStrictEqual(keys("fe80::1%eth0"), ["a:fe80:0:0:0::/64", "a:fe80:0:0:0::/56", "a:fe80:0:0::/48"])
    assert.deepStrictEqual(keys("1::2:3:4:5:6.7.8.9")[0], "a:1:0:2:3::/64") // an IPv4 tail is two groups
    // what is no address shares one key: never a fresh budget per string
    assert.deepStrictEqual(keys("not an address"), ["a:invalid"])
    assert.deepStrictEqual(keys("1.2.3.4, 5.6.7.8"), ["a:invalid"])
  })

  it("every address of a /48 shares its /48 key, and of a /64 its /64 key", () =>
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), (groups) => {
      const address = groups.map((group) => group.toString(16)).join(":")
      const [g0, g1, g2, g3] = groups.map((group) => group.toString(16))
      assert.deepStrictEqual(keys(address), [
        `a:${g0}:${g1}:${g2}:${g3}::/64`,
        `a:${g0}:${g1}:${g2}:${(groups[3]! & 0xff00).toString(16)}::/56`,
        `a:${g0}:${g1}:${g2}::/48`
      ])
    })))
})

describe("usernameKey", () => {
  it("one key for the same name typed differently (case, full-width letters)", () => {
    assert.strictEqual(usernameKey("Alice"), usernameKey("ａｌｉｃｅ"))
    assert.notStrictEqual(usernameKey("alice"), usernameKey("alice2"))
  })

  it("normalizing is idempotent", () =>
    fc.assert(fc.property(fc.string({ unit: "grapheme" }), (name) => {
      assert.strictEqual(normalizeUsername(normalizeUsername(name)), normalizeUsername(name))
    })))
})
