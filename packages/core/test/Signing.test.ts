import fc from "fast-check"
import { createHmac, createSecretKey } from "node:crypto"
import { assert, describe, it } from "vitest"
import * as Signing from "../src/Signing.js"

const key = createSecretKey(Buffer.alloc(32, 1))
const other = createSecretKey(Buffer.alloc(32, 2))
const base64url = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/)

describe("secretKey", () => {
  it("refuses fewer than 32 bytes (UTF-8), with one message shape; takes 32", () => {
    assert.throws(() => Signing.secretKey("", "Test: the secret"), /^Test: the secret has 0 bytes; it needs 32 or more/)
    assert.throws(() => Signing.secretKey("x".repeat(31), "Test: the secret"), /has 31 bytes; it needs 32 or more/)
    assert.doesNotThrow(() => Signing.secretKey("x".repeat(32), "Test"))
    // bytes, not characters: 16 two-byte characters are 32 bytes
    assert.doesNotThrow(() => Signing.secretKey("é".repeat(16), "Test"))
    assert.strictEqual(Signing.secretKey("y".repeat(40), "Test").symmetricKeySize, 40)
  })

  it("random keys and values are fresh and of their length", () => {
    assert.strictEqual(Signing.randomKey().symmetricKeySize, Signing.minSecretBytes)
    assert.match(Signing.random(32), /^[A-Za-z0-9_-]{43}$/)
    assert.match(Signing.random(16), /^[A-Za-z0-9_-]{22}$/)
    assert.notStrictEqual(Signing.random(32), Signing.random(32))
  })
})

describe("mac and verify", () => {
  it("is HMAC-SHA256 of the domain then the message, base64url", () => {
    const expected = createHmac("sha256", key).update("effect-auth/test\u0000message", "utf8").digest("base64url")
    assert.strictEqual(Signing.mac(key, "effect-auth/test\u0000", "message"), expected)
    assert.strictEqual(expected.length, Signing.macLength)
  })

  it("a MAC verifies for its key, domain and message, under any list that holds its key", () =>
    fc.assert(fc.property(fc.string(), fc.string(), fc.string(), (domain, message, otherMessage) => {
      const mac = Signing.mac(key, domain, message)
      assert.isTrue(Signing.verify([key], domain, message, mac))
      assert.isTrue(Signing.verify([other, key], domain, message, mac))
      assert.isFalse(Signing.verify([other], domain, message, mac))
      assert.isFalse(Signing.verify([], domain, message, mac))
      if (otherMessage !== message) assert.isFalse(Signing.verify([key], domain, otherMessage, mac))
    })))

  it("no other text is the MAC: not a changed character, nor a spelling that decodes alike", () =>
    fc.assert(fc.property(fc.string(), fc.nat(42), base64url, (message, at, random) => {
      const mac = Signing.mac(key, "d", message)
      const changed = mac.slice(0, at) + (mac[at] === "A" ? "B" : "A") + mac.slice(at + 1)
      assert.isFalse(Signing.verify([key], "d", message, changed))
      if (random !== mac) assert.isFalse(Signing.verify([key], "d", message, random))
      // the last character carries 4 unused bits: its siblings decode to the same bytes, and are refused
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
      const last = alphabet.indexOf(mac[42]!)
      for (let low = 0; low < 4; low++) {
        const sibling = alphabet[(last & ~3) | low]!
        if (sibling !== mac[42]) assert.isFalse(Signing.verify([key], "d", message, mac.slice(0, 42) + sibling))
      }
    })))

  it("anything sent as a MAC is answered, never thrown on", () =>
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 100 }), (given) => {
      assert.isFalse(Signing.verify([key], "", "", given))
    })))

  it("equals compares strings of equal length by content, and unequal lengths as unequal", () =>
    fc.assert(fc.property(fc.string({ unit: "binary-ascii" }), fc.string({ unit: "binary-ascii" }), (a, b) => {
      assert.strictEqual(Signing.equals(a, b), a === b)
      assert.isTrue(Signing.equals(a, a))
    })))
})
