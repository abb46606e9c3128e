import fc from "fast-check"
import { assert, describe, it } from "vitest"
import { apiKey, basic, bearer, credentialsFor, empty, malformed } from "../src/Authorization.js"

const pair = (username: string, password: string) => ({ username, password })
const encoded = (text: string) => Buffer.from(text, "utf8").toString("base64")
// eslint-disable-next-line no-control-regex -- control characters are what Basic refuses
const control = /[\u0000-\u001f\u007f]/
// eslint-disable-next-line no-control-regex -- and a colon ends the username
const controlOrColon = /[\u0000-\u001f\u007f:]/

describe("credentialsFor", () => {
  it("the rest of the value after the scheme, matched case-insensitively; undefined for another scheme", () => {
    assert.strictEqual(credentialsFor("basic", "Basic abc"), "abc")
    assert.strictEqual(credentialsFor("basic", "  BASIC\t abc  "), "abc")
    assert.strictEqual(credentialsFor("basic", "Basic"), "")
    assert.strictEqual(credentialsFor("basic", "Bearer abc"), undefined)
    assert.strictEqual(credentialsFor("basic", "Basicabc"), undefined)
    assert.strictEqual(credentialsFor("basic", undefined), undefined)
  })
})

describe("basic", () => {
  it("splits at the first colon; the password may hold more", () => {
    assert.deepStrictEqual(basic(`Basic ${encoded("alice:a:b")}`, pair), pair("alice", "a:b"))
    assert.deepStrictEqual(basic(`basic ${encoded(":")}`, pair), pair("", ""))
    assert.deepStrictEqual(basic(`Basic ${encoded("é:ü")}`, pair), pair("é", "ü"))
  })

  it("refuses loose base64, no colon, control characters and bytes that are not UTF-8", () => {
    for (
      const value of [
        "Basic",
        "Basic !!!",
        `Basic ${encoded("alice:pw").replace(/=+$/, "")}`, // no padding
        `Basic ${encoded("alice")}`,
        `Basic ${encoded("alice:p\nw")}`,
        `Basic ${encoded("alice:p\x7fw")}`,
        `Basic ${Buffer.from([0x61, 0x3a, 0xff]).toString("base64")}`
      ]
    ) {
      assert.strictEqual(basic(value, pair), malformed, value)
    }
    assert.strictEqual(basic("Bearer abc", pair), undefined)
    assert.strictEqual(basic(undefined, pair), undefined)
  })

  it("reads back any pair without control characters whose username has no colon", () =>
    fc.assert(fc.property(
      fc.string({ unit: "grapheme" }).filter((s) => !controlOrColon.test(s)),
      fc.string({ unit: "grapheme" }).filter((s) => !control.test(s)),
      (username, password) => {
        assert.deepStrictEqual(basic(`Basic ${encoded(`${username}:${password}`)}`, pair), pair(username, password))
      }
    )))

  it("answers anything at all with undefined, malformed or a pair, never throwing", () =>
    fc.assert(fc.property(fc.string({ unit: "binary" }), (text) => {
      const parsed = basic(`Basic ${text}`, pair)
      assert.isTrue(parsed === malformed || typeof parsed === "object")
    })))
})

describe("bearer", () => {
  it("a b64token, or malformed", () => {
    assert.strictEqual(bearer("Bearer abc.DEF-_~+/=="), "abc.DEF-_~+/==")
    assert.strictEqual(bearer("bearer x"), "x")
    assert.strictEqual(bearer("Bearer"), malformed)
    assert.strictEqual(bearer("Bearer a b"), malformed)
    assert.strictEqual(bearer("Bearer =a"), malformed)
    assert.strictEqual(bearer("Basic abc"), undefined)
  })

  it("every b64token is read back as it is", () =>
    fc.assert(fc.property(
      fc.stringMatching(/^[A-Za-z0-9\-._~+/]+=*$/),
      (token) => assert.strictEqual(bearer(`Bearer ${token}`), token)
    )))
})

describe("apiKey", () => {
  it("one key of visible ASCII; empty, malformed or absent otherwise", () => {
    assert.strictEqual(apiKey("k3y!"), "k3y!")
    assert.strictEqual(apiKey(["k3y"]), "k3y")
    assert.strictEqual(apiKey(""), empty)
    assert.strictEqual(apiKey("a b"), malformed)
    assert.strictEqual(apiKey("a, b"), malformed)
    assert.strictEqual(apiKey("é"), malformed)
    assert.strictEqual(apiKey(["a", "b"]), malformed)
    assert.strictEqual(apiKey([]), undefined)
    assert.strictEqual(apiKey(undefined), undefined)
  })

  it("a key is accepted exactly when it is visible ASCII", () =>
    fc.assert(fc.property(fc.string({ unit: "binary", minLength: 1 }), (key) => {
      assert.strictEqual(apiKey(key) === key, /^[\x21-\x7e]+$/.test(key))
    })))
})
