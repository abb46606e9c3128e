/**
 * The login flow's building blocks through a real server: the form read within bounds, login to a safe `next` with
 * or without "remember me", logout, and browsers sent to the login page while other clients keep 401 or 403.
 */
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import { AuthenticationMiddleware, Basic, CurrentUser, requires, SimpleUser, Unauthorized } from "effect-auth"
import * as Csrf from "effect-auth/Csrf"
import * as Login from "effect-auth/Login"
import * as Session from "effect-auth/Session"
import { SessionStore } from "effect-auth/SessionStore"
import { request, serve } from "./utils/server.js"

const urlEncoded = { "content-type": "application/x-www-form-urlencoded" }
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString()

const cookiesOf = (headers: Headers): Record<string, string> =>
  Object.fromEntries(
    headers.getSetCookie().map((line) => {
      const pair = line.split(";")[0]!
      const equals = pair.indexOf("=")
      return [pair.slice(0, equals), line]
    })
  )

const pairOf = (setCookie: string) => setCookie.split(";")[0]!

describe("Login.safeNext", () => {
  it("keeps paths on this site and makes everything else one", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["/dashboard?tab=2", "/dashboard?tab=2"],
      ["https://evil.example", "/"],
      ["https://evil.example/steal?x=1", "/steal?x=1"],
      ["//evil.example", "/evil.example"],
      ["/\\evil.example", "/evil.example"],
      ["\\\\evil.example", "/evil.example"],
      ["/\t/evil.example", "/evil.example"],
      ["javascript:alert(1)", "/alert(1)"],
      ["", "/"],
      ["dashboard", "/"]
    ]
    for (const [next, safe] of cases) assert.strictEqual(Login.safeNext(next), safe, next)
  })
})

const me = Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName)).pipe(
  requires("authenticated"),
  Login.redirectBrowsers("/login")
)

// a login route that logs anyone in whose form reads, the user's page, logout, and a page that echoes the form
const router = HttpRouter.empty.pipe(
  HttpRouter.post(
    "/form",
    Effect.flatMap(Login.readForm(), (form) =>
      HttpServerResponse.json({
        username: form.username,
        password: Redacted.value(form.password),
        next: form.next,
        remember: form.remember
      }))
  ),
  HttpRouter.post(
    "/login",
    Effect.flatMap(Login.readForm(), (form) =>
      Login.login({
        user: new SimpleUser(form.username),
        scopes: ["authenticated"],
        next: form.next,
        remember: form.remember
      }))
  ),
  HttpRouter.post("/logout", Login.logout()),
  HttpRouter.get("/me", me),
  HttpRouter.post("/me", me),
  HttpRouter.get(
    "/admin",
    HttpServerResponse.text("admin").pipe(requires("admin"), Login.redirectBrowsers("/login?via=admin"))
  )
)

const SessionLive = Session.layer().pipe(Layer.provideMerge(SessionStore.layerMemory))
const AppLive = Layer.mergeAll(SessionLive, Csrf.layer())
const app = AuthenticationMiddleware(router)

describe("Login.readForm", () => {
  it.scoped("reads the fields, password and all, and makes next safe", () =>
    Effect.gen(function*() {
      const url = yield* serve(app).pipe(Effect.provide(AppLive))
      const read = (fields: Record<string, string>) =>
        Effect.map(
          request(`${url}/form`, { method: "POST", headers: urlEncoded, body: form(fields) }),
          (reply) => reply.status === 200 ? JSON.parse(reply.body) : reply.status
        )
      assert.deepStrictEqual(yield* read({ username: "ålice", password: "p:ss wörd", next: "//evil.example" }), {
        username: "ålice",
        password: "p:ss wörd",
        next: "/evil.example",
        remember: false
      })
      assert.strictEqual((yield* read({ username: "a", password: "b" })).next, "/")
      assert.strictEqual((yield* read({ username: "a", password: "b", remember: "on" })).remember, true)
      assert.strictEqual((yield* read({ username: "a", password: "b", remember: "off" })).remember, false)
      for (
        const bad of [
          { username: "a" },
          { password: "b" },
          { username: "", password: "b" },
          { username: "a".repeat(257), password: "b" },
          { username: "a", password: "b".repeat(1025) }
        ]
      ) {
        assert.strictEqual(yield* read(bad), 400, JSON.stringify(bad).slice(0, 60))
      }
      const json = yield* request(`${url}/form`, { method: "POST", body: `{"username":"a","password":"b"}` })
      assert.deepStrictEqual([json.status, json.body], [400, "Bad Request: invalid login form"])
      const big = yield* request(`${url}/form`, {
        method: "POST",
        headers: urlEncoded,
        body: form({ username: "a", password: "b".repeat(1024 * 1024) })
      })
      assert.deepStrictEqual([big.status, big.body], [413, "Payload Too Large"])
    }))
})

describe("Login.login and Login.logout", () => {
  it.scoped("log in: 303 to the safe next, a new session cookie (for the browser session, or remembered)", () =>
    Effect.gen(function*() {
      const url = yield* serve(app).pipe(Effect.provide(AppLive))
      const login = (fields: Record<string, string>) =>
        request(`${url}/login`, { method: "POST", headers: urlEncoded, body: form(fields) })

      const forgetful = yield* login({ username: "alice", password: "x", next: "https://evil.example/me?x=1" })
      assert.strictEqual(forgetful.status, 303)
      assert.strictEqual(forgetful.headers.get("location"), "/me?x=1")
      const cookies = cookiesOf(forgetful.headers)
      assert.match(cookies["session"]!, /^session=[^;]+; Path=\/; HttpOnly; SameSite=Lax$/) // no Max-Age
      assert.match(cookies["csrf"]!, /^csrf=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/)
      const session = pairOf(cookies["session"]!)
      assert.strictEqual((yield* request(`${url}/me`, { headers: { cookie: session } })).body, "alice")

      const remembered = cookiesOf((yield* login({ username: "bob", password: "x", remember: "on" })).headers)
      assert.match(remembered["session"]!, /; Max-Age=1209600; Path=\/; HttpOnly; SameSite=Lax$/)

      // logout: back to the login page, the session revoked and its cookie expired, a new CSRF cookie
      const out = yield* request(`${url}/logout`, { method: "POST", headers: { cookie: session } })
      assert.deepStrictEqual([out.status, out.headers.get("location")], [303, "/login"])
      const expired = cookiesOf(out.headers)
      assert.match(expired["session"]!, /^session=; Max-Age=0/)
      assert.match(expired["csrf"]!, /^csrf=[A-Za-z0-9_-]{43};/)
      assert.strictEqual((yield* request(`${url}/me`, { headers: { cookie: session } })).status, 403)
    }))

  it.scoped("a session known before login is worthless after it", () =>
    Effect.gen(function*() {
      const url = yield* serve(app).pipe(Effect.provide(AppLive))
      const login = (cookie: string | undefined) =>
        Effect.map(
          request(`${url}/login`, {
            method: "POST",
            headers: { ...urlEncoded, ...(cookie === undefined ? {} : { cookie }) },
            body: form({ username: "alice", password: "x" })
          }),
          (reply) => pairOf(cookiesOf(reply.headers)["session"]!)
        )
      const planted = yield* login(undefined)
      const fresh = yield* login(planted)
      assert.notStrictEqual(fresh, planted)
      assert.strictEqual((yield* request(`${url}/me`, { headers: { cookie: planted } })).status, 403)
      assert.strictEqual((yield* request(`${url}/me`, { headers: { cookie: fresh } })).body, "alice")
    }))
})

describe("Login.redirectBrowsers", () => {
  const html = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" }

  it.scoped("anonymous page loads go to the login page; API clients, posts and users lacking a scope do not", () =>
    Effect.gen(function*() {
      const url = yield* serve(app).pipe(Effect.provide(AppLive))
      const browser = yield* request(`${url}/me?tab=2`, { headers: html })
      assert.deepStrictEqual([browser.status, browser.headers.get("location")], [303, "/login?next=%2Fme%3Ftab%3D2"])
      const admin = yield* request(`${url}/admin`, { headers: html })
      assert.strictEqual(admin.headers.get("location"), "/login?via=admin&next=%2Fadmin")
      // the session backend declares no challenge: API clients get Starlette's 403
      assert.deepStrictEqual((yield* request(`${url}/me`, { headers: { accept: "application/json" } })).status, 403)
      assert.strictEqual((yield* request(`${url}/me`, { method: "POST", headers: html })).status, 403)
      const login = yield* request(`${url}/login`, {
        method: "POST",
        headers: urlEncoded,
        body: form({ username: "bob", password: "x" })
      })
      const cookie = pairOf(cookiesOf(login.headers)["session"]!)
      // logged in without the scope: a login would not help, so no redirect (it would loop)
      assert.strictEqual((yield* request(`${url}/admin`, { headers: { ...html, cookie } })).status, 403)
    }))

  it.scoped("with a backend that challenges, API clients keep the 401 and its challenge", () =>
    Effect.gen(function*() {
      const BasicLive = Basic.layer({ realm: "app", verify: () => Effect.succeed(Option.none()) })
      // the last layer's backend wins: Basic's, which challenges
      const url = yield* serve(app).pipe(Effect.provide(Layer.mergeAll(SessionLive, Csrf.layer(), BasicLive)))
      const api = yield* request(`${url}/me`)
      assert.strictEqual(api.status, 401)
      assert.strictEqual(api.headers.get("www-authenticate"), `Basic realm="app", charset="UTF-8"`)
      const browser = yield* request(`${url}/me`, { headers: html })
      assert.deepStrictEqual([browser.status, browser.headers.get("location")], [303, "/login?next=%2Fme"])
    }))

  it.effect("without a request (a handler run alone) the denial stays as it was", () =>
    Effect.gen(function*() {
      const unauthorized = new Unauthorized({ scopes: ["authenticated"], clause: "authenticated", challenge: "Basic" })
      const denied = yield* Effect.fail(unauthorized).pipe(Login.redirectBrowsers("/login"), Effect.flip)
      assert.strictEqual(denied, unauthorized)
    }))
})
