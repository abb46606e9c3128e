import fc from "fast-check"
import { Buffer } from "node:buffer"
import { createHmac, createSecretKey, generateKeyPairSync, randomBytes, webcrypto } from "node:crypto"
import { assert, describe, it } from "vitest"
import {
  asymmetricAlgorithms,
  checkAlgorithms,
  checkNumbers,
  checkOf,
  checkSecretLength,
  fromKeySet,
  hmacAlgorithms,
  isSecret,
  jwksUrl,
  local,
  secretBytes
} from "../src/JwtKeys.js"

const required = (algorithms: ReadonlyArray<string>) =>
  Math.max(...algorithms.map((algorithm) => ({ HS256: 32, HS384: 48, HS512: 64 })[algorithm]!))

describe("algorithms", () => {
  it("the two families are disjoint and never hold none", () => {
    for (const alg of hmacAlgorithms) assert.isFalse(asymmetricAlgorithms.has(alg))
    for (const family of [hmacAlgorithms, asymmetricAlgorithms]) {
      for (const none of ["none", "None", ""]) assert.isFalse(family.has(none))
    }
  })

  it("checkAlgorithms: at least one, each of the family", () => {
    assert.throws(() => checkAlgorithms([], hmacAlgorithms, "a secret key"), /at least one/)
    assert.throws(() => checkAlgorithms("HS256" as any, hmacAlgorithms, "a secret key"), /at least one/)
    assert.throws(() => checkAlgorithms(["HS256", "RS256"], hmacAlgorithms, "a secret key"), /RS256 .* a secret key/)
    assert.throws(() => checkAlgorithms(["none"], asymmetricAlgorithms, "a key set"), /none/)
    assert.doesNotThrow(() => checkAlgorithms(["HS256", "HS512"], hmacAlgorithms, "a secret key"))
    assert.doesNotThrow(() => checkAlgorithms(["ES256", "RS256"], asymmetricAlgorithms, "a key set"))
  })
})

describe("secrets (RFC 7518 §3.2)", () => {
  it("isSecret: bytes, secret KeyObjects, oct JWKs; not public keys", () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" })
    assert.isTrue(isSecret(new Uint8Array(1)))
    assert.isTrue(isSecret(createSecretKey(randomBytes(32))))
    assert.isTrue(isSecret({ kty: "oct", k: "" }))
    assert.isFalse(isSecret(publicKey))
    assert.isFalse(isSecret(publicKey.export({ format: "jwk" })))
    assert.isFalse(isSecret("a string"))
  })

  it("secretBytes: UTF-8 bytes, bytes, decoded k, symmetricKeySize, algorithm.length in bits", async () => {
    assert.strictEqual(secretBytes("é".repeat(16)), 32)
    assert.strictEqual(secretBytes(new Uint8Array(31)), 31)
    assert.strictEqual(secretBytes({ kty: "oct", k: randomBytes(33).toString("base64url") }), 33)
    assert.strictEqual(secretBytes({ kty: "oct" }), 0)
    assert.strictEqual(secretBytes(createSecretKey(randomBytes(40))), 40)
    const cryptoKey = await webcrypto.subtle.importKey(
      "raw",
      randomBytes(48),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["verify"]
    )
    assert.strictEqual(secretBytes(cryptoKey), 48)
    assert.isUndefined(secretBytes(42))
    assert.isUndefined(secretBytes({}))
  })

  it("checkSecretLength throws exactly when the secret is shorter than the longest hash it is used with", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 80 }),
        fc.subarray(["HS256", "HS384", "HS512"], { minLength: 1 }),
        (bytes, algorithms) => {
          const check = () => checkSecretLength(bytes, algorithms)
          if (bytes < required(algorithms)) assert.throws(check, /RFC 7518 §3\.2/)
          else assert.doesNotThrow(check)
        }
      )
    )
    assert.doesNotThrow(() => checkSecretLength(undefined, ["HS512"]))
  })
})

describe("options", () => {
  it("checkNumbers: a clockTolerance of 0 or more seconds, a cacheSize of 0 or more", () => {
    for (const clockTolerance of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => checkNumbers({ clockTolerance }), /clockTolerance/)
    }
    for (const cacheSize of [-1, 1.5, Number.NaN]) assert.throws(() => checkNumbers({ cacheSize }), /cacheSize/)
    assert.doesNotThrow(() => checkNumbers({ clockTolerance: 0, cacheSize: 0 }))
    assert.doesNotThrow(() => checkNumbers({}))
  })

  it("jwksUrl: an absolute URL", () => {
    assert.strictEqual(jwksUrl("https://issuer.test/jwks.json").host, "issuer.test")
    assert.throws(() => jwksUrl("/jwks.json"), /jwksUrl/)
  })
})

describe("key checks", () => {
  const secret = createSecretKey(Buffer.from("a-shared-secret-of-at-least-32-bytes!"))
  const input = "eyJhbGciOiJIUzI1NiJ9.e30"
  const mac = createHmac("sha256", secret).update(input).digest()

  it("a KeyObject is checked by node:crypto; a key of the wrong kind is refused; a JWK falls back", () => {
    const check = checkOf("HS256", secret)
    assert.strictEqual(check._tag, "Sync")
    if (check._tag === "Sync") {
      assert.isTrue(check.verify(input, mac))
      assert.isFalse(check.verify(input, Buffer.from(mac.subarray(1))))
    }
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" })
    assert.strictEqual(checkOf("HS256", publicKey)._tag, "Refused") // algorithm confusion
    assert.strictEqual(checkOf("ES384", publicKey)._tag, "Refused") // another curve
    const jwk = publicKey.export({ format: "jwk" })
    assert.deepStrictEqual(checkOf("ES256", jwk), { _tag: "Fallback", key: jwk })
  })

  it("local: one check per algorithm; fromKeySet: made once per key and algorithm", () => {
    assert.deepStrictEqual([...local(["HS256", "HS384"], secret).keys()], ["HS256", "HS384"])
    const key = createSecretKey(randomBytes(64))
    const first = fromKeySet("HS256", key)
    assert.strictEqual(fromKeySet("HS256", key), first)
    assert.notStrictEqual(fromKeySet("HS512", key), first)
  })
})
