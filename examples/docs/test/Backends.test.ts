/**
 * docs/backends.md (src/Backends.ts), through a real server: a Basic backend with a service, firstOf, JWTs with
 * a secret and with a key set served over HTTP, and sessions whose secret comes from configuration.
 */
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Exit, Layer } from "effect"
import { AuthenticationMiddleware, CurrentUser } from "effect-auth"
import { request, serve } from "effect-auth/NodeTesting"
import { SessionStore } from "effect-auth/SessionStore"
import { exportJWK, generateKeyPair, SignJWT } from "jose"
import {
  AccountsLive,
  backendsApp,
  BasicLive,
  FirstOfLive,
  JwksLive,
  JwtLive,
  SessionConfigLive
} from "../src/Backends.js"
import { sessionRouter } from "../src/Snippets.js"

const basic = (username: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`
})
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const config = (entries: Record<string, string>) => ConfigProvider.fromMap(new Map(Object.entries(entries)))
const secret = "0123456789abcdef0123456789abcdef" // 32 bytes

describe("docs: backends", () => {
  it.scoped("Basic with a service: verify's requirements are the Layer's", () =>
    Effect.gen(function*() {
      const url = yield* serve(backendsApp).pipe(Effect.provide(Layer.provide(BasicLive, AccountsLive)))
      assert.strictEqual((yield* request(url, { headers: basic("alice", "wonderland") })).body, "alice")
      assert.strictEqual((yield* request(url, { headers: basic("alice", "wrong") })).body, "anonymous")
      assert.strictEqual((yield* request(url, { headers: basic("nobody", "x") })).body, "anonymous")
      const anonymous = yield* request(`${url}/admin`)
      assert.strictEqual(anonymous.status, 401)
      assert.strictEqual(anonymous.headers.get("www-authenticate"), `Basic realm="docs", charset="UTF-8"`)
      assert.strictEqual((yield* request(`${url}/admin`, { headers: basic("alice", "wonderland") })).status, 200)
      const malformed = yield* request(url, { headers: { authorization: "Basic foobar" } })
      assert.deepStrictEqual([malformed.status, malformed.body], [400, "Invalid basic auth credentials"])
    }), 120_000) // six scrypt checks at the default cost: seconds on a loaded 2-core machine

  it.scoped("firstOf: the first backend that recognises the request answers; every challenge is offered", () =>
    Effect.gen(function*() {
      const url = yield* serve(backendsApp).pipe(Effect.provide(FirstOfLive))
      assert.strictEqual((yield* request(url, { headers: bearer("t0ken") })).body, "robot")
      assert.strictEqual((yield* request(url, { headers: basic("alice", "wonderland") })).body, "alice")
      assert.strictEqual((yield* request(url, { headers: bearer("nope") })).status, 401)
      assert.strictEqual(
        (yield* request(`${url}/admin`)).headers.get("www-authenticate"),
        `Bearer, Basic realm="docs", charset="UTF-8"`
      )
    }))

  it.scoped("JWT with a shared secret from the environment", () =>
    Effect.gen(function*() {
      const url = yield* serve(backendsApp).pipe(
        Effect.provide(JwtLive),
        Effect.withConfigProvider(config({ JWT_SECRET: secret }))
      )
      const token = yield* Effect.promise(() =>
        new SignJWT({ scope: "admin" }).setProtectedHeader({ alg: "HS256" }).setSubject("alice")
          .setIssuer("https://issuer.example/").setExpirationTime("5m").sign(new TextEncoder().encode(secret))
      )
      assert.strictEqual((yield* request(url, { headers: bearer(token) })).body, "alice")
      assert.strictEqual((yield* request(`${url}/admin`, { headers: bearer(token) })).status, 200)
      const forged = yield* request(url, { headers: bearer(`${token.slice(0, -2)}AA`) })
      assert.deepStrictEqual([forged.status, forged.body], [401, "Invalid token"])
      assert.strictEqual(forged.headers.get("www-authenticate"), `Bearer error="invalid_token"`)
    }))

  it.scoped("JWT with a key set fetched over HTTP", () =>
    Effect.gen(function*() {
      const { privateKey, publicKey } = yield* Effect.promise(() => generateKeyPair("RS256"))
      const jwk = { ...(yield* Effect.promise(() => exportJWK(publicKey))), kid: "k1", alg: "RS256", use: "sig" }
      const jwks = yield* serve(
        HttpRouter.empty.pipe(HttpRouter.get("/jwks.json", HttpServerResponse.unsafeJson({ keys: [jwk] })))
      )
      const url = yield* serve(backendsApp).pipe(Effect.provide(JwksLive(`${jwks}/jwks.json`)))
      const token = yield* Effect.promise(() =>
        new SignJWT({ scope: "read" }).setProtectedHeader({ alg: "RS256", kid: "k1" }).setSubject("carol")
          .setIssuer("https://issuer.example/").setAudience("my-api").setExpirationTime("5m").sign(privateKey)
      )
      assert.strictEqual((yield* request(url, { headers: bearer(token) })).body, "carol")
      assert.strictEqual((yield* request(`${url}/admin`, { headers: bearer(token) })).status, 403)
    }))

  it.scoped("sessions with SESSION_SECRET from configuration; a short secret fails start-up", () =>
    Effect.gen(function*() {
      const live = Layer.provide(SessionConfigLive, SessionStore.layerMemory())
      const app = AuthenticationMiddleware(sessionRouter)
      const url = yield* serve(app).pipe(
        Effect.provide(live),
        Effect.withConfigProvider(config({ SESSION_SECRET: `${secret},an-older-key-still-accepted-for-a-while` }))
      )
      const login = yield* request(`${url}/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "username=alice&password=wonderland"
      })
      const cookie = login.headers.get("set-cookie")!
      assert.match(cookie, /^sid=/)
      assert.strictEqual((yield* request(`${url}/me`, { headers: { cookie: cookie.split(";")[0]! } })).body, "alice")
      const short = yield* Effect.exit(
        Layer.build(live).pipe(Effect.withConfigProvider(config({ SESSION_SECRET: "too short" })))
      )
      assert.isTrue(Exit.isFailure(short))
      const missing = yield* Effect.exit(Layer.build(live).pipe(Effect.withConfigProvider(config({}))))
      assert.isTrue(Exit.isFailure(missing))
    }))

  it.scoped("what a handler sees is the user the backend answered", () =>
    Effect.gen(function*() {
      const url = yield* serve(
        AuthenticationMiddleware(
          HttpRouter.empty.pipe(
            HttpRouter.get("/", Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.identity)))
          )
        )
      ).pipe(Effect.provide(FirstOfLive))
      assert.strictEqual((yield* request(url, { headers: bearer("t0ken") })).body, "robot")
    }))
})
