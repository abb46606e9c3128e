import fc from "fast-check"
import { createHash, scryptSync } from "node:crypto"
import { assert, describe, it } from "vitest"
import * as PasswordHash from "../src/PasswordHash.js"

const b64 = (bytes: Buffer) => bytes.toString("base64").replace(/=+$/, "")
const salt = Buffer.from("0123456789abcdef")
const key = Buffer.alloc(32, 7)
const stored = `$scrypt$ln=10,r=8,p=1$${b64(salt)}$${b64(key)}`

describe("format and parse", () => {
  it("the PHC string, salt and key unpadded base64", () => {
    assert.strictEqual(PasswordHash.format({ logN: 10, r: 8, p: 1, salt, key }), stored)
    const parsed = PasswordHash.parse(stored)!
    assert.deepStrictEqual([parsed.logN, parsed.r, parsed.p], [10, 8, 1])
    assert.isTrue(parsed.salt.equals(salt) && parsed.key.equals(key))
  })

  it("refuses what is malformed, another algorithm, or out of bounds", () => {
    for (
      const bad of [
        "",
        "$scrypt$",
        `$bcrypt$ln=10,r=8,p=1$${b64(salt)}$${b64(key)}`,
        `$scrypt$ln=10,r=8$${b64(salt)}$${b64(key)}`,
        `${stored}$`,
        `${stored}=`,
        ` ${stored}`,
        `$scrypt$ln=10,r=8,p=1$!!!!$${b64(key)}`,
        `$scrypt$ln=10,r=8,p=1$${b64(salt)}$${b64(key).slice(0, 5)}`,
        `$scrypt$ln=0,r=8,p=1$${b64(salt)}$${b64(key)}`,
        `$scrypt$ln=21,r=1,p=1$${b64(salt)}$${b64(key)}`,
        `$scrypt$ln=20,r=8,p=1$${b64(salt)}$${b64(key)}`, // 1 GiB
        `$scrypt$ln=18,r=8,p=16$${b64(salt)}$${b64(key)}`, // too slow
        `$scrypt$ln=10,r=33,p=1$${b64(salt)}$${b64(key)}`,
        `$scrypt$ln=10,r=8,p=17$${b64(salt)}$${b64(key)}`,
        `$scrypt$ln=10,r=8,p=1$${b64(Buffer.alloc(7))}$${b64(key)}`,
        `$scrypt$ln=10,r=8,p=1$${b64(salt)}$${b64(Buffer.alloc(65))}`
      ]
    ) {
      assert.isUndefined(PasswordHash.parse(bad), bad)
    }
  })

  it("parse reads back whatever format wrote, within the bounds", () =>
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 18 }),
      fc.integer({ min: 1, max: 8 }),
      fc.integer({ min: 1, max: 4 }),
      fc.uint8Array({ minLength: 8, maxLength: 64 }),
      fc.uint8Array({ minLength: 8, maxLength: 64 }),
      (logN, r, p, saltBytes, keyBytes) => {
        fc.pre(2 ** logN * r <= 2 ** 21 && 2 ** logN * r * p <= 2 ** 23)
        const parsed = PasswordHash.parse(
          PasswordHash.format({ logN, r, p, salt: Buffer.from(saltBytes), key: Buffer.from(keyBytes) })
        )!
        assert.deepStrictEqual([parsed.logN, parsed.r, parsed.p], [logN, r, p])
        assert.isTrue(parsed.salt.equals(Buffer.from(saltBytes)) && parsed.key.equals(Buffer.from(keyBytes)))
      }
    )))

  it("parse never throws", () =>
    fc.assert(fc.property(fc.string({ unit: "binary" }), (text) => {
      PasswordHash.parse(`$scrypt$ln=10,r=8,p=1$${text}`)
      PasswordHash.parse(text)
    })))
})

describe("needsRehash and logNOf", () => {
  it("below the current parameters, or unreadable; a logN out of bounds throws", () => {
    assert.isTrue(PasswordHash.needsRehash(stored))
    assert.isFalse(PasswordHash.needsRehash(stored, 10))
    assert.isTrue(PasswordHash.needsRehash(stored, 11))
    assert.isTrue(PasswordHash.needsRehash(`$scrypt$ln=17,r=4,p=1$${b64(salt)}$${b64(key)}`))
    assert.isTrue(PasswordHash.needsRehash("pw"))
    assert.strictEqual(PasswordHash.logNOf(undefined), PasswordHash.defaultLogN)
    for (const logN of [9, 19, 10.5, Number.NaN]) {
      assert.throws(() => PasswordHash.logNOf(logN), /logN/)
    }
  })
})

describe("refusal", () => {
  it("NUL and lone surrogates, nothing else", () => {
    assert.strictEqual(PasswordHash.refusal("a\0b"), "ContainsNul")
    assert.strictEqual(PasswordHash.refusal("a\uD800"), "IllFormed")
    assert.isUndefined(PasswordHash.refusal("\uD83D\uDD11\x01"))
  })

  it("refuses exactly what UTF-8 or scrypt's HMAC would confuse", () =>
    fc.assert(fc.property(fc.string({ unit: "binary" }), (password) => {
      assert.strictEqual(PasswordHash.refusal(password) === undefined, !/[\0\p{Cs}]/u.test(password))
    })))
})

describe("derive", () => {
  it("is Node's scrypt with the given parameters; refused parameters are an error", async () => {
    const derived = await new Promise<Buffer>((resolve, reject) =>
      PasswordHash.derive("pw", salt, 24, 10, 4, 2, (error, key) => error === null ? resolve(key) : reject(error))
    )
    assert.isTrue(derived.equals(scryptSync("pw", salt, 24, { N: 2 ** 10, r: 4, p: 2 })))
    const error = await new Promise<Error | null>((resolve) =>
      PasswordHash.derive("pw", salt, 24, 10, 0, 1, (error) => resolve(error))
    )
    assert.instanceOf(error, Error)
  })
})

describe("memoryKey", () => {
  // passwords as the verifier lets them through (refusal first): no NUL, no lone surrogate
  const password = fc.string({ unit: "binary" }).filter((text) => PasswordHash.refusal(text) === undefined)
  const unkeyed = (text: string) => createHash("sha256").update(text, "utf8").digest("binary")

  it("is keyed: one function answers one pair alike, another function (another key) differently", () =>
    fc.assert(fc.property(fc.string(), password, (stored, given) => {
      const first = PasswordHash.memoryKey()
      const key = first(stored, given)
      assert.strictEqual(first(stored, given), key)
      assert.notStrictEqual(PasswordHash.memoryKey()(stored, given), key)
    })))

  it("keeps nothing that can be checked offline: 32 characters, never the password, nor its plain SHA-256", () =>
    fc.assert(fc.property(fc.string(), password, (stored, given) => {
      const key = PasswordHash.memoryKey()(stored, given)
      assert.strictEqual(key.length, 32)
      if (given.length >= 4) assert.notInclude(key, given)
      for (const text of [given, `${stored}\0${given}`, `${stored}${given}`]) assert.notStrictEqual(key, unkeyed(text))
    })))

  it("tells pairs apart, however the stored hash and the password split", () =>
    fc.assert(fc.property(fc.string(), password, fc.string(), password, (s1, p1, s2, p2) => {
      fc.pre(s1 !== s2 || p1 !== p2)
      const key = PasswordHash.memoryKey()
      assert.notStrictEqual(key(s1, p1), key(s2, p2))
    })))

  it("a split moved across the separator is another pair", () => {
    const key = PasswordHash.memoryKey()
    assert.notStrictEqual(key("$scrypt$a", "b"), key("$scrypt$", "ab"))
    assert.notStrictEqual(key("a", "b"), key("ab", ""))
  })
})

describe("equals", () => {
  it("is string equality, any lengths and any UTF-16, lone surrogates included", () =>
    fc.assert(fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (a, b) => {
      assert.strictEqual(PasswordHash.equals(a, b), a === b)
      assert.isTrue(PasswordHash.equals(a, a))
    })))

  it("tells a lone surrogate from U+FFFD, which UTF-8 would confuse", () => {
    assert.isFalse(PasswordHash.equals("pw\uD800", "pw\uFFFD"))
    assert.isFalse(PasswordHash.equals("pw\uFFFD", "pw\uDC00"))
    assert.isTrue(PasswordHash.equals("pw\uD800", "pw\uD800"))
    assert.isTrue(PasswordHash.equals("", ""))
    assert.isFalse(PasswordHash.equals("", "\0"))
  })
})
