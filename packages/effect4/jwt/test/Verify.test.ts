/**
 * The token check and the header parsing on their own: no server, time on the TestClock.
 */
import { Jwt } from "@effect-auth/jwt"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Redacted, Result, Schema } from "effect"
import { SimpleUser } from "effect-auth"
import { TestClock } from "effect/testing"
import { exportJWK, generateKeyPair, SignJWT } from "jose"
import { createPublicKey } from "node:crypto"

const secret = new TextEncoder().encode("another-shared-secret-32-bytes-long")
const now = 1_700_000_000_000
const nowSeconds = now / 1000

const verify = Jwt.verifier({
  algorithms: ["HS256"],
  key: secret,
  clockTolerance: 0,
  claims: Schema.Struct({ sub: Schema.String }),
  toUser: (claims) => new SimpleUser(claims.sub)
})

const sign = (payload: Record<string, unknown>) =>
  Effect.map(
    Effect.promise(() => new SignJWT(payload).setProtectedHeader({ alg: "HS256" }).sign(secret)),
    Redacted.make
  )

describe("Jwt.verifier", () => {
  it.effect("checks exp and nbf against the Clock", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const token = yield* sign({ sub: "carol", nbf: nowSeconds + 10, exp: nowSeconds + 20 })
      assert.strictEqual((yield* Effect.flip(verify(token))).message, "Invalid token") // not yet valid
      yield* TestClock.adjust("10 seconds")
      const [credentials, user] = yield* verify(token)
      assert.deepStrictEqual(credentials.scopes, [])
      assert.strictEqual(user.displayName, "carol")
      yield* TestClock.adjust("10 seconds")
      const expired = yield* Effect.flip(verify(token))
      assert.strictEqual(expired.message, "Token expired")
      assert.strictEqual(expired.status, 401)
    }))

  it.effect("scopes come from `scope`, else `scp` (an array or a space-separated string)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const exp = nowSeconds + 60
      const scopes = (payload: Record<string, unknown>) =>
        Effect.map(
          Effect.flatMap(sign({ sub: "carol", exp, ...payload }), verify),
          ([credentials]) => credentials.scopes
        )
      assert.deepStrictEqual(yield* scopes({ scope: " read  write " }), ["read", "write"])
      assert.deepStrictEqual(yield* scopes({ scp: ["read", "write"] }), ["read", "write"])
      assert.deepStrictEqual(yield* scopes({ scp: "read write" }), ["read", "write"])
      assert.deepStrictEqual(yield* scopes({ scope: "read", scp: ["admin"] }), ["read"])
      assert.deepStrictEqual(yield* scopes({}), [])
      for (const bad of [{ scope: 1 }, { scp: [1] }, { scp: { read: true } }]) {
        assert.strictEqual((yield* Effect.flip(scopes(bad))).message, "Invalid token")
      }
    }))

  it.effect("takes a public key as a JWK or a Node KeyObject", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const { privateKey, publicKey } = yield* Effect.promise(() => generateKeyPair("ES256", { extractable: true }))
      const jwk = yield* Effect.promise(() => exportJWK(publicKey))
      const token = Redacted.make(
        yield* Effect.promise(() =>
          new SignJWT({ sub: "dave", exp: nowSeconds + 60 }).setProtectedHeader({ alg: "ES256" }).sign(privateKey)
        )
      )
      const claims = Schema.Struct({ sub: Schema.String })
      const toUser = (c: { readonly sub: string }) => new SimpleUser(c.sub)
      for (const key of [jwk, createPublicKey({ key: jwk as any, format: "jwk" })]) {
        const [, user] = yield* Jwt.verifier({ algorithms: ["ES256"], key, claims, toUser })(token)
        assert.strictEqual(user.identity, "dave")
        // the same key, offered for another curve's algorithm, checks nothing
        const refused = yield* Effect.flip(Jwt.verifier({ algorithms: ["ES384"], key, claims, toUser })(token))
        assert.strictEqual(refused.message, "Invalid token")
      }
    }))

  it("rejects options that no typed call could give", () => {
    const claims = Schema.Struct({ sub: Schema.String })
    const toUser = (c: { readonly sub: string }) => new SimpleUser(c.sub)
    assert.throws(() => Jwt.verifier({ algorithms: [] as any, key: secret, claims, toUser }), /at least one/)
    assert.throws(() => Jwt.verifier({ algorithms: ["none"] as any, key: secret, claims, toUser }), /none/)
    assert.throws(() => Jwt.verifier({ algorithms: ["RS256"] as any, key: secret, claims, toUser }), /RS256/)
    assert.throws(() => Jwt.verifierJwks({ algorithms: ["RS256"], jwksUrl: "not a url", claims, toUser }), /jwksUrl/)
    assert.throws(
      () => Jwt.verifier({ algorithms: ["HS256"], key: secret, clockTolerance: -1, claims, toUser }),
      /clockTolerance/
    )
  })
})

describe("Jwt.parse", () => {
  it("no header and other schemes are anonymous; the scheme is case-insensitive", () => {
    assert.deepStrictEqual(Jwt.parse(undefined), Result.succeed(Option.none()))
    assert.deepStrictEqual(Jwt.parse("Basic dG9tOnNlY3JldA=="), Result.succeed(Option.none()))
    assert.deepStrictEqual(Jwt.parse("Bearerx a.b.c"), Result.succeed(Option.none()))
    for (const header of ["Bearer a.b.cQ", "bearer a.b.cQ", "BEARER   a.b.cQ  ", "Bearer\ta.b.cQ"]) {
      const parsed = Jwt.parse(header)
      assert.isTrue(Result.isSuccess(parsed) && Option.isSome(parsed.success), header)
      if (Result.isSuccess(parsed) && Option.isSome(parsed.success)) {
        assert.strictEqual(Redacted.value(parsed.success.value), "a.b.cQ")
        assert.notInclude(String(parsed.success.value), "a.b.cQ") // never printed
      }
    }
  })

  it("a Bearer header without a canonical compact JWS is invalid_token", () => {
    for (
      const header of [
        "Bearer",
        "Bearer ",
        "Bearer a.b",
        "Bearer a.b.c.d",
        "Bearer a b c",
        "Bearer a.b.c=",
        "Bearer a+b.c.d",
        "Bearer a.b.c",
        "Bearer a.b.cR"
      ]
    ) {
      const parsed = Jwt.parse(header)
      assert.isTrue(Result.isFailure(parsed), header)
      if (Result.isFailure(parsed)) {
        assert.strictEqual(parsed.failure.status, 401)
        assert.strictEqual(parsed.failure.challenge, `Bearer error="invalid_token"`)
      }
    }
  })
})
