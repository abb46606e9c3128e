import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as FastCheck from "effect/FastCheck"
import * as Password from "effect-auth/Password"

describe("Password", () => {
  it("equals compares in constant time, any lengths", () => {
    assert.isTrue(Password.equals("secret", Redacted.make("secret")))
    assert.isFalse(Password.equals("secret", "secret!"))
    assert.isFalse(Password.equals("", "x"))
    assert.isTrue(Password.equals("", ""))
  })

  it.effect("hash and verify round trip; a wrong password is false", () =>
    Effect.gen(function*() {
      const stored = yield* Password.hash(Redacted.make("correct horse"))
      assert.match(stored, /^\$scrypt\$ln=14,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
      assert.notInclude(stored, "correct horse")
      assert.isTrue(yield* Password.verify("correct horse", stored))
      assert.isTrue(yield* Password.verify(Redacted.make("correct horse"), stored))
      assert.isFalse(yield* Password.verify("correct horsf", stored))
      assert.isFalse(yield* Password.verify("", stored))
      assert.isFalse(yield* Password.verify("correct horse ", stored))
    }))

  it.effect("two hashes of one password differ (the salt), and both verify", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Effect.all([Password.hash("pw"), Password.hash("pw")])
      assert.notStrictEqual(a, b)
      assert.isTrue(yield* Password.verify("pw", a))
      assert.isTrue(yield* Password.verify("pw", b))
    }))

  it.effect("a malformed stored hash verifies as false, never fails", () =>
    Effect.gen(function*() {
      const stored = yield* Password.hash("pw")
      const [, , params, salt, key] = stored.split("$")
      const malformed = [
        "",
        "pw",
        "$scrypt$",
        `$bcrypt$${params}$${salt}$${key}`,
        `$scrypt$ln=14,r=8$${salt}$${key}`,
        `$scrypt$${params}$${salt}`,
        `$scrypt$${params}$${salt}$${key}$`,
        `$scrypt$${params}$${salt}$${key}=`,
        `$scrypt$${params}$!!!!$${key}`,
        `$scrypt$${params}$${salt}$${key!.slice(0, 5)}`, // too short to be a key
        `$scrypt$ln=0,r=8,p=1$${salt}$${key}`,
        `$scrypt$ln=15,r=8,p=1$${salt}$${key}`, // well-formed, other parameters: another hash
        `$scrypt$ln=99,r=8,p=1$${salt}$${key}`, // out of bounds: not attempted
        `$scrypt$ln=14,r=0,p=1$${salt}$${key}`,
        `$scrypt$ln=14,r=8,p=99$${salt}$${key}`,
        `$scrypt$ln=20,r=8,p=1$${salt}$${key}`, // 1 GiB: refused before scrypt runs
        `$scrypt$ln=18,r=8,p=16$${salt}$${key}`, // too slow: refused too
        ` ${stored}`,
        `${stored}\n`
      ]
      for (const bad of malformed) {
        assert.isFalse(yield* Password.verify("pw", bad), bad)
      }
    }))

  it.effect("verify reads the parameters stored in the hash", () =>
    Effect.gen(function*() {
      // a hash with other parameters (N = 2^10, r = 4, p = 2, a 24-byte key), made by Node's scrypt directly
      const { scryptSync } = yield* Effect.promise(() => import("node:crypto"))
      const salt = Buffer.from("0123456789abcdef")
      const key = scryptSync("pw", salt, 24, { N: 2 ** 10, r: 4, p: 2 })
      const b64 = (bytes: Buffer) => bytes.toString("base64").replace(/=+$/, "")
      const stored = `$scrypt$ln=10,r=4,p=2$${b64(salt)}$${b64(key)}`
      assert.isTrue(yield* Password.verify("pw", stored))
      assert.isFalse(yield* Password.verify("pW", stored))
    }))

  it.effect.prop(
    "round trip for any password (unicode included)",
    [FastCheck.string({ unit: "grapheme", maxLength: 40 })],
    ([password]) =>
      Effect.gen(function*() {
        const stored = yield* Password.hash(password)
        assert.isTrue(yield* Password.verify(password, stored))
        assert.isFalse(yield* Password.verify(`${password}x`, stored))
      }),
    { fastCheck: { numRuns: 5 } }
  )
})
