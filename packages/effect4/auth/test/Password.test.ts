import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, Cause, Deferred, Effect, Fiber, Option, Redacted, Result, Schema } from "effect"
import { AuthCredentials, isServiceUnavailable, SimpleUser } from "effect-auth"
import * as Basic from "effect-auth/Basic"
import * as Password from "effect-auth/Password"
import * as TestClock from "effect/testing/TestClock"
import { scryptSync } from "node:crypto"
import * as VerifierInternal from "../src/internal/verifier.js"
import { guardedApp } from "./utils/fixtures.js"
import { basic, request, serve } from "./utils/server.js"

const int = (minimum: number, maximum: number) =>
  Arbitrary.schema(Schema.Int.check(Schema.isBetween({ minimum, maximum })))
const ranges: ReadonlyArray<readonly [number, number]> = [
  [0x20, 0x7e], // ASCII
  [0xa0, 0x2ff], // Latin-1 and Latin Extended
  [0x300, 0x36f], // combining marks
  [0xfb00, 0xfb06], // ligatures
  [0xff01, 0xff5e], // full-width forms
  [0x4e00, 0x4fff], // CJK
  [0x1f600, 0x1f64f] // emoji, beyond the BMP
]
const codePoint = Arbitrary.flatMap(int(0, ranges.length - 1), (i) => int(ranges[i]![0], ranges[i]![1]))
/** Text of any script (well-formed, no NUL), up to `maxLength` code points. */
const text = (maxLength: number) =>
  Arbitrary.map(Arbitrary.array(codePoint, { maxLength }), (points) => String.fromCodePoint(...points))
/** Any UTF-16 without NUL (lone surrogates included), up to `maxLength` code units. */
const anyUtf16 = (maxLength: number) =>
  Arbitrary.map(Arbitrary.array(int(1, 0xffff), { maxLength }), (units) => String.fromCharCode(...units))

// 2^10 (1 MiB, a few milliseconds) for every test but the one of the default cost (2^17, about 0.4 s a hash here)
const fast = { logN: 10 } as const

const b64 = (bytes: Buffer) => bytes.toString("base64").replace(/=+$/, "")

/** A hash as earlier versions made it: of the password as given (not normalized), by Node's scrypt directly. */
const legacyHash = (password: string, logN = 10) => {
  const salt = Buffer.from("0123456789abcdef")
  return `$scrypt$ln=${logN},r=8,p=1$${b64(salt)}$${b64(scryptSync(password, salt, 32, { N: 2 ** logN, r: 8, p: 1 }))}`
}

describe("Password", () => {
  it("equals compares in constant time, any lengths", () => {
    assert.isTrue(Password.equals("secret", Redacted.make("secret")))
    assert.isFalse(Password.equals("secret", "secret!"))
    assert.isFalse(Password.equals("", "x"))
    assert.isTrue(Password.equals("", ""))
  })

  it("equals compares any UTF-16 as it is: a lone surrogate is not U+FFFD (as UTF-8 would have it)", () => {
    assert.isFalse(Password.equals("pw\uD800", Redacted.make("pw\uFFFD")))
    assert.isTrue(Password.equals(Redacted.make("pw\uD800"), "pw\uD800"))
  })

  it.effect(
    "hash uses OWASP's minimum by default (N = 2^17, r = 8, p = 1), and round trips",
    () =>
      Effect.gen(function*() {
        const stored = yield* Password.hash(Redacted.make("correct horse"))
        assert.match(stored, /^\$scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
        assert.notInclude(stored, "correct horse")
        assert.isFalse(Password.needsRehash(stored))
        assert.isTrue(yield* Password.verify(Redacted.make("correct horse"), stored))
        assert.isFalse(yield* Password.verify("correct horsf", stored))
      }),
    // two scrypt hashes at OWASP's cost: a second each on a quiet core, far more on a busy one
    120_000
  )

  it.effect("hash and verify round trip; a wrong password is false", () =>
    Effect.gen(function*() {
      const stored = yield* Password.hash(Redacted.make("correct horse"), fast)
      assert.match(stored, /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
      assert.isTrue(yield* Password.verify("correct horse", stored))
      assert.isTrue(yield* Password.verify(Redacted.make("correct horse"), stored))
      assert.isFalse(yield* Password.verify("correct horsf", stored))
      assert.isFalse(yield* Password.verify("", stored))
      assert.isFalse(yield* Password.verify("correct horse ", stored))
    }))

  it.effect("two hashes of one password differ (the salt), and both verify", () =>
    Effect.gen(function*() {
      const [a, b] = yield* Effect.all([Password.hash("pw", fast), Password.hash("pw", fast)])
      assert.notStrictEqual(a, b)
      assert.isTrue(yield* Password.verify("pw", a))
      assert.isTrue(yield* Password.verify("pw", b))
    }))

  it.effect("a password with NUL never verifies, and hash refuses it (scrypt's HMAC cannot tell pw from pw\\0)", () =>
    Effect.gen(function*() {
      // why: HMAC pads its key (the password) with zero bytes, so trailing NULs derive the same key
      const salt = Buffer.from("0123456789abcdef")
      assert.isTrue(
        scryptSync("wonderland", salt, 32, { N: 1024 }).equals(scryptSync("wonderland\0", salt, 32, { N: 1024 }))
      )

      const stored = yield* Password.hash("wonderland", fast)
      for (const nul of ["wonderland\0", "wonderland\0\0\0", Redacted.make("wonderland\0"), "\0", "wonder\0land"]) {
        assert.isFalse(yield* Password.verify(nul, stored))
      }
      assert.isFalse(yield* Password.verify("wonderland\0", legacyHash("wonderland")))
      for (const nul of ["wonderland\0", Redacted.make("\0"), "a\0b"]) {
        const error = yield* Effect.flip(Password.hash(nul, fast))
        assert.instanceOf(error, Password.PasswordError)
        assert.strictEqual(error._tag, "PasswordError")
        assert.strictEqual(error.reason, "ContainsNul")
        assert.match(error.message, /NUL/)
      }
    }))

  it.effect("a lone surrogate never verifies, and hash refuses it (UTF-8 would hash it as U+FFFD)", () =>
    Effect.gen(function*() {
      const stored = yield* Password.hash("pw\uFFFD", fast)
      assert.isTrue(yield* Password.verify("pw\uFFFD", stored))
      assert.isFalse(yield* Password.verify("pw\uD800", stored))
      assert.isFalse(yield* Password.verify("pw\uDC00", stored))
      const error = yield* Effect.flip(Password.hash("pw\uD800", fast))
      assert.strictEqual(error.reason, "IllFormed")
      // a pair is a character, not a lone surrogate
      assert.isTrue(yield* Password.verify("🔑", yield* Password.hash("\uD83D\uDD11", fast)))
    }))

  it.effect("passwords are compared in NFKC: composed or not, full-width or not, ligatures", () =>
    Effect.gen(function*() {
      const pairs: ReadonlyArray<readonly [string, string]> = [
        ["caf\u00e9", "cafe\u0301"], // é composed, and e + combining acute
        ["\uFF21\uFF4C\uFF49\uFF43\uFF45\uFF11", "Alice1"], // full-width
        ["\uFB01re", "fire"], // the ﬁ ligature
        ["\u2126", "\u03A9"] // ohm sign, Greek capital omega
      ]
      for (const [a, b] of pairs) {
        assert.isTrue(yield* Password.verify(b, yield* Password.hash(a, fast)), `${a} ${b}`)
        assert.isTrue(yield* Password.verify(a, yield* Password.hash(b, fast)), `${b} ${a}`)
      }
      assert.isFalse(yield* Password.verify("cafe", yield* Password.hash("caf\u00e9", fast)))
    }))

  it.effect("hashes made before NFKC (of the password as given) still verify with that password", () =>
    Effect.gen(function*() {
      for (const password of ["cafe\u0301", "\uFB01re", "\uFF21\uFF4C\uFF49\uFF43\uFF45", "plain ascii"]) {
        const stored = legacyHash(password)
        assert.isTrue(yield* Password.verify(password, stored), password)
        assert.isTrue(yield* Password.verify(Redacted.make(password), stored), password)
        assert.isFalse(yield* Password.verify(`${password}x`, stored), password)
      }
      // the fallback is the password as given, not any other form of it
      assert.isFalse(yield* Password.verify("fire", legacyHash("\uFB01re")))
    }))

  it.effect("needsRehash: below the current parameters, or unreadable", () =>
    Effect.gen(function*() {
      const low = yield* Password.hash("pw", fast)
      assert.isTrue(Password.needsRehash(low))
      assert.isFalse(Password.needsRehash(low, fast))
      assert.isTrue(Password.needsRehash(low, { logN: 11 }))
      // earlier versions' default, N = 2^14
      assert.isTrue(Password.needsRehash(legacyHash("pw", 14)))
      assert.isFalse(Password.needsRehash(legacyHash("pw", 14), { logN: 14 }))
      const [, , , salt, key] = low.split("$")
      assert.isFalse(Password.needsRehash(`$scrypt$ln=17,r=8,p=1$${salt}$${key}`))
      assert.isFalse(Password.needsRehash(`$scrypt$ln=18,r=8,p=1$${salt}$${key}`))
      assert.isFalse(Password.needsRehash(`$scrypt$ln=17,r=8,p=2$${salt}$${key}`))
      assert.isTrue(Password.needsRehash(`$scrypt$ln=17,r=4,p=1$${salt}$${key}`))
      assert.isTrue(Password.needsRehash(`$scrypt$ln=17,r=8,p=1$${b64(Buffer.alloc(8))}$${key}`)) // 8-byte salt
      assert.isTrue(Password.needsRehash(`$scrypt$ln=17,r=8,p=1$${salt}$${b64(Buffer.alloc(24))}`)) // 24-byte hash
      for (
        const unreadable of ["", "pw", `$bcrypt$ln=17,r=8,p=1$${salt}$${key}`, `$scrypt$ln=99,r=8,p=1$${salt}$${key}`]
      ) {
        assert.isTrue(Password.needsRehash(unreadable), unreadable)
      }
    }))

  it.effect("a cost out of bounds is a bug in the caller: a defect in hash, thrown by needsRehash", () =>
    Effect.gen(function*() {
      for (const logN of [9, 19, 10.5, Number.NaN]) {
        const exit = yield* Effect.exit(Password.hash("pw", { logN }))
        assert.isTrue(exit._tag === "Failure" && Cause.hasDies(exit.cause), String(logN))
        assert.throws(() => Password.needsRehash("", { logN }), /logN/)
      }
    }))

  it.effect("a malformed stored hash verifies as false, never fails", () =>
    Effect.gen(function*() {
      const stored = yield* Password.hash("pw", fast)
      const [, , params, salt, key] = stored.split("$")
      const malformed = [
        "",
        "pw",
        "$scrypt$",
        `$bcrypt$${params}$${salt}$${key}`,
        `$scrypt$ln=10,r=8$${salt}$${key}`,
        `$scrypt$${params}$${salt}`,
        `$scrypt$${params}$${salt}$${key}$`,
        `$scrypt$${params}$${salt}$${key}=`,
        `$scrypt$${params}$!!!!$${key}`,
        `$scrypt$${params}$${salt}$${key!.slice(0, 5)}`, // too short to be a key
        `$scrypt$ln=0,r=8,p=1$${salt}$${key}`,
        `$scrypt$ln=11,r=8,p=1$${salt}$${key}`, // well-formed, other parameters: another hash
        `$scrypt$ln=99,r=8,p=1$${salt}$${key}`, // out of bounds: not attempted
        `$scrypt$ln=10,r=0,p=1$${salt}$${key}`,
        `$scrypt$ln=10,r=8,p=99$${salt}$${key}`,
        `$scrypt$ln=20,r=8,p=1$${salt}$${key}`, // 1 GiB: refused before scrypt runs
        `$scrypt$ln=18,r=8,p=16$${salt}$${key}`, // too slow: refused too
        ` ${stored}`,
        `${stored}\n`
      ]
      for (const bad of malformed) {
        assert.isFalse(yield* Password.verify("pw", bad), bad)
      }
    }))

  it.effect(
    "hashes stored by the Effect 3 line (effect-auth 0.3) verify here: one format, from core's PasswordHash",
    () =>
      Effect.gen(function*() {
        // made by effect-auth 0.3.0's `Password.hash` (the Effect 3 line), at its default cost and at 2^10
        const v3Default = "$scrypt$ln=17,r=8,p=1$XU6L+3Wnfjzccf7qnHLylA$EoT9POBw3WWQb97Nc6qSzA1tRLQULJyGXuEBM0vK0w0"
        const v3Fast = "$scrypt$ln=10,r=8,p=1$ZfDtF6lq1yuwcf14/SVmWg$1u0yjlWa1UPWy3hJkRN0w1zhc7uBuwuAf7iZfVk18s0"
        // of "café ﬁre" (composed é, the ﬁ ligature): stored in NFKC, so its decomposed form verifies too
        const v3Unicode = "$scrypt$ln=10,r=8,p=1$exUIhyMaynV3myhfnCuTMw$bXkj2WBx98wshbPKDXYrFLiByscaYinAf1FdqmfN0vQ"
        assert.isTrue(yield* Password.verify("correct horse battery staple", v3Default))
        assert.isFalse(yield* Password.verify("correct horse battery stapler", v3Default))
        assert.isFalse(Password.needsRehash(v3Default))
        assert.isTrue(yield* Password.verify(Redacted.make("correct horse battery staple"), v3Fast))
        assert.isTrue(Password.needsRehash(v3Fast))
        assert.isTrue(yield* Password.verify("caf\u00e9 \uFB01re", v3Unicode))
        assert.isTrue(yield* Password.verify("cafe\u0301 fire", v3Unicode))
        assert.isFalse(yield* Password.verify("cafe fire", v3Unicode))
        // and the other way: this line's hash has the same shape, which the Effect 3 line reads
        const v4 = yield* Password.hash("correct horse battery staple", fast)
        assert.match(v4, /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/)
      }),
    60_000
  )

  it.effect("verify reads the parameters stored in the hash", () =>
    Effect.gen(function*() {
      // a hash with other parameters (N = 2^10, r = 4, p = 2, a 24-byte key), made by Node's scrypt directly
      const salt = Buffer.from("0123456789abcdef")
      const key = scryptSync("pw", salt, 24, { N: 2 ** 10, r: 4, p: 2 })
      const stored = `$scrypt$ln=10,r=4,p=2$${b64(salt)}$${b64(key)}`
      assert.isTrue(yield* Password.verify("pw", stored))
      assert.isFalse(yield* Password.verify("pW", stored))
    }))

  const wellFormed = (s: string) => !/\p{Cs}/u.test(s)

  it.effect.prop(
    "round trip for any password (unicode included), and for its other normal forms",
    [text(40)],
    ([password]) =>
      Effect.gen(function*() {
        const stored = yield* Password.hash(password, fast)
        assert.isTrue(yield* Password.verify(password, stored))
        assert.isTrue(yield* Password.verify(password.normalize("NFD"), stored))
        assert.isTrue(yield* Password.verify(password.normalize("NFKD"), stored))
        assert.isFalse(yield* Password.verify(`${password}x`, stored))
      }),
    { arbitrary: { runs: 30 } }
  )

  it.effect.prop(
    "appending NULs never verifies; hash fails, typed, exactly for NUL and lone surrogates",
    [anyUtf16(40), int(1, 4)],
    ([password, nuls]) =>
      Effect.gen(function*() {
        const hashed = yield* Effect.result(Password.hash(password, fast))
        if (!wellFormed(password)) {
          assert.isTrue(Result.isFailure(hashed) && hashed.failure.reason === "IllFormed")
          return
        }
        assert.strictEqual(hashed._tag, "Success")
        if (hashed._tag !== "Success") return
        assert.isFalse(yield* Password.verify(password + "\0".repeat(nuls), hashed.success))
        assert.isFalse(yield* Password.verify(password + "\0".repeat(nuls), legacyHash(password)))
        const refused = yield* Effect.flip(Password.hash(password + "\0".repeat(nuls), fast))
        assert.strictEqual(refused.reason, "ContainsNul")
      }),
    { arbitrary: { runs: 30 } }
  )
})

describe("Password.Verifier", () => {
  // One check at a time and none waiting: while `slow` runs, any check that needs a hash is refused at once (503),
  // and one answered from memory is not. That tells, without timing anything, whether a check hashed.
  const single = { concurrency: 1, queue: 0 } as const
  const occupied = <A, E, R>(verifier: Password.Verifier.Service, slow: string, body: Effect.Effect<A, E, R>) =>
    Effect.gen(function*() {
      // a wrong password, so that it is never remembered and hashes each time
      const running = yield* verifier.verify("wrong", slow).pipe(Effect.forkChild({ startImmediately: true }))
      yield* Effect.yieldNow // the fork has taken the one slot and waits on scrypt's thread
      const result = yield* body
      assert.isFalse(yield* Fiber.join(running))
      return result
    })
  // 2^15: 32 MiB, long enough (tens of milliseconds) to hold the slot while the body runs
  const slowHash = Password.hash("slow", { logN: 15 })
  const hashes = Effect.all({
    slow: slowHash,
    alice: Password.hash("wonderland", fast),
    bob: Password.hash("builder", fast)
  })
  const hashes503 = <A, E, R>(check: Effect.Effect<A, E, R>) =>
    Effect.map(Effect.flip(check), (error) => {
      assert.isTrue(isServiceUnavailable(error))
      assert.strictEqual((error as { retryAfter?: number }).retryAfter, 1)
    })

  it.effect("a client's parallel first requests share one hash: with one slot and no queue, none is refused", () =>
    Effect.gen(function*() {
      const stored = yield* hashes
      const verifier = yield* Password.Verifier.make(single)
      const answers = yield* Effect.all(Array.from({ length: 8 }, () => verifier.verify("wonderland", stored.alice)), {
        concurrency: "unbounded"
      })
      assert.deepStrictEqual(answers, Array.from({ length: 8 }, () => true))
      // a wrong password is shared the same way, and still never remembered
      const wrong = yield* Effect.all(Array.from({ length: 4 }, () => verifier.verify("wrong", stored.bob)), {
        concurrency: "unbounded"
      })
      assert.deepStrictEqual(wrong, [false, false, false, false])
      // another pair while nothing runs: its own hash
      assert.isTrue(yield* verifier.verify("builder", stored.bob))
    }))

  it.effect("answers as verify does, and a right password again from memory, without hashing", () =>
    Effect.gen(function*() {
      const stored = yield* hashes
      const verifier = yield* Password.Verifier.make(single)
      assert.isTrue(yield* verifier.verify("wonderland", stored.alice))
      assert.isFalse(yield* verifier.verify("wonderlanD", stored.alice))
      assert.isFalse(yield* verifier.verify("wonderland", "not a hash"))
      yield* occupied(
        verifier,
        stored.slow,
        Effect.gen(function*() {
          assert.isTrue(yield* verifier.verify(Redacted.make("wonderland"), stored.alice)) // remembered
          yield* hashes503(verifier.verify("wonderlanD", stored.alice)) // wrong passwords are not
          yield* hashes503(verifier.verify("builder", stored.bob)) // never seen
        })
      )
    }))

  it.effect("a new stored hash (a password change) is never answered from memory", () =>
    Effect.gen(function*() {
      const stored = yield* hashes
      const changed = yield* Password.hash("wonderland", fast) // same password, new salt: a reset
      const verifier = yield* Password.Verifier.make(single)
      assert.isTrue(yield* verifier.verify("wonderland", stored.alice))
      yield* occupied(verifier, stored.slow, hashes503(verifier.verify("wonderland", changed)))
      const other = yield* Password.hash("new password", fast)
      assert.isFalse(yield* verifier.verify("wonderland", other)) // the old password against the new hash
    }))

  it.effect("remembers for cacheTtl only", () =>
    Effect.gen(function*() {
      const stored = yield* hashes
      const verifier = yield* Password.Verifier.make({ ...single, cacheTtl: "1 minute" })
      assert.isTrue(yield* verifier.verify("wonderland", stored.alice))
      yield* TestClock.adjust("59 seconds")
      yield* occupied(verifier, stored.slow, verifier.verify("wonderland", stored.alice))
      yield* TestClock.adjust("1 second")
      yield* occupied(verifier, stored.slow, hashes503(verifier.verify("wonderland", stored.alice)))
    }))

  it.effect("holds at most cacheSize entries, the least recently used going first; wrong passwords push none out", () =>
    Effect.gen(function*() {
      const stored = yield* hashes
      const carol = yield* Password.hash("carol's", fast)
      const verifier = yield* Password.Verifier.make({ ...single, cacheSize: 2 })
      assert.isTrue(yield* verifier.verify("wonderland", stored.alice))
      assert.isTrue(yield* verifier.verify("builder", stored.bob))
      assert.isTrue(yield* verifier.verify("wonderland", stored.alice)) // alice is now the most recent
      for (let i = 0; i < 5; i++) assert.isFalse(yield* verifier.verify(`guess ${i}`, stored.bob))
      assert.isTrue(yield* verifier.verify("carol's", carol)) // bob goes
      yield* occupied(
        verifier,
        stored.slow,
        Effect.gen(function*() {
          assert.isTrue(yield* verifier.verify("wonderland", stored.alice))
          assert.isTrue(yield* verifier.verify("carol's", carol))
          yield* hashes503(verifier.verify("builder", stored.bob))
        })
      )
    }))

  it.effect("a password verify refuses is refused unread: a lone surrogate never finds the entry of its U+FFFD twin", () =>
    Effect.gen(function*() {
      const stored = yield* hashes
      const twin = yield* Password.hash("wonderland\uFFFD", fast) // well-formed: U+FFFD is a character
      const verifier = yield* Password.Verifier.make(single)
      assert.isTrue(yield* verifier.verify("wonderland\uFFFD", twin))
      // in UTF-8 a lone surrogate reads as U+FFFD: keyed on those bytes, it would be answered `true` from memory
      yield* occupied(
        verifier,
        stored.slow,
        Effect.gen(function*() {
          assert.isFalse(yield* verifier.verify("wonderland\uD800", twin)) // no 503: refused without a hash
          assert.isFalse(yield* verifier.verify(Redacted.make("wonderland\uDC00"), twin))
          assert.isFalse(yield* verifier.verify("wonderland\uFFFD\0", twin))
          assert.isTrue(yield* verifier.verify("wonderland\uFFFD", twin)) // remembered
        })
      )
    }))

  it.effect.prop(
    "a pair used on every request is never pushed out by a stream of new logins",
    [int(2, 12), int(1, 40)],
    ([cacheSize, logins]) =>
      Effect.gen(function*() {
        const hashed: Array<string> = []
        const counting: typeof Password.verify = (_password, stored) =>
          Effect.sync(() => {
            hashed.push(stored)
            return true
          })
        const verify = yield* VerifierInternal.make(counting, { ...settings, cacheSize })
        assert.isTrue(yield* verify("hot", "$hot"))
        for (let i = 0; i < logins; i++) {
          assert.isTrue(yield* verify("pw", `$user${i}`))
          assert.isTrue(yield* verify("hot", "$hot"))
        }
        // the hot pair hashed once; every new login once
        assert.deepStrictEqual(hashed, ["$hot", ...Array.from({ length: logins }, (_, i) => `$user${i}`)])
        // and at most cacheSize remembered: the oldest login went first (when the hot pair leaves room for it)
        if (logins >= cacheSize) {
          assert.isTrue(yield* verify("pw", `$user${logins - 1}`))
          assert.isTrue(yield* verify("pw", "$user0"))
          assert.strictEqual(hashed.at(-1), "$user0")
        }
      })
  )

  it.effect("cacheSize 0 remembers nothing", () =>
    Effect.gen(function*() {
      const stored = yield* hashes
      const verifier = yield* Password.Verifier.make({ ...single, cacheSize: 0 })
      assert.isTrue(yield* verifier.verify("wonderland", stored.alice))
      yield* occupied(verifier, stored.slow, hashes503(verifier.verify("wonderland", stored.alice)))
    }))

  it.effect("bounds the hashing: concurrency running, queue waiting, the rest refused at once with 503", () =>
    Effect.gen(function*() {
      const stored = yield* hashes
      const verifier = yield* Password.Verifier.make({ concurrency: 1, queue: 2, cacheSize: 0 })
      const running = yield* verifier.verify("slow", stored.slow).pipe(Effect.forkChild({ startImmediately: true }))
      const first = yield* verifier.verify("wonderland", stored.alice).pipe(
        Effect.forkChild({ startImmediately: true })
      )
      const second = yield* verifier.verify("builder", stored.bob).pipe(Effect.forkChild({ startImmediately: true }))
      yield* Effect.yieldNow
      yield* hashes503(verifier.verify("wonderland", stored.alice))
      assert.isTrue(yield* Fiber.join(running))
      // the queue was served, in turn
      assert.isTrue(yield* Fiber.join(first))
      assert.isTrue(yield* Fiber.join(second))
      assert.isTrue(yield* verifier.verify("wonderland", stored.alice)) // and the slots are free again
    }))

  it.effect("refuses wrong options as defects", () =>
    Effect.gen(function*() {
      for (const options of [{ concurrency: 0 }, { queue: -1 }, { cacheSize: 1.5 }]) {
        const exit = yield* Effect.exit(Password.Verifier.make(options))
        assert.isTrue(exit._tag === "Failure" && Cause.hasDies(exit.cause))
      }
    }))
})

// `Password.verify`, its runs counted, and held when a test asks: the next run announces that it started, then waits
// for the test to release it. What the verifier does meanwhile is then seen without timing anything.
const controlled = (answer: typeof Password.verify = Password.verify) => {
  let calls = 0
  let next: Held | undefined
  const check: typeof Password.verify = (password, stored) =>
    Effect.suspend(() => {
      calls++
      const held = next
      next = undefined
      if (held === undefined) return answer(password, stored)
      return Deferred.succeed(held.started, undefined).pipe(
        Effect.andThen(Deferred.await(held.release)),
        Effect.andThen(answer(password, stored))
      )
    })
  const holdNext = Effect.gen(function*() {
    const held: Held = { started: yield* Deferred.make<void>(), release: yield* Deferred.make<void>() }
    next = held
    return held
  })
  return { check, calls: () => calls, holdNext }
}
interface Held {
  readonly started: Deferred.Deferred<void>
  readonly release: Deferred.Deferred<void>
}

// 5 minutes: an entry is refreshed from 4 minutes on (its last fifth)
const minutes5 = 5 * 60 * 1000
const settings = { cacheSize: 16, cacheTtlMillis: minutes5, concurrency: 2, queue: 4 } as const
const fifty = <A, E, R>(check: Effect.Effect<A, E, R>) =>
  Effect.all(Array.from({ length: 50 }, () => check), { concurrency: "unbounded" })

describe("Password.Verifier refreshes ahead of expiry", () => {
  it.effect("near its expiry, one hash in the background; 50 requests meanwhile answered from memory; then it lives on", () =>
    Effect.gen(function*() {
      const stored = yield* Password.hash("wonderland", fast)
      const hashes = controlled()
      const verify = yield* VerifierInternal.make(hashes.check, settings)
      assert.isTrue(yield* verify("wonderland", stored))
      assert.strictEqual(hashes.calls(), 1)
      yield* TestClock.adjust("239 seconds") // not yet in its last fifth: memory only
      assert.isTrue(yield* verify("wonderland", stored))
      assert.strictEqual(hashes.calls(), 1)

      const refresh = yield* hashes.holdNext
      yield* TestClock.adjust("2 seconds") // 4:01, expiring at 5:00
      // the request that finds it there is answered at once, and its fiber ends while the refresh goes on
      assert.isTrue(yield* verify(Redacted.make("wonderland"), stored))
      yield* Deferred.await(refresh.started)
      assert.strictEqual(hashes.calls(), 2)
      // the refresh is held: 50 parallel requests are answered from memory without it, and start no other
      assert.deepStrictEqual(yield* fifty(verify("wonderland", stored)), Array(50).fill(true))
      assert.strictEqual(hashes.calls(), 2)

      // past the expiry, the refresh still held: a request waits for it rather than hash again
      yield* TestClock.adjust("1 minute") // 5:01
      const late = yield* verify("wonderland", stored).pipe(Effect.forkChild({ startImmediately: true }))
      yield* Effect.yieldNow
      assert.isUndefined(late.pollUnsafe())
      yield* Deferred.succeed(refresh.release, undefined)
      assert.isTrue(yield* Fiber.join(late))
      assert.strictEqual(hashes.calls(), 2)

      // extended from when the refresh started (4:01 + 5 minutes): remembered past its first expiry
      yield* TestClock.adjust("179 seconds") // 8:00
      assert.isTrue(yield* verify("wonderland", stored))
      assert.strictEqual(hashes.calls(), 2)
      // and a refresh missed altogether: past the expiry, one hash, shared as before
      yield* TestClock.adjust("62 seconds") // 9:02
      assert.deepStrictEqual(yield* fifty(verify("wonderland", stored)), Array(50).fill(true))
      assert.strictEqual(hashes.calls(), 3)
    }))

  it.effect("a password change during the refresh: the old password is refused at once, and after", () =>
    Effect.gen(function*() {
      const old = yield* Password.hash("wonderland", fast)
      const changed = yield* Password.hash("looking glass", fast)
      const reset = yield* Password.hash("wonderland", fast) // the same password again, a new salt
      const hashes = controlled()
      const verify = yield* VerifierInternal.make(hashes.check, settings)
      assert.isTrue(yield* verify("wonderland", old))
      const refresh = yield* hashes.holdNext
      yield* TestClock.adjust("270 seconds")
      assert.isTrue(yield* verify("wonderland", old))
      yield* Deferred.await(refresh.started)

      // the user store now answers the new hash: nothing of the old one is used, refresh under way or not
      assert.isFalse(yield* verify("wonderland", changed))
      assert.isTrue(yield* verify("looking glass", changed))
      assert.strictEqual(hashes.calls(), 4)
      assert.isTrue(yield* verify("wonderland", reset))
      assert.strictEqual(hashes.calls(), 5) // hashed: a new stored hash is never answered from memory

      yield* Deferred.succeed(refresh.release, undefined)
      yield* TestClock.adjust("1 minute") // past the old entry's first expiry: the refresh is over, one way or another
      assert.isTrue(yield* verify("wonderland", old)) // waits for it, or finds it done
      const calls = hashes.calls()
      assert.isFalse(yield* verify("wonderland", changed))
      assert.strictEqual(hashes.calls(), calls + 1) // refused by a hash, never from memory
      assert.isTrue(yield* verify("looking glass", changed))
      assert.strictEqual(hashes.calls(), calls + 1) // the new password: remembered
    }))

  it.effect("a refresh that refuses drops the entry", () =>
    Effect.gen(function*() {
      const stored = yield* Password.hash("wonderland", fast)
      // a check that may change its answer (as one reading a user store would): the refresh is what sees it
      let disabled = false
      const hashes = controlled((password, hash) =>
        Effect.map(Password.verify(password, hash), (ok) => ok && !disabled)
      )
      const verify = yield* VerifierInternal.make(hashes.check, settings)
      assert.isTrue(yield* verify("wonderland", stored))
      const refresh = yield* hashes.holdNext
      yield* TestClock.adjust("270 seconds")
      assert.isTrue(yield* verify("wonderland", stored))
      yield* Deferred.await(refresh.started)
      disabled = true
      yield* TestClock.adjust("1 minute")
      const late = yield* verify("wonderland", stored).pipe(Effect.forkChild({ startImmediately: true })) // past the expiry: waits for the refresh
      yield* Effect.yieldNow
      yield* Deferred.succeed(refresh.release, undefined)
      assert.isFalse(yield* Fiber.join(late)) // the refresh's answer
      assert.strictEqual(hashes.calls(), 2)
      assert.isFalse(yield* verify("wonderland", stored)) // not remembered: hashed again
      assert.strictEqual(hashes.calls(), 3)
    }))

  it.effect("with the hashing at its bound, no refresh and no 503: a later request starts it", () =>
    Effect.gen(function*() {
      const stored = yield* Password.hash("wonderland", fast)
      const other = yield* Password.hash("builder", fast)
      const hashes = controlled()
      const verify = yield* VerifierInternal.make(hashes.check, { ...settings, concurrency: 1, queue: 0 })
      assert.isTrue(yield* verify("wonderland", stored))
      const first = yield* hashes.holdNext
      const bob = yield* verify("builder", other).pipe(Effect.forkChild({ startImmediately: true })) // takes the one slot
      yield* Deferred.await(first.started)
      yield* TestClock.adjust("270 seconds")
      assert.deepStrictEqual(yield* fifty(verify("wonderland", stored)), Array(50).fill(true))
      assert.strictEqual(hashes.calls(), 2)
      yield* Deferred.succeed(first.release, undefined)
      assert.isTrue(yield* Fiber.join(bob))
      const refresh = yield* hashes.holdNext
      assert.isTrue(yield* verify("wonderland", stored))
      yield* Deferred.await(refresh.started)
      assert.strictEqual(hashes.calls(), 3)
      yield* Deferred.succeed(refresh.release, undefined)
    }))

  it.effect("the refresh outlives an interrupted request", () =>
    Effect.gen(function*() {
      const stored = yield* Password.hash("wonderland", fast)
      const hashes = controlled()
      const verify = yield* VerifierInternal.make(hashes.check, settings)
      assert.isTrue(yield* verify("wonderland", stored))
      const refresh = yield* hashes.holdNext
      yield* TestClock.adjust("270 seconds")
      // the client goes away while its request is answered
      const client = yield* verify("wonderland", stored).pipe(Effect.forkChild({ startImmediately: true }))
      yield* Deferred.await(refresh.started)
      yield* Fiber.interrupt(client)
      yield* Deferred.succeed(refresh.release, undefined)
      yield* TestClock.adjust("1 minute")
      assert.isTrue(yield* verify("wonderland", stored))
      yield* TestClock.adjust("3 minutes")
      assert.isTrue(yield* verify("wonderland", stored)) // 8:30: extended
      assert.strictEqual(hashes.calls(), 2)
    }))
})

describe("Password.Verifier through Basic and a real server", () => {
  it.effect("a password near its expiry: 50 requests served while it is re-verified; a change or a disable at once", () =>
    Effect.gen(function*() {
      const users = new Map<string, { stored: string; disabled: boolean }>([
        ["alice", { stored: yield* Password.hash("wonderland", fast), disabled: false }],
        ["bob", { stored: yield* Password.hash("builder", fast), disabled: false }]
      ])
      const hashes = controlled()
      const verify = yield* VerifierInternal.make(hashes.check, settings)
      // the app's lookup runs on every request: a disabled user never reaches the verifier
      const backend = Basic.layer({
        verify: (username, password) =>
          Effect.suspend(() => {
            const user = users.get(username)
            if (user === undefined || user.disabled) return Effect.succeedNone
            return Effect.map(verify(password, user.stored), (ok) =>
              ok
                ? Option.some([new AuthCredentials(["authenticated"]), new SimpleUser(username)] as const)
                : Option.none())
          })
      })
      const url = yield* Effect.provide(serve(guardedApp), backend)
      const status = (username: string, password: string) =>
        Effect.map(request(`${url}/guarded`, { headers: basic(username, password) }), (reply) => reply.status)

      assert.strictEqual(yield* status("alice", "wonderland"), 200)
      assert.strictEqual(yield* status("bob", "builder"), 200)
      const refresh = yield* hashes.holdNext
      yield* TestClock.adjust("270 seconds")
      assert.strictEqual(yield* status("alice", "wonderland"), 200)
      yield* Deferred.await(refresh.started)
      assert.deepStrictEqual(yield* fifty(status("alice", "wonderland")), Array(50).fill(200))
      assert.strictEqual(hashes.calls(), 3)

      // while alice's refresh is held: her password changes, bob is disabled; both take effect on the next request
      users.set("alice", { stored: yield* Password.hash("looking glass", fast), disabled: false })
      users.set("bob", { ...users.get("bob")!, disabled: true })
      assert.strictEqual(yield* status("alice", "wonderland"), 403)
      assert.strictEqual(yield* status("alice", "looking glass"), 200)
      assert.strictEqual(yield* status("bob", "builder"), 403)

      yield* Deferred.succeed(refresh.release, undefined)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual(yield* status("alice", "wonderland"), 403)
      assert.strictEqual(yield* status("alice", "looking glass"), 200)
      assert.strictEqual(yield* status("bob", "builder"), 403)
    }))
})
