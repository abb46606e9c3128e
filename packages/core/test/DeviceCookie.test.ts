import fc from "fast-check"
import { createSecretKey } from "node:crypto"
import { assert, describe, it } from "vitest"
import * as DeviceCookie from "../src/DeviceCookie.js"

describe("DeviceCookie", () => {
  const key = createSecretKey(Buffer.alloc(32, 7))
  const other = createSecretKey(Buffer.alloc(32, 8))
  const day = 86_400_000

  it("the same bytes as before the move: device cookies out there stay valid", () => {
    // computed by effect-auth 0.3.0's internal/deviceCookie before it moved here
    const fixed = createSecretKey(Buffer.from("a fixed secret of thirty-two bytes or more, for vectors", "utf8"))
    const nonce = "D".repeat(22)
    const value = `v1.${nonce}.1700000001.KUwT7pnClK-24tNiC38VeM6F_s70wk-jov-CVrNM2Yw`
    assert.strictEqual(DeviceCookie.sign(fixed, "Alice", 1_700_000_000_500, nonce), value)
    assert.deepStrictEqual(DeviceCookie.verify(fixed, "alice", value, 0), { _tag: "Valid", nonce })
    assert.strictEqual(
      DeviceCookie.sign(fixed, "Ａｌｉｃｅ", 1_700_000_000_000, nonce),
      `v1.${nonce}.1700000000.eyUCKPU25oMiF8d50JMnjhYBgWl2jsJvsTGX96RCRXE`
    )
  })

  it("a cookie signed for a name verifies for that name (in any case or width) until it expires, and for no other", () =>
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }),
        fc.string({ minLength: 1 }),
        (username, another) => {
          const value = DeviceCookie.sign(key, username, 10 * day)
          assert.match(value, /^v1\.[A-Za-z0-9_-]{22}\.\d+\.[A-Za-z0-9_-]{43}$/)
          assert.strictEqual(DeviceCookie.verify(key, username, value, 0)._tag, "Valid")
          const normalized = (name: string) => name.normalize("NFKC").toLowerCase()
          if (normalized(username.toUpperCase()) === normalized(username)) {
            assert.strictEqual(DeviceCookie.verify(key, username.toUpperCase(), value, 0)._tag, "Valid")
          }
          assert.deepStrictEqual(DeviceCookie.verify(key, username, value, 10 * day), {
            _tag: "Invalid",
            reason: "expired"
          })
          assert.deepStrictEqual(DeviceCookie.verify(other, username, value, 0), { _tag: "Invalid", reason: "forged" })
          if (normalized(another) !== normalized(username)) {
            assert.deepStrictEqual(DeviceCookie.verify(key, another, value, 0), { _tag: "Invalid", reason: "forged" })
          }
        }
      )
    ))

  it("any change to a cookie, or anything else presented as one, is no cookie", () =>
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 120 }), fc.nat({ max: 100 }), (junk, position) => {
        const value = DeviceCookie.sign(key, "alice", day, "A".repeat(22))
        assert.strictEqual(DeviceCookie.verify(key, "alice", junk, 0)._tag, "Invalid")
        const i = position % value.length
        // every other character in that place: a longer validity, another nonce, another MAC
        const changed = value.slice(0, i) + (value[i] === "B" ? "C" : "B") + value.slice(i + 1)
        assert.strictEqual(DeviceCookie.verify(key, "alice", changed, 0)._tag, "Invalid", changed)
      })
    ))
})
