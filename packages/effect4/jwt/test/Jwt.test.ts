/**
 * The JWT backend through a real server (and, for key sets, a real JWKS endpoint), with time on the TestClock:
 * the server runs on the test's runtime, so its handlers read the same clock.
 */
import { Jwt } from "@effect-auth/jwt"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Schema } from "effect"
import type { AuthenticationBackend } from "effect-auth"
import { AuthCredentials, AuthenticationMiddleware, CurrentCredentials, CurrentUser, requires } from "effect-auth"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import type * as HttpClient from "effect/http/HttpClient"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { TestClock } from "effect/testing"
import type { JWK } from "jose"
import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT } from "jose"
import { AppUser, now, nowSeconds } from "./fixtures.js"
import { bearer, jwksServer, request, serve } from "./utils.js"

// Keys never change once made, so the suite makes them once (RSA key generation is slow).
const rsa = await generateKeyPair("RS256", { extractable: true })
const otherRsa = await generateKeyPair("RS256", { extractable: true })
const rotatedRsa = await generateKeyPair("RS256", { extractable: true })
const secret = "a-shared-secret-of-at-least-32-bytes!"

const publicJwk = async (key: CryptoKey, kid: string): Promise<JWK> => ({
  ...(await exportJWK(key)),
  kid,
  alg: "RS256",
  use: "sig"
})

const alice = { sub: "user-1", name: "Alice", iss: "https://issuer.test/", aud: "api" }

const sign = (
  payload: Record<string, unknown>,
  key: CryptoKey | Uint8Array,
  header: { readonly alg: string; readonly kid?: string } = { alg: "RS256" }
) =>
  Effect.promise(() =>
    new SignJWT({ iat: nowSeconds, exp: nowSeconds + 60, ...payload }).setProtectedHeader(header).sign(key)
  )

const whoami = Effect.gen(function*() {
  const user = yield* CurrentUser
  const credentials = yield* CurrentCredentials
  return HttpServerResponse.jsonUnsafe({
    authenticated: user.isAuthenticated,
    user: user.displayName,
    scopes: credentials.scopes
  })
})

// the middleware's router layer form: the backend runs before routing, on every request
const app = Layer.mergeAll(
  HttpRouter.add("GET", "/", whoami),
  HttpRouter.add("GET", "/read", whoami.pipe(requires("read")))
).pipe(Layer.provide(AuthenticationMiddleware.layer))

const withBackend = <A, E>(backend: Layer.Layer<AuthenticationBackend>, f: (url: string) => Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(now)
    return yield* Effect.flatMap(serve(app), f)
  }).pipe(Effect.provide(backend))

const RsaBackend = Jwt.layer({
  algorithms: ["RS256"],
  key: rsa.publicKey,
  issuer: "https://issuer.test/",
  audience: "api",
  claims: AppUser
})

const HmacBackend = Jwt.layer({
  algorithms: ["HS256"],
  key: Redacted.make(secret),
  claims: AppUser
})

const invalid = `Bearer error="invalid_token"`

describe("Jwt, through a real server", () => {
  it.effect("a valid RS256 token is its user, with the scopes of `scope`", () =>
    withBackend(RsaBackend, (url) =>
      Effect.gen(function*() {
        const token = yield* sign({ ...alice, scope: "read write" }, rsa.privateKey)
        const reply = yield* request(`${url}/read`, { headers: bearer(token) })
        assert.strictEqual(reply.status, 200)
        assert.deepStrictEqual(JSON.parse(reply.body), {
          authenticated: true,
          user: "Alice",
          scopes: ["read", "write"]
        })
      })))

  it.effect("a valid HS256 token (Redacted secret) is its user, with the scopes of `scp`", () =>
    withBackend(HmacBackend, (url) =>
      Effect.gen(function*() {
        const token = yield* sign({ ...alice, scp: ["read", "admin"] }, new TextEncoder().encode(secret), {
          alg: "HS256"
        })
        const reply = yield* request(`${url}/read`, { headers: { authorization: `bEaReR ${token}` } })
        assert.strictEqual(reply.status, 200)
        assert.deepStrictEqual(JSON.parse(reply.body), {
          authenticated: true,
          user: "Alice",
          scopes: ["read", "admin"]
        })
      })))

  it.effect("no token, or another scheme, is anonymous; a denied anonymous request is challenged with Bearer", () =>
    withBackend(RsaBackend, (url) =>
      Effect.gen(function*() {
        for (const headers of [{}, { authorization: "Basic dG9tOnNlY3JldA==" }]) {
          const reply = yield* request(`${url}/`, { headers })
          assert.strictEqual(reply.status, 200)
          assert.deepStrictEqual(JSON.parse(reply.body), { authenticated: false, user: "", scopes: [] })
          const denied = yield* request(`${url}/read`, { headers })
          assert.strictEqual(denied.status, 401)
          assert.strictEqual(denied.headers.get("www-authenticate"), "Bearer")
        }
      })))

  it.effect("a token without the scope is 403", () =>
    withBackend(RsaBackend, (url) =>
      Effect.gen(function*() {
        const token = yield* sign({ ...alice, scope: "write" }, rsa.privateKey)
        assert.strictEqual((yield* request(`${url}/read`, { headers: bearer(token) })).status, 403)
      })))

  it.effect("every bad token is 401 invalid_token, with a generic body that echoes nothing", () =>
    withBackend(RsaBackend, (url) =>
      Effect.gen(function*() {
        const good = yield* sign(alice, rsa.privateKey)
        const [header, payload] = good.split(".")
        const tampered = base64url.encode(JSON.stringify({ ...alice, name: "Mallory", exp: nowSeconds + 60 }))
        const spki = new TextEncoder().encode(yield* Effect.promise(() => exportSPKI(rsa.publicKey)))
        const unsecured = `${base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }))}.${payload}.`
        const cases: Record<string, string> = {
          "no token": "Bearer",
          "no token, spaces": "Bearer   ",
          "not a JWT": "Bearer not-a-jwt",
          "two parts": `Bearer ${header}.${payload}`,
          "garbage in three parts": "Bearer aaa.bbb.ccc",
          "garbled signature": `Bearer ${good.slice(0, -4)}AAAA`,
          "tampered payload": `Bearer ${header}.${tampered}.${good.split(".")[2]}`,
          "signed by another key": `Bearer ${yield* sign(alice, otherRsa.privateKey)}`,
          "alg none": `Bearer ${unsecured}`,
          "HS256 signed with the RSA public key (algorithm confusion)": `Bearer ${yield* sign(alice, spki, {
            alg: "HS256"
          })}`,
          "wrong issuer": `Bearer ${yield* sign({ ...alice, iss: "https://evil.test/" }, rsa.privateKey)}`,
          "no issuer": `Bearer ${yield* sign({ ...alice, iss: undefined }, rsa.privateKey)}`,
          "wrong audience": `Bearer ${yield* sign({ ...alice, aud: "other" }, rsa.privateKey)}`,
          "not yet valid": `Bearer ${yield* sign({ ...alice, nbf: nowSeconds + 60 }, rsa.privateKey)}`,
          "no expiry": `Bearer ${yield* sign({ ...alice, exp: undefined }, rsa.privateKey)}`,
          "claims not matching the Schema": `Bearer ${yield* sign({ ...alice, name: 42 }, rsa.privateKey)}`,
          "malformed scope": `Bearer ${yield* sign({ ...alice, scope: 42 }, rsa.privateKey)}`
        }
        for (const [name, authorization] of Object.entries(cases)) {
          const reply = yield* request(`${url}/`, { headers: { authorization } })
          assert.strictEqual(reply.status, 401, name)
          assert.strictEqual(reply.headers.get("www-authenticate"), invalid, name)
          assert.strictEqual(reply.body, "Invalid token", name)
        }
        // and a good token is still good
        assert.strictEqual((yield* request(`${url}/`, { headers: bearer(good) })).status, 200)
      })))

  it.effect("a token expires with the clock, after the 5 s tolerance", () =>
    withBackend(RsaBackend, (url) =>
      Effect.gen(function*() {
        const token = yield* sign(alice, rsa.privateKey) // exp: now + 60 s
        assert.strictEqual((yield* request(`${url}/`, { headers: bearer(token) })).status, 200)
        yield* TestClock.adjust("64 seconds")
        assert.strictEqual((yield* request(`${url}/`, { headers: bearer(token) })).status, 200)
        yield* TestClock.adjust("1 second")
        const expired = yield* request(`${url}/`, { headers: bearer(token) })
        assert.strictEqual(expired.status, 401)
        assert.strictEqual(expired.body, "Token expired")
        assert.strictEqual(
          expired.headers.get("www-authenticate"),
          `Bearer error="invalid_token", error_description="The access token expired"`
        )
      })))

  it.effect("toUser and toCredentials map claims that are not a user", () =>
    withBackend(
      Jwt.layer({
        algorithms: ["ES256", "RS256"],
        key: rsa.publicKey,
        claims: Schema.Struct({ sub: Schema.String, roles: Schema.Array(Schema.String) }),
        toUser: (claims) => new AppUser({ sub: claims.sub, name: claims.sub.toUpperCase() }),
        toCredentials: (claims) => new AuthCredentials(["authenticated", ...claims.roles])
      }),
      (url) =>
        Effect.gen(function*() {
          const token = yield* sign({ sub: "bob", roles: ["read"] }, rsa.privateKey)
          const reply = yield* request(`${url}/read`, { headers: bearer(token) })
          assert.strictEqual(reply.status, 200)
          assert.deepStrictEqual(JSON.parse(reply.body), {
            authenticated: true,
            user: "BOB",
            scopes: ["authenticated", "read"]
          })
        })
    ))
})

const keySet = (...keys: ReadonlyArray<JWK>) => ({ keys: [...keys] })

const withKeySet = <A, E>(
  options: { readonly path?: string; readonly client?: Layer.Layer<HttpClient.HttpClient> },
  f: (
    url: string,
    jwks: { readonly fetches: () => number; readonly publish: (keys: { keys: Array<JWK> }) => void }
  ) => Effect.Effect<A, E>
) =>
  Effect.gen(function*() {
    yield* TestClock.setTime(now)
    const jwks = yield* jwksServer(keySet(yield* Effect.promise(() => publicJwk(rsa.publicKey, "k1"))))
    const backend = Jwt.layerJwks({
      algorithms: ["RS256"],
      jwksUrl: jwks.url + (options.path ?? ""),
      claims: AppUser
    }).pipe(Layer.provide(options.client ?? FetchHttpClient.layer))
    // built in the test's scope: a client with resources (undici's dispatcher) lives as long as the server
    const url = yield* serve(app).pipe(Effect.provideContext(yield* Layer.build(backend)))
    return yield* f(url, jwks)
  })

describe("Jwt with a remote key set (a real JWKS endpoint)", () => {
  it.effect("fetches the set once for many requests, and again after cacheMaxAge", () =>
    withKeySet({}, (url, jwks) =>
      Effect.gen(function*() {
        const token = yield* sign(alice, rsa.privateKey, { alg: "RS256", kid: "k1" })
        assert.strictEqual(jwks.fetches(), 0) // nothing fetched before the first token
        for (let i = 0; i < 5; i++) {
          const reply = yield* request(`${url}/`, { headers: bearer(token) })
          assert.strictEqual(reply.status, 200)
          assert.strictEqual(JSON.parse(reply.body).user, "Alice")
        }
        assert.strictEqual(jwks.fetches(), 1)
        yield* TestClock.adjust("10 minutes")
        const later = yield* sign({ ...alice, iat: nowSeconds + 600, exp: nowSeconds + 660 }, rsa.privateKey, {
          alg: "RS256",
          kid: "k1"
        })
        assert.strictEqual((yield* request(`${url}/`, { headers: bearer(later) })).status, 200)
        assert.strictEqual(jwks.fetches(), 2)
      })))

  it.effect("fetches with @effect/platform-node's undici client as well as with fetch", () =>
    withKeySet({ client: NodeHttpClient.layerUndici }, (url, jwks) =>
      Effect.gen(function*() {
        const token = yield* sign(alice, rsa.privateKey, { alg: "RS256", kid: "k1" })
        for (let i = 0; i < 3; i++) {
          assert.strictEqual(JSON.parse((yield* request(`${url}/`, { headers: bearer(token) })).body).user, "Alice")
        }
        assert.strictEqual(jwks.fetches(), 1)
      })))

  it.effect("concurrent first requests share one fetch", () =>
    withKeySet({}, (url, jwks) =>
      Effect.gen(function*() {
        const token = yield* sign(alice, rsa.privateKey, { alg: "RS256", kid: "k1" })
        const replies = yield* Effect.all(
          Array.from({ length: 10 }, () => request(`${url}/`, { headers: bearer(token) })),
          { concurrency: "unbounded" }
        )
        assert.deepStrictEqual(replies.map((r) => r.status), Array.from({ length: 10 }, () => 200))
        assert.strictEqual(jwks.fetches(), 1)
      })))

  it.effect("a new kid after key rotation makes it fetch once more, no sooner than the cooldown", () =>
    withKeySet({}, (url, jwks) =>
      Effect.gen(function*() {
        const k1 = yield* sign(alice, rsa.privateKey, { alg: "RS256", kid: "k1" })
        assert.strictEqual((yield* request(`${url}/`, { headers: bearer(k1) })).status, 200)
        assert.strictEqual(jwks.fetches(), 1)

        jwks.publish(keySet(
          yield* Effect.promise(() => publicJwk(rsa.publicKey, "k1")),
          yield* Effect.promise(() => publicJwk(rotatedRsa.publicKey, "k2"))
        ))
        yield* TestClock.adjust("30 seconds")
        const k2 = yield* sign({ ...alice, exp: nowSeconds + 600 }, rotatedRsa.privateKey, { alg: "RS256", kid: "k2" })
        for (let i = 0; i < 3; i++) {
          assert.strictEqual((yield* request(`${url}/`, { headers: bearer(k2) })).status, 200)
        }
        assert.strictEqual((yield* request(`${url}/`, { headers: bearer(k1) })).status, 200)
        assert.strictEqual(jwks.fetches(), 2)
      })))

  it.effect("a new kid within the cooldown is refused without a fetch", () =>
    withKeySet({}, (url, jwks) =>
      Effect.gen(function*() {
        const k1 = yield* sign(alice, rsa.privateKey, { alg: "RS256", kid: "k1" })
        assert.strictEqual((yield* request(`${url}/`, { headers: bearer(k1) })).status, 200)
        jwks.publish(keySet(yield* Effect.promise(() => publicJwk(rotatedRsa.publicKey, "k2"))))
        const k2 = yield* sign(alice, rotatedRsa.privateKey, { alg: "RS256", kid: "k2" })
        const early = yield* request(`${url}/`, { headers: bearer(k2) })
        assert.strictEqual(early.status, 401)
        assert.strictEqual(early.headers.get("www-authenticate"), invalid)
        assert.strictEqual(jwks.fetches(), 1)
      })))

  it.effect("a flood of made-up kids costs at most one fetch per cooldown", () =>
    withKeySet({}, (url, jwks) =>
      Effect.gen(function*() {
        const k1 = yield* sign(alice, rsa.privateKey, { alg: "RS256", kid: "k1" })
        assert.strictEqual((yield* request(`${url}/`, { headers: bearer(k1) })).status, 200)
        const flood = (round: number) =>
          Effect.all(
            Array.from({ length: 20 }, (_, i) =>
              Effect.flatMap(
                sign(alice, otherRsa.privateKey, { alg: "RS256", kid: `garbage-${round}-${i}` }),
                (token) => request(`${url}/`, { headers: bearer(token) })
              )),
            { concurrency: 5 }
          )
        for (const reply of yield* flood(0)) assert.strictEqual(reply.status, 401)
        assert.strictEqual(jwks.fetches(), 1)
        for (let round = 1; round <= 3; round++) {
          yield* TestClock.adjust("30 seconds")
          for (const reply of yield* flood(round)) assert.strictEqual(reply.status, 401)
          assert.strictEqual(jwks.fetches(), 1 + round)
        }
        // tokens in an algorithm we do not take never reach the key set
        yield* TestClock.adjust("30 seconds")
        const hs = yield* sign(alice, new TextEncoder().encode(secret), { alg: "HS256", kid: "nope" })
        assert.strictEqual((yield* request(`${url}/`, { headers: bearer(hs) })).status, 401)
        assert.strictEqual(jwks.fetches(), 4)
      })))

  it.effect("an unreachable key set is 503, retried no sooner than the cooldown", () =>
    withKeySet({ path: ".missing" }, (url, jwks) =>
      Effect.gen(function*() {
        const token = yield* sign(alice, rsa.privateKey, { alg: "RS256", kid: "k1" })
        for (let i = 0; i < 3; i++) {
          const reply = yield* request(`${url}/`, { headers: bearer(token) })
          assert.strictEqual(reply.status, 503)
          assert.strictEqual(reply.body, "Service Unavailable")
          // a ServiceUnavailable, not a refusal of the token: no challenge, and when to try again
          assert.strictEqual(reply.headers.get("www-authenticate"), null)
          assert.strictEqual(reply.headers.get("retry-after"), "30")
        }
        assert.strictEqual(jwks.fetches(), 1)
        yield* TestClock.adjust("30 seconds")
        assert.strictEqual((yield* request(`${url}/`, { headers: bearer(token) })).status, 503)
        assert.strictEqual(jwks.fetches(), 2)
      })))
})
