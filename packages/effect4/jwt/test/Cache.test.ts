/**
 * The verified-token cache: what it keeps (successes only, under the token's SHA-256), what a hit checks again (the
 * times against the TestClock, the deny-list, the key set's generation), and what it saves (the Schema decode).
 * The cache is inspected through the internal constructor; the key set cases go through a real server and a real
 * JWKS endpoint.
 */
import * as JwtCache from "@effect-auth/core/JwtCache"
import * as JwtKeys from "@effect-auth/core/JwtKeys"
import { Jwt } from "@effect-auth/jwt"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Schema } from "effect"
import { AuthenticationMiddleware, CurrentUser, SimpleUser } from "effect-auth"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { TestClock } from "effect/testing"
import type { JWK } from "jose"
import { exportJWK, generateKeyPair, SignJWT } from "jose"
import { createHash } from "node:crypto"
import { localKey } from "../src/internal/config.js"
import * as verify from "../src/internal/verify.js"
import { AppUser, now, nowSeconds } from "./fixtures.js"
import type { JwksServer } from "./utils.js"
import { bearer, jwksServer, request, serve } from "./utils.js"

const secret = "a-shared-secret-of-at-least-32-bytes!"
const secretBytes = new TextEncoder().encode(secret)
const claims = Schema.Struct({ sub: Schema.String, jti: Schema.optionalKey(Schema.String) })
const toUser = (c: { readonly sub: string }) => new SimpleUser(c.sub)

const sign = (payload: Record<string, unknown>, key: Uint8Array | CryptoKey = secretBytes, alg = "HS256") =>
  Effect.map(
    Effect.promise(() =>
      new SignJWT({ sub: "carol", iat: nowSeconds, exp: nowSeconds + 60, ...payload }).setProtectedHeader({ alg })
        .sign(key)
    ),
    Redacted.make
  )

/** A verifier with a cache the test can look into. */
const inspectable = (options: Partial<Jwt.SecretKeyOptions<typeof claims.Type, any>> = {}) => {
  const settings = { algorithms: ["HS256"], key: Redacted.make(secret), claims, toUser, ...options } as const
  const cache = JwtCache.make<verify.Entry>(settings.cacheSize ?? 100)
  const key = localKey(settings as Jwt.Options<any, any>)
  const check =
    verify.make(settings as any, { _tag: "Key", checks: JwtKeys.local(settings.algorithms, key) }, cache).verify
  return { cache, check }
}

const sha256 = (token: Redacted.Redacted<string>) => createHash("sha256").update(Redacted.value(token)).digest("base64")

describe("the verified-token cache", () => {
  it.effect("keeps a success under the token's SHA-256: never the token, nor its signature", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const { cache, check } = inspectable()
      const token = yield* sign({})
      yield* check(token)
      yield* check(token)
      assert.deepStrictEqual(cache.keys(), [sha256(token)])
      const text = Redacted.value(token)
      for (const key of cache.keys()) {
        assert.notInclude(text, key)
        assert.notInclude(key, text.slice(text.lastIndexOf(".") + 1))
      }
    }))

  it.effect("never keeps a failure", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const { cache, check } = inspectable({ isRevoked: (jti) => Effect.succeed(jti === "revoked") })
      const failures = [
        yield* sign({}, new TextEncoder().encode("x".repeat(32))), // another key
        yield* sign({ exp: nowSeconds - 60 }), // expired
        yield* sign({ nbf: nowSeconds + 60 }), // not yet valid
        yield* sign({ sub: 42 }), // not the Schema's
        yield* sign({ scope: 42 }), // a malformed scope
        yield* sign({ jti: "revoked" }),
        yield* sign({}, secretBytes, "HS512") // an algorithm not pinned
      ]
      for (const token of failures) {
        for (let i = 0; i < 2; i++) {
          assert.strictEqual((yield* Effect.flip(check(token))).status, 401)
        }
      }
      assert.strictEqual(cache.size, 0)
    }))

  it.effect("a cached token is refused once the TestClock passes its exp (and dropped)", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const { cache, check } = inspectable({ clockTolerance: 0 })
      const token = yield* sign({ exp: nowSeconds + 60 })
      yield* check(token)
      assert.strictEqual(cache.size, 1)
      yield* TestClock.adjust("59 seconds")
      yield* check(token)
      yield* TestClock.adjust("1 second")
      const expired = yield* Effect.flip(check(token))
      assert.strictEqual(expired.message, "Token expired")
      assert.strictEqual(cache.size, 0)
    }))

  it.effect("a cached token is refused once older than maxTokenAge", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const { cache, check } = inspectable({ maxTokenAge: "1 minute", clockTolerance: 0 })
      const token = yield* sign({ exp: nowSeconds + 3600 })
      yield* check(token)
      assert.strictEqual(cache.size, 1)
      yield* TestClock.adjust("61 seconds")
      assert.strictEqual((yield* Effect.flip(check(token))).message, "Invalid token")
      // and a token without iat is refused when a maximum age is set
      assert.strictEqual((yield* Effect.flip(check(yield* sign({ iat: undefined })))).message, "Invalid token")
    }))

  it.effect("the deny-list runs on every hit: a revoked jti is refused on a cached token", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const revoked = new Set<string>()
      const asked: Array<string> = []
      const { cache, check } = inspectable({
        isRevoked: (jti) => Effect.sync(() => (asked.push(jti), revoked.has(jti)))
      })
      const token = yield* sign({ jti: "token-1" })
      yield* check(token)
      yield* check(token)
      assert.strictEqual(cache.size, 1)
      revoked.add("token-1")
      assert.strictEqual((yield* Effect.flip(check(token))).message, "Invalid token")
      assert.deepStrictEqual(asked, ["token-1", "token-1", "token-1"])
      // a jti that is no string cannot be looked up: refused
      assert.strictEqual((yield* Effect.flip(check(yield* sign({ jti: 7 })))).message, "Invalid token")
    }))

  it.effect("the Schema decodes a cached token once; cacheSize bounds the cache, 0 keeps nothing", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      let decoded = 0
      const counted = Schema.Struct({ sub: Schema.String }).check(Schema.makeFilter(() => (decoded++, true)))
      const cached = Jwt.verifier({ algorithms: ["HS256"], key: Redacted.make(secret), claims: counted, toUser })
      const token = yield* sign({})
      for (let i = 0; i < 3; i++) yield* cached(token)
      assert.strictEqual(decoded, 1)
      const uncached = Jwt.verifier({
        algorithms: ["HS256"],
        key: Redacted.make(secret),
        claims: counted,
        toUser,
        cacheSize: 0
      })
      for (let i = 0; i < 3; i++) yield* uncached(token)
      assert.strictEqual(decoded, 4)

      const { cache, check } = inspectable({ cacheSize: 2 })
      for (const sub of ["a", "b", "c"]) yield* check(yield* sign({ sub }))
      assert.strictEqual(cache.size, 2)
    }))

  it("refuses a cacheSize or a maxTokenAge that no typed call could give", () => {
    for (const cacheSize of [-1, 1.5, Number.NaN]) {
      assert.throws(
        () => Jwt.verifier({ algorithms: ["HS256"], key: secretBytes, claims, toUser, cacheSize }),
        /cacheSize/
      )
    }
    assert.throws(
      () => Jwt.verifier({ algorithms: ["HS256"], key: secretBytes, claims, toUser, maxTokenAge: "soon" as any }),
      /maxTokenAge/
    )
  })
})

// --- a key set: its generation is part of every cached token --------------------------------------------------

const rsa = await generateKeyPair("RS256", { extractable: true })
const rotated = await generateKeyPair("RS256", { extractable: true })
const publicJwk = async (key: CryptoKey, kid: string): Promise<JWK> => ({
  ...(await exportJWK(key)),
  kid,
  alg: "RS256",
  use: "sig"
})

const app = HttpRouter.add(
  "GET",
  "/",
  Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName || "anonymous"))
).pipe(Layer.provide(AuthenticationMiddleware.layer))

const withKeySet = <A, E>(
  f: (url: string, jwks: JwksServer) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(now)
    const jwks = yield* jwksServer({ keys: [yield* Effect.promise(() => publicJwk(rsa.publicKey, "k1"))] })
    const backend = Jwt.layerJwks({ algorithms: ["RS256"], jwksUrl: jwks.url, claims: AppUser }).pipe(
      Layer.provide(FetchHttpClient.layer)
    )
    return yield* f(yield* serve(app).pipe(Effect.provide(backend)), jwks)
  })

const signRs = (key: CryptoKey, kid: string) =>
  Effect.promise(() =>
    new SignJWT({ sub: "user-1", name: "Alice", iat: nowSeconds, exp: nowSeconds + 3600 })
      .setProtectedHeader({ alg: "RS256", kid }).sign(key)
  )

describe("the verified-token cache with a key set, through a real server", () => {
  it.effect("a key replaced under the same kid: its cached tokens are refused once the set is fetched again", () =>
    withKeySet((url, jwks) =>
      Effect.gen(function*() {
        const old = yield* signRs(rsa.privateKey, "k1")
        assert.strictEqual((yield* request(`${url}/`, { headers: bearer(old) })).body, "Alice")
        assert.strictEqual((yield* request(`${url}/`, { headers: bearer(old) })).body, "Alice") // a hit
        jwks.publish({
          keys: [
            yield* Effect.promise(() => publicJwk(rotated.publicKey, "k1")),
            yield* Effect.promise(() => publicJwk(rotated.publicKey, "k2"))
          ]
        })
        yield* TestClock.adjust("30 seconds")
        // a token naming a kid the set lacks makes it fetch again: a new generation
        const fresh = yield* signRs(rotated.privateKey, "k2")
        assert.strictEqual((yield* request(`${url}/`, { headers: bearer(fresh) })).status, 200)
        assert.strictEqual(jwks.fetches(), 2)
        const refused = yield* request(`${url}/`, { headers: bearer(old) })
        assert.deepStrictEqual([refused.status, refused.body], [401, "Invalid token"])
      })
    ))

  it.effect("a key removed: its cached tokens are refused once the set is past cacheMaxAge", () =>
    withKeySet((url, jwks) =>
      Effect.gen(function*() {
        const token = yield* signRs(rsa.privateKey, "k1")
        for (let i = 0; i < 3; i++) {
          assert.strictEqual((yield* request(`${url}/`, { headers: bearer(token) })).status, 200)
        }
        assert.strictEqual(jwks.fetches(), 1)
        jwks.publish({
          keys: [yield* Effect.promise(() => publicJwk(rotated.publicKey, "k2"))]
        })
        yield* TestClock.adjust("9 minutes")
        assert.strictEqual((yield* request(`${url}/`, { headers: bearer(token) })).status, 200) // still fresh
        yield* TestClock.adjust("1 minute")
        const refused = yield* request(`${url}/`, { headers: bearer(token) })
        assert.deepStrictEqual([refused.status, refused.body], [401, "Invalid token"])
        assert.strictEqual(jwks.fetches(), 2)
      })
    ))

  it.effect("a revoked jti is refused on a cached token, through the middleware", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(now)
      const revoked = new Set<string>()
      const backend = Jwt.layer({
        algorithms: ["HS256"],
        key: Redacted.make(secret),
        claims: AppUser,
        isRevoked: (jti) => Effect.sync(() => revoked.has(jti))
      })
      const url = yield* serve(app).pipe(Effect.provide(backend))
      const token = Redacted.value(yield* sign({ sub: "user-1", name: "Alice", jti: "t-1" }))
      assert.strictEqual((yield* request(`${url}/`, { headers: bearer(token) })).body, "Alice")
      assert.strictEqual((yield* request(`${url}/`, { headers: bearer(token) })).body, "Alice")
      revoked.add("t-1")
      const refused = yield* request(`${url}/`, { headers: bearer(token) })
      assert.deepStrictEqual([refused.status, refused.body], [401, "Invalid token"])
      assert.strictEqual(refused.headers.get("www-authenticate"), `Bearer error="invalid_token"`)
    }))
})
