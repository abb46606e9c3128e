/**
 * The example's login flow through a real server, with a client that keeps cookies as a browser does: the form, the
 * redirects, the session, logout, and every bad input refused with nothing written.
 */
import { UserStore } from "@effect-auth/sql/UserStore"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Option } from "effect"
import { Session } from "effect-auth"
import { request, serve } from "effect-auth/NodeTesting"
import { request as httpRequest } from "node:http"
import { app, BackendLive, layer } from "../src/App.js"

const html = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" }
const urlEncoded = { "content-type": "application/x-www-form-urlencoded" }

// a browser's cookie jar, for one host
const makeBrowser = (url: string) => {
  const jar = new Map<string, string>()
  const cookie = () => Array.from(jar, ([name, value]) => `${name}=${value}`).join("; ")
  const send = (path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    Effect.map(
      request(`${url}${path}`, {
        ...init,
        // what a browser says of a page of this site; a header given as "" is left out
        headers: Object.fromEntries(
          Object.entries({ ...html, "sec-fetch-site": "same-origin", origin: url, cookie: cookie(), ...init.headers })
            .filter(([, value]) => value !== "")
        )
      }),
      (reply) => {
        for (const line of reply.headers.getSetCookie()) {
          const [pair] = line.split(";")
          const equals = pair!.indexOf("=")
          const [name, value] = [pair!.slice(0, equals), pair!.slice(equals + 1)]
          if (/Max-Age=0/.test(line)) jar.delete(name)
          else jar.set(name, value)
        }
        return reply
      }
    )
  const tokenOf = (body: string) => /name="csrf_token" value="([^"]+)"/.exec(body)?.[1] ?? ""
  const post = (path: string, fields: Record<string, string>, headers: Record<string, string> = {}) =>
    send(path, { method: "POST", headers: { ...urlEncoded, ...headers }, body: new URLSearchParams(fields).toString() })
  return { jar, send, post, tokenOf }
}

// a client on another address (`localAddress`: any of 127.0.0.0/8 reaches the server), with its own cookies
const makeClientAt = (url: string, localAddress: string) => {
  const jar = new Map<string, string>()
  const send = (path: string, method: string, body?: string) =>
    Effect.async<{ readonly status: number; readonly body: string }>((resume) => {
      const headers: Record<string, string> = {
        ...html,
        "sec-fetch-site": "same-origin",
        cookie: Array.from(jar, ([name, value]) => `${name}=${value}`).join("; "),
        ...(body === undefined ? {} : { ...urlEncoded, "content-length": String(Buffer.byteLength(body)) })
      }
      const outgoing = httpRequest(`${url}${path}`, { method, localAddress, agent: false, headers }, (response) => {
        let text = ""
        response.setEncoding("utf8")
        response.on("data", (chunk: string) => (text += chunk))
        response.on("end", () => {
          for (const line of response.headers["set-cookie"] ?? []) {
            const [pair] = line.split(";")
            const equals = pair!.indexOf("=")
            jar.set(pair!.slice(0, equals), pair!.slice(equals + 1))
          }
          resume(Effect.succeed({ status: response.statusCode ?? 0, body: text }))
        })
      })
      outgoing.on("error", (error) => resume(Effect.die(error)))
      outgoing.end(body)
      return Effect.sync(() => outgoing.destroy())
    })
  const token = Effect.map(send("/login", "GET"), (page) => /name="csrf_token" value="([^"]+)"/.exec(page.body)![1]!)
  const login = (username: string, password: string) =>
    Effect.flatMap(
      token,
      (csrf) =>
        Effect.map(
          send("/login", "POST", new URLSearchParams({ csrf_token: csrf, username, password }).toString()),
          (reply) => reply.status
        )
    )
  return { login }
}

// the app served with its layer built once, and the session store to look into
const setUpWith = (live: typeof BackendLive) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(live)
    const url = yield* serve(app).pipe(Effect.provide(context))
    const store = Context.get(context, Session.Session).store
    const users = Context.get(context, UserStore)
    // sessions record the user's id
    const sessionsOf = (username: string) =>
      Effect.orDie(Effect.flatMap(users.find(username), (user) => store.list(Option.getOrThrow(user).id)))
    return { url, sessionsOf, users }
  })

const setUp = setUpWith(BackendLive)

describe("the example's login flow", () => {
  it.scoped(
    "from a guarded page to the form, back to the page once logged in, and out to the form",
    () =>
      Effect.gen(function*() {
        const { sessionsOf, url } = yield* setUp
        const browser = makeBrowser(url)
        const denied = yield* browser.send("/dashboard")
        assert.deepStrictEqual([denied.status, denied.headers.get("location")], [303, "/login?next=%2Fdashboard"])
        const page = yield* browser.send("/login?next=%2Fdashboard")
        assert.strictEqual(page.status, 200)
        assert.match(page.headers.get("content-type") ?? "", /^text\/html/)
        assert.include(page.body, `<input type="hidden" name="next" value="/dashboard">`)
        assert.isTrue(browser.jar.has("csrf"))

        const loggedIn = yield* browser.post("/login", {
          csrf_token: browser.tokenOf(page.body),
          next: "/dashboard",
          username: "alice",
          password: "wonderland"
        })
        assert.deepStrictEqual([loggedIn.status, loggedIn.headers.get("location")], [303, "/dashboard"])
        const sessionCookie = loggedIn.headers.getSetCookie().find((line) => line.startsWith("session="))!
        assert.match(sessionCookie, /^session=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/) // not remembered: no Max-Age
        assert.strictEqual((yield* sessionsOf("alice")).length, 1)

        const dashboard = yield* browser.send("/dashboard")
        assert.strictEqual(dashboard.status, 200)
        assert.include(dashboard.body, "dashboard of alice")
        // API clients with the same cookie get text
        assert.strictEqual(
          (yield* browser.send("/dashboard", { headers: { accept: "*/*" } })).body,
          "dashboard of alice"
        )

        const out = yield* browser.post("/logout", { csrf_token: browser.tokenOf(dashboard.body) })
        assert.deepStrictEqual([out.status, out.headers.get("location")], [303, "/login"])
        assert.isFalse(browser.jar.has("session"))
        assert.deepStrictEqual(yield* sessionsOf("alice"), [])
        assert.strictEqual((yield* browser.send("/dashboard")).status, 303)
      }),
    { timeout: 180_000 }
  )

  it.scoped("remember me: a cookie that outlives the browser session", () =>
    Effect.gen(function*() {
      const { url } = yield* setUp
      const browser = makeBrowser(url)
      const page = yield* browser.send("/login")
      const loggedIn = yield* browser.post("/login", {
        csrf_token: browser.tokenOf(page.body),
        username: "bob",
        password: "builder",
        remember: "on"
      })
      assert.deepStrictEqual([loggedIn.status, loggedIn.headers.get("location")], [303, "/"])
      const sessionCookie = loggedIn.headers.getSetCookie().find((line) => line.startsWith("session="))!
      assert.match(sessionCookie, /; Max-Age=\d+;/)
      assert.strictEqual((yield* browser.send("/", { headers: { accept: "*/*" } })).body, "hello, bob")
    }), { timeout: 180_000 })

  it.scoped(
    "over HTTPS both cookies are Secure, HttpOnly, SameSite=Lax and __Host- prefixed",
    () =>
      Effect.gen(function*() {
        const { url } = yield* setUpWith(layer({ https: true }))
        const browser = makeBrowser(url)
        const page = yield* browser.send("/login")
        assert.match(
          page.headers.get("set-cookie") ?? "",
          /^__Host-csrf=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax$/
        )
        const loggedIn = yield* browser.post("/login", {
          csrf_token: browser.tokenOf(page.body),
          username: "bob",
          password: "builder"
        })
        assert.strictEqual(loggedIn.status, 303)
        const cookies = loggedIn.headers.getSetCookie()
        assert.match(
          cookies.find((line) => line.startsWith("__Host-session="))!,
          /; Path=\/; HttpOnly; Secure; SameSite=Lax$/
        )
        assert.match(
          cookies.find((line) => line.startsWith("__Host-csrf="))!,
          /; Path=\/; HttpOnly; Secure; SameSite=Lax$/
        )
        assert.isFalse(cookies.some((line) => /Domain=/i.test(line)))
      }),
    { timeout: 180_000 }
  )

  it.scoped(
    "an unknown user and a wrong password get the same status and text, and no session",
    () =>
      Effect.gen(function*() {
        const { sessionsOf, url } = yield* setUp
        const browser = makeBrowser(url)
        const token = browser.tokenOf((yield* browser.send("/login")).body)
        const attempt = (username: string, password: string) =>
          Effect.map(browser.post("/login", { csrf_token: token, username, password }), (reply) => ({
            status: reply.status,
            error: /<p role="alert" id="error">([^<]*)<\/p>/.exec(reply.body)?.[1],
            cookies: reply.headers.getSetCookie().filter((line) => line.startsWith("session="))
          }))
        const wrongPassword = yield* attempt("alice", "wrong")
        const unknownUser = yield* attempt("mallory", "wonderland")
        assert.deepStrictEqual(wrongPassword, { status: 400, error: "Invalid username or password.", cookies: [] })
        assert.deepStrictEqual(unknownUser, wrongPassword)
        assert.deepStrictEqual(yield* sessionsOf("alice"), [])
      }),
    { timeout: 180_000 }
  )

  it.scoped(
    "bad input gets a clear answer and writes nothing; a next off this site is brought back to it",
    () =>
      Effect.gen(function*() {
        const { sessionsOf, url } = yield* setUp
        const browser = makeBrowser(url)
        const token = browser.tokenOf((yield* browser.send("/login")).body)
        const alice = { username: "alice", password: "wonderland" }

        const big = yield* browser.post("/login", { csrf_token: token, ...alice, filler: "a".repeat(1024 * 1024) })
        assert.deepStrictEqual([big.status, big.body], [413, "Payload Too Large"])
        const noToken = yield* browser.post("/login", alice)
        const wrongToken = yield* browser.post("/login", { csrf_token: "A".repeat(43), ...alice })
        for (const reply of [noToken, wrongToken]) {
          assert.deepStrictEqual(
            [reply.status, reply.body],
            [403, "Forbidden: missing or invalid CSRF token. Reload the form and try again."]
          )
        }
        // a page of another site, even with the victim's cookie and a token it somehow knew
        for (
          const headers of [{ "sec-fetch-site": "cross-site" }, {
            "sec-fetch-site": "",
            origin: "https://evil.example"
          }]
        ) {
          const crossSite = yield* browser.post("/login", { csrf_token: token, ...alice }, headers)
          assert.deepStrictEqual([crossSite.status, crossSite.body], [403, "Forbidden: cross-site request"])
        }
        const noPassword = yield* browser.post("/login", { csrf_token: token, username: "alice" })
        assert.deepStrictEqual([noPassword.status, noPassword.body], [400, "Bad Request: invalid login form"])
        assert.deepStrictEqual(yield* sessionsOf("alice"), [])

        // a next that would leave the site is cut to a path on it (each login rotates the CSRF cookie: read it again)
        for (
          const [next, location] of [
            ["https://evil.example", "/"],
            ["//evil.example", "/evil.example"],
            ["/\\evil.example", "/evil.example"]
          ]
        ) {
          const fresh = browser.tokenOf((yield* browser.send("/login")).body)
          const reply = yield* browser.post("/login", { csrf_token: fresh, next: next!, ...alice })
          assert.deepStrictEqual([reply.status, reply.headers.get("location")], [303, location], next)
        }
        // each login revoked the session before it
        assert.strictEqual((yield* sessionsOf("alice")).length, 1)
      }),
    { timeout: 180_000 }
  )

  it.scoped(
    "failed logins are throttled: past 10 for a name, 429 with Retry-After before any hash, for the form and Basic alike",
    () =>
      Effect.gen(function*() {
        const { sessionsOf, url } = yield* setUp
        const browser = makeBrowser(url)
        const token = browser.tokenOf((yield* browser.send("/login")).body)
        for (let i = 0; i < 10; i++) {
          const reply = yield* browser.post("/login", { csrf_token: token, username: "alice", password: `guess${i}` })
          assert.strictEqual(reply.status, 400)
        }
        // the right password now: refused, and so is Basic from this address (the same counts)
        const refused = yield* browser.post("/login", { csrf_token: token, username: "alice", password: "wonderland" })
        assert.strictEqual(refused.status, 429)
        const retryAfter = Number(refused.headers.get("retry-after"))
        assert.isAtLeast(retryAfter, 1)
        assert.isAtMost(retryAfter, 15 * 60)
        assert.include(refused.body, "Too many failed attempts. Try again later.")
        assert.isFalse(refused.headers.getSetCookie().some((line) => line.startsWith("session=")))
        const basic = yield* request(`${url}/dashboard`, {
          headers: { authorization: `Basic ${Buffer.from("alice:wonderland").toString("base64")}` }
        })
        assert.deepStrictEqual([basic.status, basic.headers.get("retry-after") !== null], [429, true])
        assert.deepStrictEqual(yield* sessionsOf("alice"), [])
        // other names are not affected
        const bob = yield* browser.post("/login", { csrf_token: token, username: "bob", password: "builder" })
        assert.strictEqual(bob.status, 303)
      }),
    { timeout: 180_000 }
  )

  it.scoped(
    "a disabled user's session is refused at its next request, and their password no longer opens one",
    () =>
      Effect.gen(function*() {
        const { sessionsOf, url, users } = yield* setUp
        const browser = makeBrowser(url)
        const token = browser.tokenOf((yield* browser.send("/login")).body)
        assert.strictEqual(
          (yield* browser.post("/login", { csrf_token: token, username: "bob", password: "builder" })).status,
          303
        )
        assert.strictEqual((yield* browser.send("/", { headers: { accept: "*/*" } })).body, "hello, bob")
        yield* Effect.orDie(users.setDisabled("bob", true))
        assert.deepStrictEqual(yield* sessionsOf("bob"), [])
        assert.strictEqual((yield* browser.send("/", { headers: { accept: "*/*" } })).body, "hello, you")
        const again = browser.tokenOf((yield* browser.send("/login")).body)
        const form = yield* browser.post("/login", { csrf_token: again, username: "bob", password: "builder" })
        assert.strictEqual(form.status, 400)
        const basic = yield* request(`${url}/`, {
          headers: { authorization: `Basic ${Buffer.from("bob:builder").toString("base64")}` }
        })
        assert.strictEqual(basic.body, "hello, you") // a refused password is anonymous; / is open to all
      }),
    { timeout: 180_000 }
  )

  it.scoped(
    "no lockout of a victim: a guesser elsewhere locks alice's name, and her browser still logs in",
    () =>
      Effect.gen(function*() {
        const { sessionsOf, url } = yield* setUp
        // alice logged in on this browser before (and out again): it keeps a device cookie for her name
        const browser = makeBrowser(url)
        const page = yield* browser.send("/login")
        const first = yield* browser.post("/login", {
          csrf_token: browser.tokenOf(page.body),
          username: "alice",
          password: "wonderland"
        })
        assert.strictEqual(first.status, 303)
        assert.match(browser.jar.get("device") ?? "", /^v1\./)
        const dashboard = yield* browser.send("/dashboard")
        yield* browser.post("/logout", { csrf_token: browser.tokenOf(dashboard.body) })
        assert.isTrue(browser.jar.has("device"))

        // a guesser on 127.0.0.2 spends alice's name: 10 wrong passwords, then 429
        const guesser = makeClientAt(url, "127.0.0.2")
        for (let i = 0; i < 10; i++) assert.strictEqual(yield* guesser.login("alice", `guess${i}`), 400)
        assert.strictEqual(yield* guesser.login("alice", "wonderland"), 429)

        // alice mistypes once, then logs in: her browser's own budget
        const again = browser.tokenOf((yield* browser.send("/login")).body)
        const typo = yield* browser.post("/login", { csrf_token: again, username: "alice", password: "wonderlnad" })
        assert.strictEqual(typo.status, 400)
        const fresh = browser.tokenOf((yield* browser.send("/login")).body)
        const loggedIn = yield* browser.post("/login", {
          csrf_token: fresh,
          next: "/dashboard",
          username: "alice",
          password: "wonderland"
        })
        assert.deepStrictEqual([loggedIn.status, loggedIn.headers.get("location")], [303, "/dashboard"])
        assert.include((yield* browser.send("/dashboard")).body, "dashboard of alice")
        assert.strictEqual((yield* sessionsOf("alice")).length, 1)

        // clients without her device cookie wait for the window: a new browser on her address, a third address, and
        // Basic (an untrusted client: curl keeps no cookie)
        assert.strictEqual(yield* makeClientAt(url, "127.0.0.1").login("alice", "wonderland"), 429)
        assert.strictEqual(yield* makeClientAt(url, "127.0.0.3").login("alice", "wonderland"), 429)
        const basic = yield* request(`${url}/dashboard`, {
          headers: { authorization: `Basic ${Buffer.from("alice:wonderland").toString("base64")}` }
        })
        assert.strictEqual(basic.status, 429)
        // the guesser's address was not spent on other names
        assert.strictEqual(yield* guesser.login("bob", "builder"), 303)
      }),
    { timeout: 180_000 }
  )
})
