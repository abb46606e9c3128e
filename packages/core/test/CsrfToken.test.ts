import fc from "fast-check"
import { createSecretKey, randomBytes } from "node:crypto"
import { assert, describe, it } from "vitest"
import * as CsrfToken from "../src/CsrfToken.js"

describe("CsrfToken", () => {
  const key = createSecretKey(randomBytes(32))
  const other = createSecretKey(randomBytes(32))
  const nonces = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) =>
    Buffer.from(bytes).toString("base64url")
  )
  const sessions = fc.option(fc.string({ unit: "binary", maxLength: 200 }), { nil: undefined })

  it("the same bytes as before the move: tokens in pages already served stay valid", () => {
    // computed by effect-auth 0.3.0's internal/csrfToken before it moved here
    const fixed = createSecretKey(Buffer.from("a fixed secret of thirty-two bytes or more, for vectors", "utf8"))
    const nonce = "N".repeat(43)
    assert.strictEqual(CsrfToken.sign(fixed, nonce, undefined), `${nonce}.flhHNSPMRPBXOGifQwEN_n7yq_YsryQXRg017hWKoJ8`)
    assert.strictEqual(CsrfToken.sign(fixed, nonce, ""), `${nonce}.e_I_6FSP2xA228ua4evkkuSyNBn4dITjm5yyiutLkaY`)
    assert.strictEqual(
      CsrfToken.sign(fixed, nonce, "session=é✓"),
      `${nonce}.9Km-P_NOFSbZTS_qc6QroxtJpml56IgFq9UzhTibiAY`
    )
  })

  it("a token made for a nonce and a session is valid for them, and only for them", () =>
    fc.assert(
      fc.property(nonces, nonces, sessions, sessions, (nonce, otherNonce, session, otherSession) => {
        const token = CsrfToken.sign(key, nonce, session)
        assert.match(token, /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/)
        assert.isTrue(CsrfToken.isNonce(nonce))
        assert.strictEqual(CsrfToken.verify(key, token, nonce, session), "valid")
        assert.strictEqual(CsrfToken.verify(other, token, nonce, session), "other session")
        if (otherNonce !== nonce) assert.strictEqual(CsrfToken.verify(key, token, otherNonce, session), "mismatch")
        if (otherSession !== session) {
          assert.strictEqual(CsrfToken.verify(key, token, nonce, otherSession), "other session")
        }
      }),
      { numRuns: 500 }
    ))

  it("no change of one character of a token keeps it valid", () =>
    fc.assert(
      fc.property(nonces, sessions, fc.nat(86), fc.constantFrom(..."AZaz09-_.x"), (nonce, session, at, character) => {
        const token = CsrfToken.sign(key, nonce, session)
        const changed = token.slice(0, at) + character + token.slice(at + 1)
        if (changed !== token) assert.notStrictEqual(CsrfToken.verify(key, changed, nonce, session), "valid")
      }),
      { numRuns: 1000 }
    ))

  it("any string sent back is answered, never thrown on", () =>
    fc.assert(
      fc.property(nonces, sessions, fc.string({ unit: "binary", maxLength: 100 }), (nonce, session, given) => {
        assert.include(["mismatch", "other session", "valid"], CsrfToken.verify(key, given, nonce, session))
      }),
      { numRuns: 1000 }
    ))

  it("an anonymous token and a token of the empty session differ; nonces are fresh and well-formed", () => {
    const nonce = CsrfToken.makeNonce()
    assert.isTrue(CsrfToken.isNonce(nonce))
    assert.notStrictEqual(CsrfToken.makeNonce(), nonce)
    assert.notStrictEqual(CsrfToken.sign(key, nonce, undefined), CsrfToken.sign(key, nonce, ""))
    assert.strictEqual(CsrfToken.verify(key, CsrfToken.sign(key, nonce, undefined), nonce, ""), "other session")
  })

  const names = fc.constantFrom("csrf", "xcsrf", "csrf_token", "__Host-csrf", "other", " csrf ", "csrf")
  const pairs = fc.array(fc.tuple(names, fc.constantFrom("", "v", "a=b", "%41")), { maxLength: 6 })

  it("counts the cookies of a name as the platform's parser reads them", () =>
    fc.assert(
      fc.property(pairs, (cookies) => {
        const header = cookies.map(([name, value]) => `${name}=${value}`).join("; ")
        const expected = Math.min(2, cookies.filter(([name]) => name.trim() === "csrf").length)
        assert.strictEqual(CsrfToken.countCookies(header, "csrf"), expected, header)
      }),
      { numRuns: 1000 }
    ))
})
