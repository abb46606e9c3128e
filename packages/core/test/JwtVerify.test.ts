import fc from "fast-check"
import { Buffer } from "node:buffer"
import { createHmac, createSecretKey, generateKeyPairSync, sign, webcrypto } from "node:crypto"
import { assert, describe, it } from "vitest"
import type { Compact } from "../src/JwtVerify.js"
import { checkHeader, decode, decodeJson, importKey, isCanonical } from "../src/JwtVerify.js"

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
const secret = createSecretKey(Buffer.from("a-shared-secret-of-at-least-32-bytes!"))
const hs256 = (header: unknown, payload: unknown, key = secret) => {
  const input = `${b64(header)}.${b64(payload)}`
  return `${input}.${createHmac("sha256", key).update(input).digest("base64url")}`
}
const compact = (token: string): Compact => {
  const decoded = decode(token)
  assert.strictEqual(decoded._tag, "Compact")
  return decoded as Compact
}
const base64urlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

describe("decode", () => {
  it("splits a token: the header decoded, the payload left encoded, the signature as bytes", () => {
    const token = hs256({ alg: "HS256", typ: "JWT" }, { sub: "alice" })
    const decoded = compact(token)
    assert.deepStrictEqual(decoded.header, { alg: "HS256", typ: "JWT" })
    assert.strictEqual(decoded.signingInput, token.slice(0, token.lastIndexOf(".")))
    assert.deepStrictEqual(decodeJson(decoded.payload), { sub: "alice" })
    assert.strictEqual(decoded.signature.toString("base64url"), token.split(".")[2])
  })

  it("refuses what is not a canonical compact JWS, or whose header is no JSON object", () => {
    const payload = b64({ sub: "alice" })
    for (
      const token of [
        "",
        "a.b",
        "a.b.c.d",
        "a.b.c=",
        "a+b.c.d",
        "a.b.cR", // the unused low bits set: a second spelling
        `${b64([1, 2])}.${payload}.`,
        `${b64(null)}.${payload}.`,
        `${b64("alg")}.${payload}.`,
        `${Buffer.from("{\"alg\":").toString("base64url")}.${payload}.`,
        `${Buffer.from([0x7b, 0xff, 0x7d]).toString("base64url")}.${payload}.` // invalid UTF-8
      ]
    ) {
      assert.strictEqual(decode(token)._tag, "Refused", token)
    }
  })

  it("a signature has one spelling: every other spelling of its bytes is refused", () =>
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), fc.integer({ min: 0, max: 63 }), (bytes, c) => {
        const signature = Buffer.from(bytes).toString("base64url")
        const token = `${b64({ alg: "HS256" })}.${b64({})}.${signature}`
        const respelt = token.slice(0, -1) + base64urlAlphabet[c]
        assert.isTrue(isCanonical(token))
        const same = Buffer.from(respelt.split(".")[2]!, "base64url").equals(Buffer.from(bytes))
        if (respelt !== token && same) assert.isFalse(isCanonical(respelt))
      })
    ))
})

describe("checkHeader", () => {
  it("alg pinned (never none), crit understood (b64: true only)", () => {
    const pinned = ["HS256"]
    assert.strictEqual(checkHeader({ alg: "HS256" }, pinned), "HS256")
    assert.strictEqual(checkHeader({ alg: "HS256", crit: ["b64"], b64: true }, pinned), "HS256")
    for (
      const header of [
        {},
        { alg: "" },
        { alg: 1 },
        { alg: "none" },
        { alg: "HS384" },
        { alg: "hs256" },
        { alg: "HS256", crit: ["exp"], exp: 1 },
        { alg: "HS256", crit: [] },
        { alg: "HS256", crit: "b64", b64: true },
        { alg: "HS256", crit: ["b64", "b64"], b64: true },
        { alg: "HS256", crit: ["b64"] },
        { alg: "HS256", crit: ["b64"], b64: false }
      ]
    ) {
      assert.notStrictEqual(checkHeader(header, pinned), "HS256", JSON.stringify(header))
    }
  })

  it("answers the algorithm exactly when it is pinned and no crit is there", () =>
    fc.assert(
      fc.property(
        fc.record({ alg: fc.oneof(fc.constantFrom("none", "HS256", "RS256", "ES256"), fc.string()) }),
        fc.subarray(["HS256", "RS256", "ES256"]),
        (header, pinned) => {
          const checked = checkHeader(header, pinned)
          assert.strictEqual(typeof checked === "string", pinned.includes(header.alg))
        }
      )
    ))
})

describe("importKey", () => {
  it("HS256: exactly the HMAC of the input verifies, compared in full", () => {
    const verify = importKey("HS256", secret)
    assert.isFunction(verify)
    if (typeof verify !== "function") return
    fc.assert(fc.property(fc.string(), fc.uint8Array({ maxLength: 40 }), (input, other) => {
      const mac = createHmac("sha256", secret).update(input).digest()
      assert.isTrue(verify(input, mac))
      assert.isFalse(verify(input, mac.subarray(0, 31)))
      if (!mac.equals(other)) assert.isFalse(verify(input, Buffer.from(other)))
    }))
  })

  it("ES256: a P1363 signature of the input verifies; a changed byte, another input or DER does not", () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" })
    const verify = importKey("ES256", publicKey)
    assert.isFunction(verify)
    if (typeof verify !== "function") return
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.integer({ min: 0, max: 63 }), (input, index) => {
        const signature = sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" })
        assert.isTrue(verify(input, signature))
        const changed = Buffer.from(signature)
        changed[index] = changed[index]! ^ 1
        assert.isFalse(verify(input, changed))
        assert.isFalse(verify(`${input}x`, signature))
        assert.isFalse(verify(input, sign("sha256", Buffer.from(input), privateKey))) // DER
      }),
      { numRuns: 30 }
    )
  })

  it("RS256, PS256, EdDSA sign and verify with node:crypto", () => {
    const input = "header.payload"
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 })
    const rs = importKey("RS256", rsa.publicKey)
    const ps = importKey("PS256", rsa.publicKey)
    const ed = generateKeyPairSync("ed25519")
    const eddsa = importKey("EdDSA", ed.publicKey)
    assert.isTrue(typeof rs === "function" && rs(input, sign("sha256", Buffer.from(input), rsa.privateKey)))
    const pss = sign("sha256", Buffer.from(input), { key: rsa.privateKey, padding: 6, saltLength: 32 })
    assert.isTrue(typeof ps === "function" && ps(input, pss))
    assert.isTrue(typeof rs === "function" && !rs(input, pss))
    assert.isTrue(typeof eddsa === "function" && eddsa(input, sign(null, Buffer.from(input), ed.privateKey)))
  })

  it("a key that cannot sign in the algorithm is refused; an algorithm node:crypto lacks here is left to jose", async () => {
    const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" })
    const shortRsa = generateKeyPairSync("rsa", { modulusLength: 1024 })
    const refused = (value: unknown) => typeof value === "object" && value !== null && "_tag" in value
    assert.isTrue(refused(importKey("ES384", p256.publicKey)))
    assert.isTrue(refused(importKey("RS256", p256.publicKey)))
    assert.isTrue(refused(importKey("HS256", p256.publicKey)))
    assert.isTrue(refused(importKey("ES256", p256.privateKey)))
    assert.isTrue(refused(importKey("ES256", secret)))
    assert.isTrue(refused(importKey("RS256", shortRsa.publicKey)))
    assert.isUndefined(importKey("ML-DSA-44", p256.publicKey))
    assert.isUndefined(importKey("none", secret))
    // a CryptoKey is bound to its algorithm and hash
    const hmac = await webcrypto.subtle.importKey(
      "raw",
      new Uint8Array(32),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["verify"]
    )
    assert.isFunction(importKey("HS256", hmac))
    assert.isTrue(refused(importKey("HS384", hmac)))
    const signOnly = await webcrypto.subtle.importKey(
      "raw",
      new Uint8Array(32),
      { name: "HMAC", hash: "SHA-256" },
      false,
      [
        "sign"
      ]
    )
    assert.isTrue(refused(importKey("HS256", signOnly)))
  })
})
