/**
 * The signed session cookie backend: signing, the memory store, and login/logout through a real server.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import {
  ConfigProvider,
  Duration,
  Effect,
  Exit,
  Layer,
  Logger,
  LogLevel,
  Option,
  Redacted,
  Schema,
  TestClock
} from "effect"
import { Context } from "effect"
import {
  AuthenticationBackend,
  AuthenticationMiddleware,
  CurrentCredentials,
  CurrentUser,
  Password,
  requires,
  SimpleUser
} from "effect-auth"
import * as Session from "effect-auth/Session"
import { SessionStore, SessionStoreError } from "effect-auth/SessionStore"
import { serve } from "./utils/server.js"

const secret = Redacted.make("a test secret that is long enough: 0123456789abcdef")
const oldSecret = Redacted.make("the previous secret, kept for rotation: fedcba9876543210")
const otherSecret = Redacted.make("somebody else's secret entirely, long enough")

// replaces the character at `index` with another base64url character
const flip = (value: string, index: number): string =>
  value.slice(0, index) + (value[index] === "A" ? "B" : "A") + value.slice(index + 1)

describe("Session.sign / Session.verify", () => {
  it("round-trips an id, in the `<id>.<mac>` format", () => {
    const id = Session.makeId()
    assert.match(id, /^[A-Za-z0-9_-]{43}$/)
    const value = Session.sign(id, secret)
    assert.match(value, /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/)
    assert.isTrue(value.startsWith(`${id}.`))
    assert.deepStrictEqual(Session.verify(value, secret), Option.some(id))
    assert.deepStrictEqual(Session.verify(secret)(value), Option.some(id))
    assert.strictEqual(Session.sign(secret)(id), value)
  })

  it("ids are random", () => {
    const ids = new Set(Array.from({ length: 1000 }, Session.makeId))
    assert.strictEqual(ids.size, 1000)
  })

  it("refuses every single-character change of the id or the MAC", () => {
    const value = Session.sign(Session.makeId(), secret)
    for (let i = 0; i < value.length; i++) {
      if (i === 43) continue
      assert.isTrue(Option.isNone(Session.verify(flip(value, i), secret)), `position ${i}`)
    }
  })

  it("refuses a MAC whose last character differs only in bits a base64 decoder ignores", () => {
    const value = Session.sign(Session.makeId(), secret)
    const last = value[value.length - 1]!
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    // the last of 43 characters carries 4 bits of the MAC and 2 unused ones: 3 other characters decode the same
    const index = alphabet.indexOf(last)
    const siblings = [0, 1, 2, 3].map((low) => alphabet[(index & ~3) | low]!).filter((c) => c !== last)
    assert.strictEqual(siblings.length, 3)
    for (const sibling of siblings) {
      const variant = value.slice(0, -1) + sibling
      assert.deepStrictEqual(
        Buffer.from(variant.slice(44), "base64url"),
        Buffer.from(value.slice(44), "base64url"),
        "decodes to the same bytes"
      )
      assert.isTrue(Option.isNone(Session.verify(variant, secret)), sibling)
    }
  })

  it("refuses malformed values and other keys", () => {
    const id = Session.makeId()
    const value = Session.sign(id, secret)
    for (
      const bad of [
        "",
        ".",
        id,
        `${id}.`,
        `${id}.${id}`,
        value.replace(".", ":"),
        `${value}A`,
        value.slice(1),
        `${value.slice(0, 44)}${"+".repeat(43)}`,
        `${"=".repeat(43)}.${value.slice(44)}`,
        ` ${value.slice(1)}`,
        Session.sign("short", secret)
      ]
    ) {
      assert.isTrue(Option.isNone(Session.verify(bad, secret)), JSON.stringify(bad))
    }
    assert.isTrue(Option.isNone(Session.verify(value, otherSecret)))
  })

  it("accepts a value signed with any key of a list (rotation)", () => {
    const id = Session.makeId()
    assert.deepStrictEqual(Session.verify(Session.sign(id, oldSecret), [secret, oldSecret]), Option.some(id))
    assert.deepStrictEqual(Session.verify(Session.sign(id, secret), [secret, oldSecret]), Option.some(id))
    assert.isTrue(Option.isNone(Session.verify(Session.sign(id, oldSecret), [secret])))
  })
})

describe("Session.make options", () => {
  it("refuses bad options at once", () => {
    assert.throws(() => Session.make({ secret: [] }), /at least one key/)
    assert.throws(() => Session.make({ secret: Redacted.make("") }), /has 0 bytes; it needs 32 or more/)
    assert.throws(() => Session.make({ secret, maxAge: Duration.infinity }), /maxAge/)
    assert.throws(() => Session.make({ secret, maxAge: 0 }), /maxAge/)
    assert.throws(() => Session.make({ secret, cookieName: "bad name;" }), /InvalidName/)
    assert.throws(() => Session.make({ secret, path: "/a;b" }), /InvalidPath/)
    assert.throws(() => Session.make({ secret, sameSite: "none", secure: false }), /sameSite/)
  })

  it("a key shorter than 32 bytes is refused, in a list too; 32 bytes are enough", () => {
    const short = Redacted.make("x".repeat(31))
    assert.throws(() => Session.make({ secret: short }), /has 31 bytes; it needs 32 or more/)
    assert.throws(() => Session.make({ secret: [secret, short] }), /31 bytes/)
    assert.throws(() => Session.layer({ secret: short }), /31 bytes/)
    assert.throws(() => Session.sign("id", short), /31 bytes/)
    // bytes, not characters: 16 two-byte characters are 32 bytes
    assert.doesNotThrow(() => Session.make({ secret: Redacted.make("é".repeat(16)) }))
    assert.doesNotThrow(() => Session.make({ secret: Redacted.make("x".repeat(32)) }))
  })

  it.effect("the service knows its cookie name (\"session\" by default) and its backend has no challenge", () =>
    Effect.gen(function*() {
      const service = yield* Session.make({ secret })
      assert.strictEqual(service.cookieName, "session")
      assert.deepStrictEqual(service.backend.challenges, [])
      assert.strictEqual((yield* Session.make({ secret, cookieName: "sid" })).cookieName, "sid")
    }).pipe(Effect.provide(SessionStore.layerMemory)))
})

describe("Session.layerConfig", () => {
  const withConfig = (entries: ReadonlyArray<readonly [string, string]>) =>
    Effect.withConfigProvider(ConfigProvider.fromMap(new Map(entries)))
  const build = Layer.build(
    Session.layerConfig({ maxAge: "1 hour" }).pipe(Layer.provideMerge(SessionStore.layerMemory))
  )

  it.scoped("reads SESSION_SECRET; a comma-separated list rotates keys, newest first", () =>
    Effect.gen(function*() {
      // keys without commas of their own (a comma separates keys)
      const newest = Redacted.make("the newest key from the environment: 0123456789")
      const previous = Redacted.make("the previous key: still accepted for a while")
      const context = yield* build.pipe(
        withConfig([["SESSION_SECRET", `${Redacted.value(newest)}, ${Redacted.value(previous)}`]])
      )
      const service = Context.get(context, Session.Session)
      const id = Session.makeId()
      const store = Context.get(context, SessionStore)
      yield* store.set(id, session("alice", 60_000))
      for (const key of [newest, previous]) {
        const result = yield* service.backend.authenticate.pipe(withCookie(Session.sign(id, key)))
        assert.strictEqual(Option.map(result, ([, user]) => user.identity).pipe(Option.getOrUndefined), "alice")
      }
      // an unknown key is anonymous, and new cookies are signed with the newest key
      assert.isTrue(Option.isNone(yield* service.backend.authenticate.pipe(withCookie(Session.sign(id, secret)))))
      const loggedIn = yield* service.login(HttpServerResponse.empty(), new SimpleUser("bob")).pipe(
        withCookie(undefined)
      )
      const value = loggedIn.cookies.cookies["session"]!.value
      assert.isTrue(Option.isSome(Session.verify(value, newest)))
      assert.isTrue(Option.isNone(Session.verify(value, previous)))
      // the backend of the context is the service's
      assert.strictEqual(Context.get(context, AuthenticationBackend), service.backend)
    }))

  it.scoped("a missing secret fails start-up with a ConfigError; a short one throws", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.exit(build.pipe(withConfig([])))
      assert.isTrue(Exit.isFailure(missing))
      const short = yield* Effect.exit(build.pipe(withConfig([["SESSION_SECRET", "too short"]])))
      assert.isTrue(Exit.isFailure(short))
    }))
})

const withCookie = (cookie: string | undefined) =>
  Effect.provideService(
    HttpServerRequest.HttpServerRequest,
    HttpServerRequest.fromWeb(
      new Request("http://localhost/", { headers: cookie === undefined ? {} : { cookie: `session=${cookie}` } })
    )
  )

const session = (id: string, expiresAt: number) => ({
  user: new SimpleUser(id),
  scopes: ["authenticated"],
  createdAt: 0,
  expiresAt
})

describe("SessionStore.layerMemory", () => {
  it.effect("stores, answers and deletes sessions", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      assert.isTrue(Option.isNone(yield* store.get("a")))
      yield* store.set("a", session("alice", 60_000))
      assert.deepStrictEqual(Option.map(yield* store.get("a"), (s) => s.user.identity), Option.some("alice"))
      yield* store.delete("a")
      assert.isTrue(Option.isNone(yield* store.get("a")))
      yield* store.delete("never there")
    }).pipe(Effect.provide(SessionStore.layerMemory)))

  it.effect("never answers an expired session (by Effect's Clock)", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      yield* store.set("a", session("alice", 1_000))
      yield* store.set("gone", session("bob", 0))
      assert.isTrue(Option.isNone(yield* store.get("gone")))
      yield* TestClock.adjust("999 millis")
      assert.isTrue(Option.isSome(yield* store.get("a")))
      yield* TestClock.adjust("1 millis")
      assert.isTrue(Option.isNone(yield* store.get("a")))
    }).pipe(Effect.provide(SessionStore.layerMemory)))

  it.effect("each build of the layer is a new store", () =>
    Effect.gen(function*() {
      const a = yield* Effect.provide(SessionStore, SessionStore.layerMemory)
      const b = yield* Effect.provide(SessionStore, SessionStore.layerMemory)
      yield* a.set("x", session("alice", 60_000))
      assert.isTrue(Option.isNone(yield* b.get("x")))
    }))
})

// --- through a real server -------------------------------------------------------------------------------------

interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly body: string
  readonly setCookies: ReadonlyArray<string>
}

const send = (
  url: string,
  init: {
    readonly method?: string
    readonly headers?: Record<string, string>
    readonly cookie?: string | undefined
    readonly form?: Record<string, string>
  } = {}
): Effect.Effect<Reply> =>
  Effect.promise(async () => {
    const headers: Record<string, string> = { ...init.headers }
    if (init.cookie !== undefined) headers["cookie"] = `session=${init.cookie}`
    const response = await fetch(url, {
      method: init.method ?? (init.form === undefined ? "GET" : "POST"),
      headers,
      ...(init.form === undefined ? {} : { body: new URLSearchParams(init.form) }),
      redirect: "manual"
    })
    return {
      status: response.status,
      headers: response.headers,
      body: await response.text(),
      setCookies: response.headers.getSetCookie()
    }
  })

// the value of the `session` cookie a reply sets
const sessionCookie = (reply: Reply): string => {
  const header = reply.setCookies.find((c) => c.startsWith("session="))
  assert.isDefined(header, "a session cookie is set")
  return header!.slice("session=".length).split(";")[0]!
}

const makeApp = (options: Session.Options) => {
  const Login = Schema.Struct({ username: Schema.String, password: Schema.String })
  const router = HttpRouter.empty.pipe(
    HttpRouter.post(
      "/login",
      Effect.gen(function*() {
        const form = yield* HttpServerRequest.schemaBodyUrlParams(Login)
        if (form.username !== "alice" || !Password.equals(form.password, "wonderland")) {
          return HttpServerResponse.text("Invalid username or password", { status: 401 })
        }
        return yield* HttpServerResponse.redirect("/me", { status: 303 }).pipe(
          Session.login(new SimpleUser(form.username), ["authenticated", "profile"])
        )
      })
    ),
    HttpRouter.post("/logout", HttpServerResponse.redirect("/", { status: 303 }).pipe(Session.logout)),
    HttpRouter.get(
      "/me",
      Effect.gen(function*() {
        const user = yield* CurrentUser
        const credentials = yield* CurrentCredentials
        return HttpServerResponse.unsafeJson({ user: user.displayName, scopes: credentials.scopes })
      }).pipe(requires("authenticated"))
    ),
    HttpRouter.get(
      "/whoami",
      Effect.map(
        CurrentUser,
        (user) => HttpServerResponse.unsafeJson({ authenticated: user.isAuthenticated, user: user.displayName })
      )
    )
  )
  return { layer: Session.layer(options), app: AuthenticationMiddleware(router) }
}

// serves an app with its session backend and the given store (one store, shared by the backend and the handlers)
const serveWith = (options: Session.Options, store: SessionStore["Type"]) => {
  const { app, layer } = makeApp(options)
  return serve(app).pipe(
    Effect.provide(layer),
    Effect.provideService(SessionStore, store)
  )
}

const serveApp = (options: Session.Options = { secret, maxAge: "1 hour" }) =>
  Effect.flatMap(SessionStore.makeMemory(), (store) => serveWith(options, store))

const login = (url: string, headers: Record<string, string> = {}, cookie?: string) =>
  send(`${url}/login`, { form: { username: "alice", password: "wonderland" }, headers, cookie })

describe("Session backend, through a real server", () => {
  it.scoped("login checks the password, sets the cookie, and the cookie is the user", () =>
    Effect.gen(function*() {
      const url = yield* serveApp()
      const wrong = yield* send(`${url}/login`, { form: { username: "alice", password: "nope" } })
      assert.strictEqual(wrong.status, 401)
      assert.deepStrictEqual(wrong.setCookies, [])

      const ok = yield* login(url)
      assert.strictEqual(ok.status, 303)
      assert.strictEqual(ok.headers.get("location"), "/me")
      assert.strictEqual(ok.setCookies.length, 1)
      assert.match(
        ok.setCookies[0]!,
        /^session=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Max-Age=3600; Path=\/; HttpOnly; SameSite=Lax$/
      )
      const cookie = sessionCookie(ok)

      const me = yield* send(`${url}/me`, { cookie })
      assert.strictEqual(me.status, 200)
      assert.deepStrictEqual(JSON.parse(me.body), { user: "alice", scopes: ["authenticated", "profile"] })
      assert.deepStrictEqual(me.setCookies, [], "reading a session does not set a cookie")

      const anonymous = yield* send(`${url}/me`)
      assert.strictEqual(anonymous.status, 403)
      assert.strictEqual(anonymous.body, "Forbidden")
    }))

  it.scoped("a tampered, unsigned or malformed cookie is anonymous: 403 on a guarded route, never 400 or 500", () =>
    Effect.gen(function*() {
      const url = yield* serveApp()
      const cookie = sessionCookie(yield* login(url))
      const bad = [
        flip(cookie, 50), // the MAC
        flip(cookie, 5), // the id
        cookie.slice(0, 43), // unsigned
        `${cookie.slice(0, 43)}.`,
        Session.sign(cookie.slice(0, 43), otherSecret), // signed with another key
        "garbage",
        "",
        "%zz"
      ]
      for (const value of bad) {
        const me = yield* send(`${url}/me`, { cookie: value })
        assert.strictEqual(me.status, 403, value)
        const who = yield* send(`${url}/whoami`, { cookie: value })
        assert.strictEqual(who.status, 200, value)
        assert.deepStrictEqual(JSON.parse(who.body), { authenticated: false, user: "" })
      }
      // the genuine cookie still works
      assert.strictEqual((yield* send(`${url}/me`, { cookie })).status, 200)
    }))

  it.scoped("an unknown session id with a valid MAC is anonymous", () =>
    Effect.gen(function*() {
      const url = yield* serveApp()
      const forged = Session.sign(Session.makeId(), secret)
      assert.strictEqual((yield* send(`${url}/me`, { cookie: forged })).status, 403)
      const who = yield* send(`${url}/whoami`, { cookie: forged })
      assert.deepStrictEqual(JSON.parse(who.body), { authenticated: false, user: "" })
    }))

  it.scoped("logging in again rotates the session id: the old cookie stops working", () =>
    Effect.gen(function*() {
      const url = yield* serveApp()
      const first = sessionCookie(yield* login(url))
      const second = sessionCookie(yield* login(url, {}, first))
      assert.notStrictEqual(second, first)
      assert.notStrictEqual(second.slice(0, 43), first.slice(0, 43))
      assert.strictEqual((yield* send(`${url}/me`, { cookie: first })).status, 403)
      assert.strictEqual((yield* send(`${url}/me`, { cookie: second })).status, 200)
    }))

  it.scoped("logout deletes the session and expires the cookie", () =>
    Effect.gen(function*() {
      const url = yield* serveApp()
      const cookie = sessionCookie(yield* login(url))
      const out = yield* send(`${url}/logout`, { method: "POST", cookie })
      assert.strictEqual(out.status, 303)
      assert.deepStrictEqual(out.setCookies, ["session=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"])
      assert.strictEqual((yield* send(`${url}/me`, { cookie })).status, 403)
      // logging out without a session still expires the cookie
      const again = yield* send(`${url}/logout`, { method: "POST" })
      assert.deepStrictEqual(again.setCookies, ["session=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"])
    }))

  it.scoped("key rotation: a cookie signed with an old key works while that key is second in the list", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore.makeMemory()
      const before = yield* serveWith({ secret: oldSecret }, store)
      const rotated = yield* serveWith({ secret: [secret, oldSecret] }, store)
      const dropped = yield* serveWith({ secret }, store)

      const old = sessionCookie(yield* login(before))
      assert.isTrue(Option.isSome(Session.verify(old, oldSecret)))
      assert.strictEqual((yield* send(`${rotated}/me`, { cookie: old })).status, 200)
      assert.strictEqual((yield* send(`${dropped}/me`, { cookie: old })).status, 403)

      // new cookies are signed with the first key
      const fresh = sessionCookie(yield* login(rotated))
      assert.isTrue(Option.isSome(Session.verify(fresh, secret)))
      assert.isTrue(Option.isNone(Session.verify(fresh, oldSecret)))
      assert.strictEqual((yield* send(`${dropped}/me`, { cookie: fresh })).status, 200)
    }))

  it.scoped("a session past maxAge is anonymous (the store reads Effect's Clock)", () =>
    Effect.gen(function*() {
      const url = yield* serveApp({ secret, maxAge: "1 minute" })
      const reply = yield* login(url)
      assert.match(reply.setCookies[0]!, /; Max-Age=60;/)
      const cookie = sessionCookie(reply)
      yield* TestClock.adjust("59 seconds")
      assert.strictEqual((yield* send(`${url}/me`, { cookie })).status, 200)
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* send(`${url}/me`, { cookie })).status, 403)
    }))

  it.scoped("Secure: \"auto\" follows TLS or x-forwarded-proto, true always, false never", () =>
    Effect.gen(function*() {
      const auto = yield* serveApp()
      assert.notInclude((yield* login(auto)).setCookies[0]!, "Secure")
      assert.include((yield* login(auto, { "x-forwarded-proto": "https" })).setCookies[0]!, "; Secure")
      assert.include((yield* login(auto, { "x-forwarded-proto": "HTTPS, http" })).setCookies[0]!, "; Secure")
      assert.notInclude((yield* login(auto, { "x-forwarded-proto": "http" })).setCookies[0]!, "Secure")

      const always = yield* serveApp({ secret, secure: true })
      const set = yield* login(always)
      assert.include(set.setCookies[0]!, "; Secure")
      const out = yield* send(`${always}/logout`, { method: "POST", cookie: sessionCookie(set) })
      assert.include(out.setCookies[0]!, "; Secure")

      const never = yield* serveApp({ secret, secure: false })
      assert.notInclude((yield* login(never, { "x-forwarded-proto": "https" })).setCookies[0]!, "Secure")
    }))

  it.scoped("cookie name, path, SameSite and the default Max-Age (14 days) follow the options", () =>
    Effect.gen(function*() {
      const url = yield* serveApp({ secret, cookieName: "sid", path: "/", sameSite: "strict" })
      const reply = yield* login(url)
      assert.match(
        reply.setCookies[0]!,
        /^sid=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Max-Age=1209600; Path=\/; HttpOnly; SameSite=Strict$/
      )
      const value = reply.setCookies[0]!.slice("sid=".length).split(";")[0]!
      const me = yield* send(`${url}/me`, { headers: { cookie: `other=1; sid=${value}` } })
      assert.strictEqual(me.status, 200)
      // the default name is not read
      assert.strictEqual((yield* send(`${url}/me`, { cookie: value })).status, 403)
    }))

  it.scoped("a store failure is a generic 500 for the client, never the store's message", () =>
    Effect.gen(function*() {
      const failing = SessionStore.of({
        get: () => Effect.fail(new SessionStoreError({ message: "database is down at 10.0.0.7" })),
        set: () => Effect.fail(new SessionStoreError({ message: "database is down at 10.0.0.7" })),
        delete: () => Effect.fail(new SessionStoreError({ message: "database is down at 10.0.0.7" }))
      })
      const url = yield* serveWith({ secret }, failing).pipe(
        Effect.provide(Logger.minimumLogLevel(LogLevel.None))
      )
      // no cookie: the store is not asked
      assert.strictEqual((yield* send(`${url}/whoami`)).status, 200)
      const reply = yield* send(`${url}/whoami`, { cookie: Session.sign(Session.makeId(), secret) })
      assert.strictEqual(reply.status, 500)
      assert.notInclude(reply.body, "10.0.0.7")
      const login500 = yield* login(url)
      assert.strictEqual(login500.status, 500)
      assert.notInclude(login500.body, "10.0.0.7")
      assert.deepStrictEqual(login500.setCookies, [])
    }))
})

describe("Session.layer / Session.make / Session.Session", () => {
  it.effect("the layer's backend, the service's backend and the accessors read and write the same cookie", () => {
    const id = Session.makeId()
    return Effect.gen(function*() {
      const store = yield* SessionStore
      yield* store.set(id, session("alice", 60_000))
      const service = yield* Session.make({ secret })
      const viaService = yield* service.backend.authenticate.pipe(withCookie(Session.sign(id, secret)))
      const viaLayer = yield* Effect.flatMap(AuthenticationBackend, (backend) => backend.authenticate).pipe(
        withCookie(Session.sign(id, secret)),
        Effect.provide(Session.layer({ secret }))
      )
      for (const result of [viaService, viaLayer]) {
        assert.deepStrictEqual(
          Option.map(result, ([credentials, user]) => [credentials.scopes, user.identity] as const),
          Option.some([["authenticated"], "alice"] as const)
        )
      }
      assert.isTrue(Option.isNone(yield* service.backend.authenticate.pipe(withCookie(undefined))))
      // login and logout called directly (data-first), outside a server, on the service
      const sessions = yield* Session.make({ secret, maxAge: "1 hour", secure: true })
      const loggedIn = yield* sessions.login(HttpServerResponse.empty(), new SimpleUser("bob"), ["a"]).pipe(
        withCookie(Session.sign(id, secret))
      )
      const cookie = loggedIn.cookies.cookies["session"]
      assert.isDefined(cookie)
      assert.deepStrictEqual(cookie!.options, {
        path: "/",
        httpOnly: true,
        sameSite: "lax",
        maxAge: Duration.hours(1),
        secure: true
      })
      assert.isTrue(Option.isNone(yield* store.get(id)), "the request's previous session is deleted")
      const newId = Option.getOrThrow(Session.verify(cookie!.value, secret))
      assert.deepStrictEqual(
        Option.map(yield* store.get(newId), (s) => [s.user.identity, s.scopes, s.expiresAt - s.createdAt] as const),
        Option.some(["bob", ["a"], 3_600_000] as const)
      )
      const loggedOut = yield* sessions.logout(HttpServerResponse.empty()).pipe(withCookie(cookie!.value))
      assert.strictEqual(loggedOut.cookies.cookies["session"]?.value, "")
      assert.isTrue(Option.isNone(yield* store.get(newId)))

      // the accessors, data-first and data-last, go through the Session service the layer provides
      const viaAccessors = Effect.gen(function*() {
        const first = yield* Session.login(HttpServerResponse.empty(), new SimpleUser("carol"), ["b"])
        const value = first.cookies.cookies["session"]!.value
        const carolId = Option.getOrThrow(Session.verify(value, secret))
        assert.strictEqual(
          Option.getOrUndefined(Option.map(yield* store.get(carolId), (s) => s.user.identity)),
          "carol"
        )
        const second = yield* HttpServerResponse.empty().pipe(Session.login(new SimpleUser("dave")))
        assert.isDefined(second.cookies.cookies["session"])
        const out = yield* Session.logout(HttpServerResponse.empty()).pipe(withCookie(value))
        assert.strictEqual(out.cookies.cookies["session"]?.value, "")
        assert.isTrue(Option.isNone(yield* store.get(carolId)))
        assert.strictEqual((yield* Session.Session).cookieName, "session")
      })
      yield* viaAccessors.pipe(
        withCookie(undefined),
        Effect.provide(Session.layer({ secret }))
      )

      assert.isTrue(
        Option.isNone(yield* service.backend.authenticate.pipe(withCookie(flip(Session.sign(id, secret), 50))))
      )
    }).pipe(Effect.provide(SessionStore.layerMemory))
  })
})
