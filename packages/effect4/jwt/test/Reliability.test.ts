/**
 * The JWT backend under load and faults, through real servers on the live clock: 2,000 concurrent requests from 200
 * users over keep-alive connections (HS256), every response naming its own user; a JWKS endpoint that is slow, down
 * or answers garbage, the request answered cleanly and the server serving the next one; a token granting 10,000
 * scopes, refused by Node's header limit or accepted by a server that allows it, its scopes checked through a set.
 */
import { Jwt } from "@effect-auth/jwt"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { assert, describe, it } from "@effect/vitest"
import type { Duration, LogLevel } from "effect"
import { Cause, Deferred, Effect, Fiber, Layer, Logger, Redacted, References } from "effect"
import { AuthenticationMiddleware, CurrentCredentials, CurrentUser, hasRequiredScope, requires } from "effect-auth"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { JWK } from "jose"
import { exportJWK, generateKeyPair, SignJWT } from "jose"
import type { Server } from "node:http"
import { createServer } from "node:http"
import type { KeptReply } from "../../auth/test/utils/reliability.js"
import { get as getOver, keepAliveAgent, send, userNames } from "../../auth/test/utils/reliability.js"
import { AppUser } from "./fixtures.js"
import { serve } from "./utils.js"

const secret = Redacted.make("a-shared-secret-of-at-least-32-bytes!")
const issuedAt = Math.floor(Date.now() / 1000)

const sign = (payload: Record<string, unknown>, key: CryptoKey | Uint8Array, header: Record<string, string>) =>
  Effect.promise(() =>
    new SignJWT({ iat: issuedAt, exp: issuedAt + 600, ...payload }).setProtectedHeader({ alg: "HS256", ...header })
      .sign(key)
  )

const hmacKey = new TextEncoder().encode(Redacted.value(secret))

/** A GET with `node:http` (headers of any size) on a new connection; a broken connection is a defect. */
const get = (url: string, headers: Record<string, string> = {}) => Effect.orDie(send(url, { headers }))

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

const who = Effect.zipWith(
  CurrentUser,
  CurrentCredentials,
  (user, credentials) => `${user.displayName}/${credentials.scopes.join(",")}`
)
const turn = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
const later = Effect.andThen(turn, who)

const app = Layer.mergeAll(
  HttpRouter.add("GET", "/", Effect.map(who, (seen) => HttpServerResponse.text(seen))),
  HttpRouter.add(
    "GET",
    "/fork",
    Effect.map(
      Effect.all([Effect.flatMap(Effect.forkChild(later), Fiber.join), Effect.race(later, later)], {
        concurrency: "unbounded"
      }),
      (seen) => HttpServerResponse.text(seen[0] === seen[1] ? seen[0] : `mixed: ${seen.join(" | ")}`)
    )
  ),
  HttpRouter.add(
    "GET",
    "/forEach",
    Effect.map(
      Effect.forEach([0, 1, 2, 3], () => later, { concurrency: "unbounded" }),
      (seen) => HttpServerResponse.text(new Set(seen).size === 1 ? seen[0]! : `mixed: ${seen.join(" | ")}`)
    )
  ),
  HttpRouter.add(
    "GET",
    "/scoped",
    Effect.map(CurrentCredentials, (c) => HttpServerResponse.text(`${c.scopes.length}`)).pipe(
      requires(["scope-0", "scope-9999"])
    )
  )
).pipe(Layer.provide(AuthenticationMiddleware.layer))

const hs256 = Jwt.layer({ algorithms: ["HS256"], key: secret, claims: AppUser })

describe("JWT HS256 under load", () => {
  it.live(
    "2,000 requests from 200 users over 50 keep-alive connections: each names its own user",
    () =>
      Effect.gen(function*() {
        const users = userNames(200)
        const tokens = yield* Effect.forEach(
          users,
          (user) => sign({ sub: user, name: user, scope: `authenticated as:${user}` }, hmacKey, {})
        )
        const url = yield* serve(app).pipe(Effect.provide(hs256))
        const agent = yield* keepAliveAgent(50)
        const paths = ["/", "/fork", "/forEach"]
        const wrong: Array<string> = []
        yield* Effect.forEach(Array.from({ length: 2_000 }, (_, i) => i), (i) => {
          const n = (i * 7919) % users.length
          // one in ten anonymous
          const anonymous = i % 10 === 9
          return Effect.map(
            getOver(agent, `${url}${paths[i % paths.length]}`, anonymous ? {} : bearer(tokens[n]!)),
            (reply) => {
              const expected = anonymous ? "/" : `${users[n]}/authenticated,as:${users[n]}`
              if (reply.status !== 200 || reply.body !== expected) wrong.push(`${i}: ${reply.status} ${reply.body}`)
            }
          )
        }, { concurrency: "unbounded", discard: true })
        assert.deepStrictEqual(wrong, [])
      }),
    // 2,000 requests: a few seconds on a quiet machine, several times that with both cores busy
    120_000
  )
})

// --- a JWKS endpoint that misbehaves ---------------------------------------------------------------------------

const es256 = await generateKeyPair("ES256", { extractable: true })
const publicJwk: JWK = { ...(await exportJWK(es256.publicKey)), kid: "k1", alg: "ES256", use: "sig" }
const esToken = await new SignJWT({ sub: "alice", name: "Alice", iat: issuedAt, exp: issuedAt + 600 })
  .setProtectedHeader({ alg: "ES256", kid: "k1" })
  .sign(es256.privateKey)

type Behaviour =
  | { readonly _tag: "Answer"; readonly status: number; readonly type: string; readonly body: string }
  | { readonly _tag: "Held"; readonly release: Deferred.Deferred<void> } // answered once the test releases it
  | { readonly _tag: "Stall" } // headers sent, the body never finishes

const good = (): Behaviour => ({
  _tag: "Answer",
  status: 200,
  type: "application/jwk-set+json",
  body: JSON.stringify({ keys: [publicJwk] })
})

/** A JWKS endpoint on 127.0.0.1 that behaves as told; `answered` completes when a held answer has been sent. */
const jwksEndpoint = (behaviour: Behaviour) =>
  Effect.gen(function*() {
    const answered = yield* Deferred.make<void>()
    const server = yield* Effect.acquireRelease(
      Effect.callback<Server>((resume) => {
        const server = createServer((_, res) => {
          switch (behaviour._tag) {
            case "Answer":
              res.writeHead(behaviour.status, { "content-type": behaviour.type }).end(behaviour.body)
              return
            case "Held":
              // the answer waits for the test, not for a timer: how fast the machine is changes nothing
              Effect.runFork(Deferred.await(behaviour.release)).addObserver(() => {
                const { body, type } = good() as Extract<Behaviour, { _tag: "Answer" }>
                res.writeHead(200, { "content-type": type }).end(body, () => Deferred.doneUnsafe(answered, Effect.void))
              })
              return
            case "Stall":
              res.writeHead(200, { "content-type": "application/json" })
              res.write("{\"keys\": [")
              return
          }
        })
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
      }),
      (server) =>
        Effect.callback<void>((resume) => {
          server.closeAllConnections()
          server.close(() => resume(Effect.void))
        })
    )
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    return { url: `http://127.0.0.1:${port}/jwks.json`, answered }
  })

/** A URL on which nothing listens: a port that was free a moment ago. */
const closedPort = Effect.callback<string>((resume) => {
  const server = createServer()
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    server.close(() => resume(Effect.succeed(`http://127.0.0.1:${port}/jwks.json`)))
  })
})

// a timeout far beyond what a fetch takes on a busy machine: only the tests of the timeout itself set a short one
const withJwks = (
  jwksUrl: string,
  timeout: Duration.Input = "1 minute",
  logLevel: LogLevel.LogLevel = "None"
) =>
  serve(
    HttpRouter.add(
      "GET",
      "/",
      Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName || "anonymous"))
    ).pipe(Layer.provide(AuthenticationMiddleware.layerWith({ timeout })))
  ).pipe(
    Effect.provide(
      Jwt.layerJwks({ algorithms: ["ES256"], jwksUrl, claims: AppUser, cooldown: "0 millis" }).pipe(
        Layer.provide(FetchHttpClient.layer)
      )
    ),
    Effect.provideService(References.MinimumLogLevel, logLevel)
  )

// the server serves on: an anonymous request, and a malformed token (refused before any key is needed)
const servesOn = (url: string) =>
  Effect.gen(function*() {
    assert.strictEqual((yield* get(url)).body, "anonymous")
    assert.strictEqual((yield* get(url, bearer("a.b.c"))).status, 401)
  })

const assertUnavailable = (reply: KeptReply, retryAfter: string, label: string) => {
  assert.deepStrictEqual([reply.status, reply.body, reply.headers["retry-after"]], [
    503,
    "Service Unavailable",
    retryAfter
  ], label)
  assert.isUndefined(reply.headers["www-authenticate"], label)
}

describe("a JWKS endpoint that misbehaves", () => {
  it.live("down (connection refused): 503 with Retry-After, and the server serves on", () =>
    Effect.gen(function*() {
      const url = yield* withJwks(yield* closedPort)
      for (let i = 0; i < 3; i++) assertUnavailable(yield* get(url, bearer(esToken)), "30", "down")
      yield* servesOn(url)
    }))

  const garbage: ReadonlyArray<readonly [string, Behaviour]> = [
    ["not JSON", { _tag: "Answer", status: 200, type: "application/json", body: "<html>oops</html>" }],
    ["JSON, not a key set", { _tag: "Answer", status: 200, type: "application/json", body: "{\"keys\":\"x\"}" }],
    ["a JSON string", { _tag: "Answer", status: 200, type: "application/json", body: "\"keys\"" }],
    ["an error status", { _tag: "Answer", status: 500, type: "text/plain", body: "Internal Server Error" }],
    ["a redirect", { _tag: "Answer", status: 302, type: "text/plain", body: "" }],
    ["a megabyte of noise", { _tag: "Answer", status: 200, type: "application/json", body: "[".repeat(1 << 20) }]
  ]
  for (const [name, behaviour] of garbage) {
    it.live(`garbage (${name}): 503 with Retry-After, and the server serves on`, () =>
      Effect.gen(function*() {
        const jwks = yield* jwksEndpoint(behaviour)
        const url = yield* withJwks(jwks.url)
        assertUnavailable(yield* get(url, bearer(esToken)), "30", name)
        yield* servesOn(url)
      }))
  }

  it.live("a key set of broken keys: the token is refused (401), the server serves on", () =>
    Effect.gen(function*() {
      const broken = { keys: [{ ...publicJwk, x: "AAAA", y: "!!" }, { kty: "EC", kid: "k1", crv: "P-999" }] }
      const jwks = yield* jwksEndpoint({
        _tag: "Answer",
        status: 200,
        type: "application/json",
        body: JSON.stringify(broken)
      })
      const url = yield* withJwks(jwks.url)
      const reply = yield* get(url, bearer(esToken))
      assert.deepStrictEqual([reply.status, reply.body], [401, "Invalid token"])
      yield* servesOn(url)
    }))

  it.live("slow: the middleware's timeout answers 503 at once; the fetch goes on, and the next request is served", () =>
    Effect.gen(function*() {
      const release = yield* Deferred.make<void>()
      const jwks = yield* jwksEndpoint({ _tag: "Held", release })
      const url = yield* withJwks(jwks.url, "300 millis")
      assertUnavailable(yield* get(url, bearer(esToken)), "1", "slow")
      yield* servesOn(url)
      // the fetch was not cut short with the request that started it: once it is answered, the keys are there
      yield* Deferred.succeed(release, undefined)
      yield* Deferred.await(jwks.answered)
      assert.strictEqual((yield* get(url, bearer(esToken))).body, "Alice")
    }))

  it.live("stalled mid-body: the middleware's timeout answers 503, and the server serves on", () =>
    Effect.gen(function*() {
      const jwks = yield* jwksEndpoint({ _tag: "Stall" })
      const url = yield* withJwks(jwks.url, "200 millis")
      const replies = yield* Effect.all([get(url, bearer(esToken)), get(url, bearer(esToken))], { concurrency: 2 })
      for (const reply of replies) assertUnavailable(reply, "1", "stalled")
      yield* servesOn(url)
    }))
})

// --- a token granting 10,000 scopes ------------------------------------------------------------------------------

const manyScopes = Array.from({ length: 10_000 }, (_, i) => `scope-${i}`)

/** `serve`, on a Node server that takes headers up to `maxHeaderSize` bytes. */
const serveLarge = <A, E, R>(routes: Layer.Layer<A, E, R>, maxHeaderSize: number) =>
  Effect.gen(function*() {
    const handler = yield* HttpRouter.toHttpEffect(routes)
    const server = yield* NodeHttpServer.make(() => createServer({ maxHeaderSize }), { host: "127.0.0.1", port: 0 })
    yield* server.serve(handler)
    const address = server.address
    return address._tag === "InetAddressV4" ? `http://127.0.0.1:${address.port}` : ""
  })

describe("a token granting 10,000 scopes", () => {
  it.live("Node's default server refuses its header with 431 before any of it is read; the server serves on", () =>
    Effect.gen(function*() {
      const token = yield* sign({ sub: "alice", name: "Alice", scope: manyScopes.join(" ") }, hmacKey, {})
      assert.isAbove(token.length, 16 * 1024)
      const url = yield* serve(app).pipe(Effect.provide(hs256))
      const reply = yield* get(`${url}/scoped`, bearer(token))
      assert.strictEqual(reply.status, 431)
      assert.strictEqual((yield* get(url)).body, "/")
    }))

  it.live("a server that takes large headers: accepted, and `requires` checks it", () =>
    Effect.gen(function*() {
      const token = yield* sign({ sub: "alice", name: "Alice", scope: manyScopes.join(" ") }, hmacKey, {})
      const url = yield* serveLarge(app, 1 << 20).pipe(Effect.provide(hs256))
      const reply = yield* get(`${url}/scoped`, bearer(token))
      assert.deepStrictEqual([reply.status, reply.body], [200, "10000"])
    }))

  it.effect("its credentials check scopes through a set built once: 10,000 checks probe the grant 10,000 times", () =>
    Effect.gen(function*() {
      const token = yield* sign({ sub: "alice", name: "Alice", scope: manyScopes.join(" ") }, hmacKey, {})
      const check = Jwt.verifier({ algorithms: ["HS256"], key: secret, claims: AppUser, requiredClaims: [] })
      const [credentials] = yield* check(Redacted.make(token)).pipe(Effect.orDie)
      assert.strictEqual(credentials.scopes.length, 10_000)
      // count what the checks cost: a probe of a set each, and no scan of the grant (a linear scan would read
      // ~5,000 scopes per check, 50 million for these)
      let probes = 0
      let scans = 0
      const has = Set.prototype.has
      const includes = Array.prototype.includes
      Set.prototype.has = function(this: Set<unknown>, value: unknown) {
        probes++
        return has.call(this, value)
      }
      Array.prototype.includes = function(this: Array<unknown>, ...args: [unknown, number?]) {
        if (this.length > 16) scans++
        return includes.apply(this, args)
      }
      try {
        for (const scope of manyScopes) assert.isTrue(credentials.has(scope))
        assert.isFalse(credentials.has("scope-10000"))
        assert.isTrue(hasRequiredScope(credentials, manyScopes.slice(0, 1_000)))
      } finally {
        Set.prototype.has = has
        Array.prototype.includes = includes
      }
      // 10,001 `has` and 1,000 required scopes: one probe each
      assert.strictEqual(probes, 11_001)
      assert.strictEqual(scans, 0)
    }))
})

// --- tokens never reach logs -------------------------------------------------------------------------------------

describe("JWT: no token in logs, at any level", () => {
  it.live("good, forged, expired and malformed tokens, and an unreachable key set", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const logger = Logger.make(({ cause, fiber, message }) => {
        const annotations = fiber.getRef(References.CurrentLogAnnotations)
        lines.push(`${JSON.stringify(message)} ${Cause.pretty(cause)} ${JSON.stringify(annotations)}`)
      })
      const good = yield* sign({ sub: "alice", name: "Alice" }, hmacKey, {})
      const forged = yield* sign({ sub: "alice", name: "Alice" }, new TextEncoder().encode("x".repeat(32)), {})
      const expired = yield* sign({ sub: "alice", name: "Alice", exp: issuedAt - 3600 }, hmacKey, {})
      const wrongClaims = yield* sign({ sub: 42 }, hmacKey, {})
      const tokens = [good, forged, expired, wrongClaims, `${good}x`, esToken]
      const log = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
        effect.pipe(
          Effect.provide(Logger.layer([logger])),
          Effect.provideService(References.MinimumLogLevel, "All")
        )
      const url = yield* log(serve(app).pipe(Effect.provide(hs256)))
      const jwksUrl = yield* log(withJwks(yield* closedPort, undefined, "All"))
      for (const token of tokens) {
        yield* get(url, bearer(token))
        yield* get(jwksUrl, bearer(token))
      }
      // the refusals were logged (at debug), with their reasons
      assert.isTrue(lines.some((line) => line.includes("JWT refused")))
      for (const token of tokens) {
        // the signature (the token's last part) is what would let it be replayed
        const signature = token.slice(token.lastIndexOf(".") + 1)
        for (const line of lines) assert.notInclude(line, signature)
      }
    }))
})
