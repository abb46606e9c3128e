/**
 * The options checked at start-up, on their own: the internal `localKey` directly, and the constructors that call it.
 */
import { Jwt } from "@effect-auth/jwt"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Redacted, Schema } from "effect"
import type { AuthenticationBackend } from "effect-auth"
import { SimpleUser } from "effect-auth"
import { generateKeyPair, SignJWT } from "jose"
import type { KeyObject } from "node:crypto"
import { createSecretKey, randomBytes } from "node:crypto"
import { localKey } from "../src/internal/config.js"

const claims = Schema.Struct({ sub: Schema.String })
const toUser = (decoded: { readonly sub: string }) => new SimpleUser(decoded.sub)

// localKey reads `key` and `algorithms` only; keys of any kind (and wrong ones) go through `unknown`
const options = (key: unknown, algorithms: ReadonlyArray<string> = ["HS256"]) =>
  ({ algorithms, key, claims, toUser }) as any

const tooShort = /at least 32 bytes.*RFC 7518 §3\.2/
const hmacAlgorithms = Schema.NonEmptyArray(Schema.Literals(["HS256", "HS384", "HS512"]))
const required = (algorithms: ReadonlyArray<string>) =>
  Math.max(...algorithms.map((algorithm) => ({ HS256: 32, HS384: 48, HS512: 64 })[algorithm]!))

describe("localKey: an HMAC secret must be as long as the hash (RFC 7518 §3.2)", () => {
  it("a Redacted string: its UTF-8 bytes count, not its characters", () => {
    assert.throws(() => localKey(options(Redacted.make("secret"))), tooShort)
    assert.throws(() => localKey(options(Redacted.make(""))), tooShort)
    assert.throws(() => localKey(options(Redacted.make("x".repeat(31)))), /not 31: RFC 7518/)
    // the secret becomes a KeyObject once (jose keeps what it imports from one), holding exactly the UTF-8 bytes
    const key = localKey(options(Redacted.make("x".repeat(32)))) as KeyObject
    assert.strictEqual(key.type, "secret")
    assert.deepStrictEqual(key.export(), Buffer.from("x".repeat(32), "utf8"))
    // 16 characters, 32 bytes
    assert.doesNotThrow(() => localKey(options(Redacted.make("é".repeat(16)))))
    assert.throws(() => localKey(options(Redacted.make(`${"é".repeat(15)}x`))), tooShort)
  })

  it("bytes, Redacted or not", () => {
    assert.throws(() => localKey(options(new Uint8Array(31))), tooShort)
    assert.throws(() => localKey(options(Redacted.make(new Uint8Array(31)))), tooShort)
    assert.doesNotThrow(() => localKey(options(new Uint8Array(32))))
    assert.doesNotThrow(() => localKey(options(Redacted.make(randomBytes(32)))))
  })

  it("an oct JWK: the decoded k counts", () => {
    const jwk = (bytes: number) => ({ kty: "oct", k: randomBytes(bytes).toString("base64url") })
    assert.throws(() => localKey(options(jwk(31))), tooShort)
    assert.throws(() => localKey(options({ kty: "oct" })), /not 0/)
    assert.doesNotThrow(() => localKey(options(jwk(32))))
    assert.throws(() => localKey(options(jwk(32), ["HS512"])), /HS512 must be at least 64 bytes/)
    assert.doesNotThrow(() => localKey(options(jwk(64), ["HS512"])))
  })

  it.effect("a KeyObject (symmetricKeySize) or a CryptoKey (algorithm.length, in bits) of type secret", () =>
    Effect.gen(function*() {
      assert.throws(() => localKey(options(createSecretKey(randomBytes(31)))), tooShort)
      assert.doesNotThrow(() => localKey(options(createSecretKey(randomBytes(32)))))
      const hmacKey = (bytes: number) =>
        Effect.promise(() =>
          crypto.subtle.importKey("raw", randomBytes(bytes), { name: "HMAC", hash: "SHA-256" }, false, ["verify"])
        )
      const [short, long] = [yield* hmacKey(31), yield* hmacKey(32)]
      assert.throws(() => localKey(options(short)), tooShort)
      assert.doesNotThrow(() => localKey(options(long)))
    }))

  it("the longest hash among the algorithms sets the minimum: 32, 48, 64 bytes for HS256, HS384, HS512", () => {
    const key = new Uint8Array(32)
    assert.throws(() => localKey(options(key, ["HS256", "HS384"])), /HS384 must be at least 48 bytes, not 32/)
    assert.doesNotThrow(() => localKey(options(new Uint8Array(48), ["HS256", "HS384"])))
    assert.throws(() => localKey(options(new Uint8Array(63), ["HS512"])), /HS512 must be at least 64 bytes/)
  })

  it.prop(
    "throws exactly when the secret is shorter than the longest hash it is used with",
    [
      Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 80 })),
      hmacAlgorithms,
      Schema.Literals(["bytes", "redacted", "jwk", "keyObject"])
    ],
    ([length, algorithms, kind]) => {
      const bytes = randomBytes(length)
      const key = kind === "bytes"
        ? new Uint8Array(bytes)
        : kind === "redacted"
        ? Redacted.make(bytes.toString("hex").slice(0, length)) // ASCII: one byte a character
        : kind === "jwk"
        ? { kty: "oct", k: bytes.toString("base64url") }
        : length === 0
        ? new Uint8Array(0) // Node refuses an empty KeyObject
        : createSecretKey(bytes)
      const build = () => localKey(options(key, algorithms))
      if (length < required(algorithms)) assert.throws(build, TypeError)
      else assert.doesNotThrow(build)
    }
  )

  it.effect("public keys are not secrets: no length rule for them", () =>
    Effect.gen(function*() {
      const { publicKey } = yield* Effect.promise(() => generateKeyPair("ES256"))
      assert.strictEqual(localKey(options(publicKey, ["ES256"])), publicKey)
    }))

  it("the constructors refuse a short secret when the backend is built", () => {
    for (
      const build of [
        () => Jwt.verifier({ algorithms: ["HS256"], key: Redacted.make("secret"), claims, toUser }),
        () => Jwt.make({ algorithms: ["HS256"], key: new TextEncoder().encode("short"), claims, toUser })
      ]
    ) {
      assert.throws(build, TypeError)
    }
    // the Layer makes its backend when it is built: a short secret is a defect of the build (or thrown at once)
    let layer: Layer.Layer<AuthenticationBackend> | undefined
    try {
      layer = Jwt.layer({ algorithms: ["HS512"], key: Redacted.make("x".repeat(32)), claims, toUser })
    } catch (error) {
      assert.instanceOf(error, TypeError)
    }
    if (layer !== undefined) {
      const exit = Effect.runSyncExit(Effect.scoped(Layer.build(layer)))
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) assert.instanceOf(Cause.squash(exit.cause), TypeError)
    }
  })

  it.effect("a long enough secret still verifies its tokens", () =>
    Effect.gen(function*() {
      const secret = randomBytes(32)
      const verify = Jwt.verifier({
        algorithms: ["HS256"],
        key: Redacted.make(secret),
        claims,
        toUser,
        requiredClaims: []
      })
      const token = yield* Effect.promise(() =>
        new SignJWT({ sub: "carol" }).setProtectedHeader({ alg: "HS256" }).sign(secret)
      )
      const [, user] = yield* verify(Redacted.make(token))
      assert.strictEqual(user.identity, "carol")
    }))
})
