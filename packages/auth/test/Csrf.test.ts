import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import * as Csrf from "effect-auth/Csrf"
import { request, serve } from "./utils/server.js"

// a page that hands out the token, and two state-changing routes (one exempt) that count what they did
const makeApp = (options: Csrf.Options = {}) => {
  const writes: Array<string> = []
  const router = HttpRouter.empty.pipe(
    HttpRouter.get("/form", Effect.map(Csrf.token, (token) => HttpServerResponse.text(token))),
    HttpRouter.get(
      "/twice",
      Effect.map(Effect.all([Csrf.token, Csrf.token]), (tokens) => HttpServerResponse.text(tokens.join(" ")))
    ),
    HttpRouter.post("/write", Effect.sync(() => writes.push("write")).pipe(Effect.as(HttpServerResponse.text("ok")))),
    HttpRouter.post("/api", Effect.sync(() => writes.push("api")).pipe(Effect.as(HttpServerResponse.text("ok"))))
  )
  const app = Csrf.middleware({ exempt: (request) => request.url === "/api" })(router).pipe(
    Effect.provideService(Csrf.Csrf, Csrf.make(options))
  )
  return { app, writes }
}

const cookieOf = (setCookie: string | null) => {
  assert.isNotNull(setCookie)
  return setCookie!.split(";")[0]!
}

// a browser's first visit: the form, its token, and the cookie it came with
const visit = (url: string, headers: Record<string, string> = {}) =>
  Effect.map(request(`${url}/form`, { headers }), (reply) => ({
    token: reply.body,
    cookie: cookieOf(reply.headers.get("set-cookie")),
    setCookie: reply.headers.get("set-cookie")!
  }))

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString()
const urlEncoded = { "content-type": "application/x-www-form-urlencoded" }

describe("Csrf", () => {
  it.scoped("a form posted back with its cookie and token passes; a header token passes too", () =>
    Effect.gen(function*() {
      const { app, writes } = makeApp()
      const url = yield* serve(app)
      const { cookie, setCookie, token } = yield* visit(url)
      assert.match(setCookie, /^csrf=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/)
      assert.match(token, /^[A-Za-z0-9_-]{43}$/)
      const posted = yield* request(`${url}/write`, {
        method: "POST",
        headers: { ...urlEncoded, cookie, origin: url, "sec-fetch-site": "same-origin" },
        body: form({ csrf_token: token, other: "field" })
      })
      assert.deepStrictEqual([posted.status, posted.body], [200, "ok"])
      const scripted = yield* request(`${url}/write`, { method: "POST", headers: { cookie, "x-csrf-token": token } })
      assert.strictEqual(scripted.status, 200)
      // the same cookie gives the same token, and sets no new cookie
      const again = yield* request(`${url}/form`, { headers: { cookie } })
      assert.strictEqual(again.body, token)
      assert.isNull(again.headers.get("set-cookie"))
      assert.deepStrictEqual(writes, ["write", "write"])
    }))

  it.scoped("two tokens asked for in one request without a cookie are one token and one cookie", () =>
    Effect.gen(function*() {
      const { app } = makeApp()
      const url = yield* serve(app)
      const reply = yield* request(`${url}/twice`)
      const [first, second] = reply.body.split(" ")
      assert.strictEqual(first, second)
      const cookie = cookieOf(reply.headers.get("set-cookie"))
      assert.strictEqual((yield* request(`${url}/form`, { headers: { cookie } })).body, first)
    }))

  it.scoped("no cookie, no token, a wrong token or another cookie's token: 403, and nothing written", () =>
    Effect.gen(function*() {
      const { app, writes } = makeApp()
      const url = yield* serve(app)
      const mine = yield* visit(url)
      const theirs = yield* visit(url)
      const attempts: Array<Record<string, string>> = [
        {}, // no cookie
        { cookie: mine.cookie }, // no token
        { cookie: mine.cookie, "x-csrf-token": "" },
        { cookie: mine.cookie, "x-csrf-token": "x".repeat(43) },
        { cookie: mine.cookie, "x-csrf-token": mine.token.slice(0, 42) },
        { cookie: mine.cookie, "x-csrf-token": theirs.token }, // the attacker's own token
        { cookie: "csrf=not-a-nonce", "x-csrf-token": mine.token },
        { "x-csrf-token": mine.token } // a token without its cookie
      ]
      for (const headers of attempts) {
        const reply = yield* request(`${url}/write`, { method: "POST", headers })
        assert.strictEqual(reply.status, 403, JSON.stringify(headers))
        assert.strictEqual(reply.body, "Forbidden: missing or invalid CSRF token. Reload the form and try again.")
      }
      const wrongField = yield* request(`${url}/write`, {
        method: "POST",
        headers: { ...urlEncoded, cookie: mine.cookie },
        body: form({ csrf_token: theirs.token })
      })
      assert.strictEqual(wrongField.status, 403)
      assert.deepStrictEqual(writes, [])
    }))

  it.scoped("a page of another site, or a sibling site, is refused even with a valid cookie and token", () =>
    Effect.gen(function*() {
      const { app, writes } = makeApp()
      const url = yield* serve(app)
      const { cookie, token } = yield* visit(url)
      const valid = { cookie, "x-csrf-token": token }
      for (
        const headers of [
          { "sec-fetch-site": "cross-site" },
          { "sec-fetch-site": "same-site" },
          { "sec-fetch-site": "cross-site", origin: url }, // what the browser says wins over what a page could claim
          { origin: "https://evil.example" },
          { origin: "null" }, // a sandboxed page, a data: URL
          { origin: url.replace("127.0.0.1", "localhost") }
        ]
      ) {
        const reply = yield* request(`${url}/write`, { method: "POST", headers: { ...valid, ...headers } })
        assert.deepStrictEqual(
          [reply.status, reply.body],
          [403, "Forbidden: cross-site request"],
          JSON.stringify(headers)
        )
        // an exempt route needs no token, but its origin is checked all the same
        assert.strictEqual((yield* request(`${url}/api`, { method: "POST", headers })).status, 403)
      }
      assert.deepStrictEqual(writes, [])
      // same-origin pages, what the user typed, and clients that are no browser (no header) pass the origin check
      for (const headers of [{ "sec-fetch-site": "same-origin" }, { "sec-fetch-site": "none" }, { origin: url }, {}]) {
        assert.strictEqual(
          (yield* request(`${url}/write`, { method: "POST", headers: { ...valid, ...headers } })).status,
          200
        )
      }
      assert.strictEqual((yield* request(`${url}/api`, { method: "POST" })).status, 200)
    }))

  it.scoped("origins allowed by name pass, whatever Host says", () =>
    Effect.gen(function*() {
      const { app } = makeApp({ origins: ["https://app.example"] })
      const url = yield* serve(app)
      const { cookie, token } = yield* visit(url)
      const headers = { cookie, "x-csrf-token": token, origin: "https://app.example", "sec-fetch-site": "cross-site" }
      assert.strictEqual((yield* request(`${url}/write`, { method: "POST", headers })).status, 200)
    }))

  it.scoped("a form too large to look into is refused from its Content-Length with 413, nothing written", () =>
    Effect.gen(function*() {
      const { app, writes } = makeApp({ maxFormBytes: 1024 })
      const url = yield* serve(app)
      const { cookie, token } = yield* visit(url)
      const big = yield* request(`${url}/write`, {
        method: "POST",
        headers: { ...urlEncoded, cookie },
        body: form({ csrf_token: token, text: "a".repeat(1024 * 1024) })
      })
      assert.deepStrictEqual([big.status, big.body], [413, "Payload Too Large"])
      const small = yield* request(`${url}/write`, {
        method: "POST",
        headers: { ...urlEncoded, cookie },
        body: form({ csrf_token: token, text: "a".repeat(512) })
      })
      assert.strictEqual(small.status, 200)
      assert.deepStrictEqual(writes, ["write"])
    }))

  it.scoped("over HTTPS the cookie is Secure and named __Host-csrf, and only that name is read", () =>
    Effect.gen(function*() {
      const { app } = makeApp()
      const url = yield* serve(app)
      const https = { "x-forwarded-proto": "https" }
      const { cookie, setCookie, token } = yield* visit(url, https)
      assert.match(setCookie, /^__Host-csrf=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Lax$/)
      const post = (headers: Record<string, string>) =>
        request(`${url}/write`, { method: "POST", headers: { "x-csrf-token": token, ...headers } })
      assert.strictEqual((yield* post({ ...https, cookie })).status, 200)
      // a plain `csrf` cookie (one a sibling site could set) opens nothing over HTTPS
      assert.strictEqual((yield* post({ ...https, cookie: cookie.replace("__Host-csrf", "csrf") })).status, 403)
    }))

  it.scoped("rotate gives a new cookie, whose token differs", () =>
    Effect.gen(function*() {
      const router = HttpRouter.empty.pipe(
        HttpRouter.get("/form", Effect.map(Csrf.token, (token) => HttpServerResponse.text(token))),
        HttpRouter.get("/rotate", Csrf.rotate(HttpServerResponse.text("rotated")))
      )
      const url = yield* serve(router.pipe(Effect.provideService(Csrf.Csrf, Csrf.make())))
      const first = yield* visit(url)
      const rotated = yield* request(`${url}/rotate`, { headers: { cookie: first.cookie } })
      const cookie = cookieOf(rotated.headers.get("set-cookie"))
      assert.notStrictEqual(cookie, first.cookie)
      assert.notStrictEqual((yield* request(`${url}/form`, { headers: { cookie } })).body, first.token)
    }))

  it.scoped("instances that share a key accept each other's tokens; another key refuses them", () =>
    Effect.gen(function*() {
      const secret = Redacted.make("a shared key of thirty-two bytes or more")
      const a = yield* serve(makeApp({ secret }).app)
      const b = yield* serve(makeApp({ secret }).app)
      const other = yield* serve(makeApp({ secret: Redacted.make("another key of thirty-two bytes or more") }).app)
      const { cookie, token } = yield* visit(a)
      const headers = { cookie, "x-csrf-token": token }
      assert.strictEqual((yield* request(`${b}/write`, { method: "POST", headers })).status, 200)
      assert.strictEqual((yield* request(`${other}/write`, { method: "POST", headers })).status, 403)
    }))

  it("a short key or an invalid cookie name is refused when the service is made", () => {
    assert.throws(() => Csrf.make({ secret: Redacted.make("short") }), /32 or more/)
    assert.throws(() => Csrf.make({ cookieName: "bad name" }), /invalid cookie name/)
  })
})
