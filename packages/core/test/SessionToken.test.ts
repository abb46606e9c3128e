import fc from "fast-check"
import { createSecretKey } from "node:crypto"
import { assert, describe, it } from "vitest"
import * as SessionToken from "../src/SessionToken.js"

const secret = "a fixed secret of thirty-two bytes or more, for vectors"
const key = createSecretKey(Buffer.from(secret, "utf8"))
const other = createSecretKey(Buffer.alloc(32, 9))
const base64url = (length: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9_-]{${length}}$`))

describe("SessionToken", () => {
  it("the same bytes as before the move: cookies and stored hashes out there stay valid", () => {
    // computed by effect-auth 0.3.0's Session.sign and SessionStore.hashSecret before they moved here
    const token = "AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
    const signed = `${token}.V2875VBVGYu6ztVi-SguoFmxnrHrrdGqmw8OQDiDgEk`
    assert.strictEqual(SessionToken.sign(key, token), signed)
    assert.strictEqual(SessionToken.verify([key], signed), token)
    assert.strictEqual(SessionToken.sign(key, "é ✓ value"), "é ✓ value.gf830lR-jRunAVc8QNwEn4fEAFbWXufT5KJEw2qN8tM")
    assert.strictEqual(
      SessionToken.hashSecret("BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"),
      "412dc46cc9e3cb26f29f7c1415c556349af62904c5d15b0a2d8cfdc5cfa22b34"
    )
  })

  it("a new token is <22 base64url>.<43 base64url>, parsed back to its id and secret", () => {
    const [id, tokenSecret, token] = SessionToken.make()
    assert.match(token, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/)
    assert.strictEqual(token, `${id}.${tokenSecret}`)
    assert.deepStrictEqual(SessionToken.parse(token), [id, tokenSecret])
    assert.notStrictEqual(SessionToken.make()[2], token)
  })

  it("parse takes exactly the format, and nothing else", () =>
    fc.assert(fc.property(base64url(22), base64url(43), fc.string({ unit: "binary", maxLength: 80 }), (id, s, junk) => {
      assert.deepStrictEqual(SessionToken.parse(`${id}.${s}`), [id, s])
      const parsed = SessionToken.parse(junk)
      if (parsed !== undefined) assert.strictEqual(`${parsed[0]}.${parsed[1]}`, junk)
      assert.isUndefined(SessionToken.parse(`${id}.${s}x`))
      assert.isUndefined(SessionToken.parse(`${id}.${s}\n`))
    })))

  it("a secret matches its hash, and no other secret does", () =>
    fc.assert(fc.property(base64url(43), base64url(43), (a, b) => {
      const stored = SessionToken.hashSecret(a)
      assert.match(stored, /^[0-9a-f]{64}$/)
      assert.isTrue(SessionToken.secretMatches(a, stored))
      assert.strictEqual(SessionToken.secretMatches(b, stored), a === b)
      assert.isFalse(SessionToken.secretMatches(a, "not hex"))
    })))

  // (an empty value is never taken: a signed value is longer than its MAC and dot)
  it("a signed value verifies to itself under its key, and to nothing when changed or under another key", () =>
    fc.assert(fc.property(fc.string({ minLength: 1, maxLength: 100 }), fc.nat(), (value, at) => {
      const signed = SessionToken.sign(key, value)
      assert.strictEqual(SessionToken.verify([other, key], signed), value)
      assert.isUndefined(SessionToken.verify([other], signed))
      const i = at % signed.length
      const changed = signed.slice(0, i) + (signed[i] === "A" ? "B" : "A") + signed.slice(i + 1)
      assert.isUndefined(SessionToken.verify([key], changed))
    })))

  it("anything sent as a signed value is answered, never thrown on", () =>
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 120 }), (given) => {
      const value = SessionToken.verify([key], given)
      if (value !== undefined) assert.strictEqual(SessionToken.sign(key, value), given)
    })))

  it("a verifier answers what verify answers, for any value, asked once or again (what it remembers changes nothing)", () =>
    fc.assert(fc.property(
      fc.array(
        fc.oneof(
          fc.constantFrom(...Array.from({ length: 3 }, () => SessionToken.sign(key, SessionToken.make()[2]))),
          fc.tuple(base64url(22), base64url(43)).map(([id, s]) => SessionToken.sign(key, `${id}.${s}`)),
          fc.tuple(base64url(22), base64url(43), base64url(43)).map(([id, s, mac]) => `${id}.${s}.${mac}`),
          fc.string({ unit: "binary", maxLength: 120 })
        ),
        { maxLength: 30 }
      ),
      (values) => {
        const verifier = SessionToken.verifier([key], 2)
        for (const value of [...values, ...values]) {
          assert.strictEqual(verifier(value), SessionToken.verify([key], value), value)
        }
        assert.isUndefined(verifier(undefined))
      }
    )))

  it("a verifier that accepted a token refuses it changed anywhere, the same id kept (its digest, not its id, decides)", () =>
    fc.assert(fc.property(fc.nat(), (at) => {
      const verifier = SessionToken.verifier([key])
      const signed = SessionToken.sign(key, SessionToken.make()[2])
      assert.strictEqual(verifier(signed), signed.slice(0, 66))
      const i = 23 + (at % (signed.length - 23))
      if (signed[i] === ".") return
      assert.isUndefined(verifier(signed.slice(0, i) + (signed[i] === "A" ? "B" : "A") + signed.slice(i + 1)))
      assert.strictEqual(verifier(signed), signed.slice(0, 66), "the token itself still opens")
    })))

  it("a verifier is of its keys: a token another list's verifier accepted is refused once its key is dropped", () => {
    const signed = SessionToken.sign(other, SessionToken.make()[2])
    const before = SessionToken.verifier([key, other])
    assert.strictEqual(before(signed), signed.slice(0, 66))
    assert.strictEqual(before(signed), signed.slice(0, 66))
    const rotated = SessionToken.verifier([key])
    assert.isUndefined(rotated(signed))
  })

  it("a verifier keeps at most `size` ids, the oldest dropped, and still verifies those in full", () => {
    const verifier = SessionToken.verifier([key], 2)
    const tokens = Array.from({ length: 5 }, () => SessionToken.sign(key, SessionToken.make()[2]))
    for (const signed of tokens) assert.strictEqual(verifier(signed), signed.slice(0, 66))
    for (const signed of tokens) assert.strictEqual(verifier(signed), signed.slice(0, 66))
  })
})
