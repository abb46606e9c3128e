/**
 * Oversized and malformed input, through a real server: headers of 16 KB and 64 KB (Node refuses headers over its
 * 16 KiB limit with 431 before any of the app runs), a 1 MB login or form body (413 from its `Content-Length`, or as
 * soon as a body without one passes the limit), 1,000 cookies, malformed credentials of every kind; each is answered
 * with its own status, the server serves the next request, and repeating them leaves the heap where it was.
 * (A token of 10,000 scopes: packages/effect3/jwt/test/Reliability.test.ts.)
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Option, Redacted, References } from "effect"
import { AuthCredentials, AuthenticationBackend, AuthenticationMiddleware, CurrentUser, SimpleUser } from "effect-auth"
import * as ApiKey from "effect-auth/ApiKey"
import * as Basic from "effect-auth/Basic"
import * as Bearer from "effect-auth/Bearer"
import * as Csrf from "effect-auth/Csrf"
import * as Login from "effect-auth/Login"
import * as Password from "effect-auth/Password"
import * as Session from "effect-auth/Session"
import { SessionStore } from "effect-auth/SessionStore"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { KeptReply } from "../utils/reliability.js"
import { heapAfterGc, send } from "../utils/reliability.js"
import { serve } from "../utils/server.js"

const user = (name: string) => Option.some([new AuthCredentials(["authenticated"]), new SimpleUser(name)] as const)

class SessionCookie extends Context.Service<SessionCookie, string>()("test/SessionCookie") {}

const Backends = Layer.unwrap(Effect.gen(function*() {
  const store = yield* SessionStore.makeMemory()
  const [token] = yield* Effect.orDie(
    store.create({ userId: "carol", scopes: ["authenticated"], idleTimeout: 60_000, absoluteTimeout: 600_000 })
  )
  const session = yield* Session.make().pipe(Effect.provideService(SessionStore, store))
  const backend = AuthenticationBackend.firstOf(
    yield* Basic.make({
      verify: (username, password) =>
        Effect.succeed(username === "alice" && Password.equals(password, "wonderland") ? user("alice") : Option.none())
    }),
    yield* Bearer.make({
      verify: (token) => Effect.succeed(Password.equals(token, "t0ken") ? user("robot") : Option.none())
    }),
    yield* ApiKey.make({
      in: "cookie",
      name: "key",
      verify: (key) => Effect.succeed(Password.equals(key, "k-1") ? user("browser") : Option.none())
    }),
    session.backend
  )
  return Layer.mergeAll(
    AuthenticationBackend.layer(backend),
    Layer.succeed(SessionCookie, `session=${Redacted.value(token)}`),
    Csrf.layer()
  )
}))

const routes = Layer.mergeAll(
  HttpRouter.add(
    "GET",
    "/",
    Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName || "anonymous"))
  ),
  HttpRouter.add(
    "POST",
    "/login",
    Effect.map(Login.readForm(), (form) => HttpServerResponse.text(`form of ${form.username}`))
  ),
  HttpRouter.add("POST", "/form", HttpServerResponse.text("accepted"))
)

// forms are CSRF-checked before authentication, as the example app does; `/login` reads its own form. The function
// form, around the whole app (the router's lookup included)
const serveApp = Effect.gen(function*() {
  const cookie = yield* SessionCookie
  const router = yield* HttpRouter.toHttpEffect(routes)
  const app = Csrf.middleware({ exempt: (request) => request.url === "/login" })(AuthenticationMiddleware(router))
  const url = yield* serve(app).pipe(Effect.provideService(References.MinimumLogLevel, "None"))
  return { url, cookie }
})

const kb = (n: number) => "a".repeat(n * 1024)
const megabyteForm = `username=alice&password=${"x".repeat(1024 * 1024)}`

/** What a request answered: its status, or the code of the error that broke its connection. */
const outcome = (result: Effect.Effect<KeptReply, string>) =>
  Effect.map(Effect.result(result), (result) => (result._tag === "Success" ? result.success.status : result.failure))

// a body sent without a length is cut as it passes the limit: the platform closes the connection to stop it, so
// a client still sending sees it reset rather than the 413 (which it may also read first)
const cut = (status: number | string) => status === 413 || status === "ECONNRESET" || status === "EPIPE" ? 413 : status

const chunkedForm = (url: string) =>
  Effect.map(
    outcome(send(`${url}/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "transfer-encoding": "chunked" },
      body: megabyteForm
    })),
    cut
  )

/** Every oversized or malformed request, with what it must answer. */
const hostile = (url: string): ReadonlyArray<readonly [string, Effect.Effect<number | string>, number]> => [
  ["a 16 KB header", outcome(send(url, { headers: { "x-junk": kb(16) } })), 431],
  ["a 64 KB header", outcome(send(url, { headers: { "x-junk": kb(64) } })), 431],
  ["a 64 KB Authorization", outcome(send(url, { headers: { authorization: `Basic ${kb(64)}` } })), 431],
  [
    "a 1 MB login form",
    outcome(send(`${url}/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: megabyteForm
    })),
    413
  ],
  ["a 1 MB login form sent without a length", chunkedForm(url), 413],
  // without the CSRF cookie, refused before the body is read; with one, the form that should hold the token is
  // too large to read
  [
    "a 1 MB form to a CSRF-checked route, without the CSRF cookie",
    outcome(send(`${url}/form`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: megabyteForm
    })),
    403
  ],
  [
    "a 1 MB form to a CSRF-checked route",
    outcome(send(`${url}/form`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: `csrf=${"n".repeat(43)}` },
      body: megabyteForm
    })),
    413
  ],
  [
    "a Content-Length that is no number",
    outcome(send(`${url}/login`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "content-length": "1e9" }
    })),
    400
  ],
  ["Basic of 8 KB that is no base64", outcome(send(url, { headers: { authorization: `Basic ${kb(8)}!` } })), 400],
  ["Bearer of 8 KB with a space", outcome(send(url, { headers: { authorization: `Bearer ${kb(8)} x` } })), 400],
  [
    "Basic of 8 KB, well formed: a wrong password, anonymous",
    outcome(send(url, {
      headers: { authorization: `Basic ${Buffer.from(`alice:${kb(6)}`).toString("base64")}` }
    })),
    200
  ]
]

describe("oversized and malformed input", () => {
  it.live("each is answered with its own status, and the server serves the next request", () =>
    Effect.gen(function*() {
      const { url } = yield* serveApp
      for (const [name, attempt, status] of hostile(url)) {
        assert.strictEqual(yield* attempt, status, name)
        assert.strictEqual((yield* Effect.orDie(send(url))).body, "anonymous", `after ${name}`)
      }
    }).pipe(Effect.provide(Backends)))

  it.live("1,000 cookies: within Node's header limit, the session and key cookies are found among them", () =>
    Effect.gen(function*() {
      const { cookie, url } = yield* serveApp
      const many = Array.from({ length: 1_000 }, (_, i) => `c${i}=${i}`)
      const jar = (own: string) => [...many.slice(0, 500), own, ...many.slice(500)].join("; ")
      assert.isBelow(jar(cookie).length, 16 * 1024)
      const session = yield* Effect.orDie(send(url, { headers: { cookie: jar(cookie) } }))
      assert.deepStrictEqual([session.status, session.body], [200, "carol"])
      const key = yield* Effect.orDie(send(url, { headers: { cookie: jar("key=k-1") } }))
      assert.deepStrictEqual([key.status, key.body], [200, "browser"])
      // the same cookie twice: the first one counts, as browsers send the most specific first
      const twice = yield* Effect.orDie(send(url, { headers: { cookie: jar(`key=k-1; key=k-2`) } }))
      assert.strictEqual(twice.body, "browser")
      // 1,000 cookies of 20 bytes each pass Node's limit: 431 before any of them is parsed
      const large = Array.from({ length: 1_000 }, (_, i) => `cookie${i}=${"v".repeat(12)}`).join("; ")
      assert.strictEqual(yield* outcome(send(url, { headers: { cookie: large } })), 431)
      assert.strictEqual((yield* Effect.orDie(send(url))).body, "anonymous")
    }).pipe(Effect.provide(Backends)))

  // The platform cuts such a body short by destroying the connection, then waited for good for the response to be
  // written to it: every such request kept its fiber and ~100 KB of body in memory (19 MB for these 200) until
  // the 413 had no body (internal/form.ts).
  it.live.skipIf(heapAfterGc() === undefined)(
    "200 forms of 1 MB sent without a length, cut at the limit, leave the heap where it was (within 4 MB)",
    () =>
      Effect.gen(function*() {
        const { url } = yield* serveApp
        yield* chunkedForm(url)
        const before = heapAfterGc()!
        const statuses = yield* Effect.forEach(Array.from({ length: 200 }), () => chunkedForm(url), { concurrency: 4 })
        const after = heapAfterGc()!
        assert.deepStrictEqual(new Set(statuses), new Set([413]))
        assert.isBelow(after - before, 4 * 1024 * 1024, `heap grew from ${before} to ${after}`)
        assert.strictEqual((yield* Effect.orDie(send(url))).body, "anonymous")
      }).pipe(Effect.provide(Backends)),
    120_000
  )

  // Measured with a full collection before and after (V8's `gc`, reached at run time); skipped where it cannot be.
  it.live.skipIf(heapAfterGc() === undefined)(
    "100 rounds of all of them leave the heap where it was (within 8 MB)",
    () =>
      Effect.gen(function*() {
        const { url } = yield* serveApp
        const round = Effect.forEach(hostile(url), ([, attempt]) => attempt, { concurrency: 4, discard: true })
        // a first round warms up what is built once (parsers, code, the server's pools)
        yield* round
        const before = heapAfterGc()!
        for (let i = 0; i < 100; i++) yield* round
        const after = heapAfterGc()!
        assert.isBelow(after - before, 8 * 1024 * 1024, `heap grew from ${before} to ${after}`)
      }).pipe(Effect.provide(Backends)),
    // about 2,000 requests: seconds on a quiet machine, several times that with both cores busy
    120_000
  )
})
