/**
 * The signed session cookie backend: signing, the memory store, and login/logout through a real server.
 */
import * as SessionToken from "@effect-auth/core/SessionToken"
import * as Signing from "@effect-auth/core/Signing"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Context, Duration, Effect, Exit, Layer, Option, Redacted, References, Schema } from "effect"
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
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as TestClock from "effect/testing/TestClock"
import { serve } from "./utils/server.js"

const secret = Redacted.make("a test secret that is long enough: 0123456789abcdef")
const oldSecret = Redacted.make("the previous secret, kept for rotation: fedcba9876543210")
const otherSecret = Redacted.make("somebody else's secret entirely, long enough")

// replaces the character at `index` with another base64url character
const flip = (value: string, index: number): string =>
  value.slice(0, index) + (value[index] === "A" ? "B" : "A") + value.slice(index + 1)

const newToken = (): string => Redacted.value(SessionStore.makeToken()[2])

describe("Session.sign / Session.verify", () => {
  it("round-trips a value, in the `<value>.<mac>` format", () => {
    const token = newToken()
    const value = Session.sign(token, secret)
    assert.match(value, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/)
    assert.isTrue(value.startsWith(`${token}.`))
    assert.deepStrictEqual(Session.verify(value, secret), Option.some(token))
    assert.deepStrictEqual(Session.verify(secret)(value), Option.some(token))
    assert.strictEqual(Session.sign(secret)(token), value)
  })

  it("refuses every single-character change of the value or the MAC", () => {
    const value = Session.sign(newToken(), secret)
    for (let i = 0; i < value.length; i++) {
      if (value[i] === ".") continue
      assert.isTrue(Option.isNone(Session.verify(flip(value, i), secret)), `position ${i}`)
    }
  })

  it("refuses a MAC whose last character differs only in bits a base64 decoder ignores", () => {
    const value = Session.sign(newToken(), secret)
    const last = value[value.length - 1]!
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    // the last of 43 characters carries 4 bits of the MAC and 2 unused ones: 3 other characters decode the same
    const index = alphabet.indexOf(last)
    const siblings = [0, 1, 2, 3].map((low) => alphabet[(index & ~3) | low]!).filter((c) => c !== last)
    assert.strictEqual(siblings.length, 3)
    for (const sibling of siblings) {
      const variant = value.slice(0, -1) + sibling
      assert.deepStrictEqual(
        Buffer.from(variant.slice(-43), "base64url"),
        Buffer.from(value.slice(-43), "base64url"),
        "decodes to the same bytes"
      )
      assert.isTrue(Option.isNone(Session.verify(variant, secret)), sibling)
    }
  })

  it("refuses malformed values and other keys", () => {
    const token = newToken()
    const value = Session.sign(token, secret)
    const mac = value.slice(-43)
    for (
      const bad of [
        "",
        ".",
        token,
        `${token}.`,
        `.${mac}`,
        `${value.slice(0, -44)}:${mac}`,
        `${value}A`,
        value.slice(1),
        `${token}.${"+".repeat(43)}`,
        `${token}.${"=".repeat(43)}`,
        ` ${value.slice(1)}`
      ]
    ) {
      assert.isTrue(Option.isNone(Session.verify(bad, secret)), JSON.stringify(bad))
    }
    assert.isTrue(Option.isNone(Session.verify(value, otherSecret)))
  })

  it("the cookie is core's format, as the Effect 3 line writes it: a cookie or a store of either line opens in the other", () => {
    const [id, tokenSecret, token] = SessionToken.make()
    const key = Signing.secretKey(Redacted.value(secret), "test")
    assert.strictEqual(Session.sign(token, secret), SessionToken.sign(key, token))
    assert.deepStrictEqual(Session.verify(SessionToken.sign(key, token), secret), Option.some(token))
    assert.deepStrictEqual(SessionStore.parseToken(token), [id, tokenSecret])
    assert.strictEqual(SessionStore.hashSecret(tokenSecret), SessionToken.hashSecret(tokenSecret))
  })

  it("accepts a value signed with any key of a list (rotation)", () => {
    const token = newToken()
    assert.deepStrictEqual(Session.verify(Session.sign(token, oldSecret), [secret, oldSecret]), Option.some(token))
    assert.deepStrictEqual(Session.verify(Session.sign(token, secret), [secret, oldSecret]), Option.some(token))
    assert.isTrue(Option.isNone(Session.verify(Session.sign(token, oldSecret), [secret])))
  })
})

describe("SessionStore tokens", () => {
  it("a token is `<22 base64url id>.<43 base64url secret>`, random, and its id and secret parse back", () => {
    const [id, tokenSecret, token] = SessionStore.makeToken()
    assert.strictEqual(Redacted.value(token), `${id}.${tokenSecret}`)
    assert.match(Redacted.value(token), /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/)
    assert.deepStrictEqual(SessionStore.parseToken(Redacted.value(token)), [id, tokenSecret])
    assert.notInclude(String(token), tokenSecret, "the token is redacted")
    assert.strictEqual(new Set(Array.from({ length: 1000 }, newToken)).size, 1000)
  })

  it("parseToken refuses anything else", () => {
    const token = newToken()
    for (
      const bad of [
        "",
        ".",
        token.slice(1),
        `${token}A`,
        token.replace(".", ":"),
        `${token.slice(0, 22)}.`,
        ` ${token.slice(1)}`,
        token.replace(/.$/, "=")
      ]
    ) {
      assert.isUndefined(SessionStore.parseToken(bad), JSON.stringify(bad))
    }
  })

  it("the stored hash is SHA-256 of the secret; any other secret, or a decoder-equal variant, does not match", () => {
    const [, tokenSecret] = SessionStore.makeToken()
    const stored = SessionStore.hashSecret(tokenSecret)
    assert.match(stored, /^[0-9a-f]{64}$/)
    assert.notInclude(stored, tokenSecret)
    assert.isTrue(SessionStore.secretMatches(tokenSecret, stored))
    for (let i = 0; i < tokenSecret.length; i++) {
      assert.isFalse(SessionStore.secretMatches(flip(tokenSecret, i), stored), `position ${i}`)
    }
    // the last character carries 4 bits and 2 unused ones: a decoder reads its siblings as the same bytes
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    const index = alphabet.indexOf(tokenSecret[42]!)
    for (const low of [0, 1, 2, 3]) {
      const sibling = alphabet[(index & ~3) | low]!
      if (sibling !== tokenSecret[42]) {
        assert.isFalse(SessionStore.secretMatches(tokenSecret.slice(0, 42) + sibling, stored))
      }
    }
    assert.isFalse(SessionStore.secretMatches(tokenSecret, "not hex"))
  })

  it("touchInterval: a quarter of the idle timeout, an hour at most", () => {
    assert.strictEqual(SessionStore.touchInterval(60_000), 15_000)
    assert.strictEqual(SessionStore.touchInterval(4 * 3_600_000), 3_600_000)
    assert.strictEqual(SessionStore.touchInterval(30 * 86_400_000), 3_600_000)
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
    assert.throws(() => Session.make({ idleTimeout: 0 }), /idleTimeout/)
    assert.throws(() => Session.make({ idleTimeout: "2 hours", maxAge: "1 hour" }), /exceeds/)
    assert.doesNotThrow(() => Session.make({}))
    assert.doesNotThrow(() => Session.make())
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
    }).pipe(Effect.provide(SessionStore.layerMemory())))
})

describe("Session.layerConfig", () => {
  const withConfig = (entries: ReadonlyArray<readonly [string, string]>) =>
    Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env: Object.fromEntries(entries) }))
  const build = Layer.build(
    Session.layerConfig({ maxAge: "1 hour" }).pipe(Layer.provideMerge(SessionStore.layerMemory()))
  )

  it.effect("reads SESSION_SECRET; a comma-separated list rotates keys, newest first", () =>
    Effect.gen(function*() {
      // keys without commas of their own (a comma separates keys)
      const newest = Redacted.make("the newest key from the environment: 0123456789")
      const previous = Redacted.make("the previous key: still accepted for a while")
      const context = yield* build.pipe(
        withConfig([["SESSION_SECRET", `${Redacted.value(newest)}, ${Redacted.value(previous)}`]])
      )
      const service = Context.get(context, Session.Session)
      const store = Context.get(context, SessionStore)
      const [token] = yield* store.create(newSession("alice"))
      for (const key of [newest, previous]) {
        const result = yield* service.backend.authenticate.pipe(withCookie(Session.sign(Redacted.value(token), key)))
        assert.strictEqual(Option.map(result, ([, user]) => user.identity).pipe(Option.getOrUndefined), "alice")
      }
      // an unknown key is anonymous, and new cookies are signed with the newest key
      assert.isTrue(
        Option.isNone(yield* service.backend.authenticate.pipe(withCookie(Session.sign(Redacted.value(token), secret))))
      )
      const loggedIn = yield* service.login(HttpServerResponse.empty(), new SimpleUser("bob")).pipe(
        withCookie(undefined)
      )
      const value = loggedIn.cookies.cookies["session"]!.value
      assert.isTrue(Option.isSome(Session.verify(value, newest)))
      assert.isTrue(Option.isNone(Session.verify(value, previous)))
      // the backend of the context is the service's
      assert.strictEqual(Context.get(context, AuthenticationBackend), service.backend)
    }))

  it.effect("a missing secret fails start-up with a ConfigError; a short one throws", () =>
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

const newSession = (userId: string, idleTimeout = 60_000, absoluteTimeout = 600_000) => ({
  userId,
  scopes: ["authenticated"],
  idleTimeout,
  absoluteTimeout
})

describe("SessionStore.layerMemory()", () => {
  it.effect("creates, authenticates, lists and revokes sessions", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      const [token, created] = yield* store.create(newSession("alice"))
      assert.deepStrictEqual(created, {
        id: created.id,
        userId: "alice",
        scopes: ["authenticated"],
        createdAt: 0,
        lastSeenAt: 0,
        idleTimeout: 60_000,
        expiresAt: 600_000
      })
      assert.isTrue(Redacted.value(token).startsWith(`${created.id}.`))
      assert.deepStrictEqual(yield* store.authenticate(Redacted.value(token)), Option.some(created))
      assert.deepStrictEqual((yield* store.list("alice")).map((s) => s.id), [created.id])
      assert.deepStrictEqual(yield* store.list("bob"), [])
      // the id alone, or with another secret, opens nothing
      assert.isTrue(Option.isNone(yield* store.authenticate(created.id)))
      assert.isTrue(Option.isNone(yield* store.authenticate(`${created.id}.${newToken().slice(23)}`)))
      yield* store.revoke(created.id)
      assert.isTrue(Option.isNone(yield* store.authenticate(Redacted.value(token))))
      yield* store.revoke("never there")
    }).pipe(Effect.provide(SessionStore.layerMemory())))

  it.effect("revokeUser revokes every session of the user but `except`, and no one else's", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      const [a1] = yield* store.create(newSession("alice"))
      const [a2, kept] = yield* store.create(newSession("alice"))
      const [a3] = yield* store.create(newSession("alice"))
      const [b1] = yield* store.create(newSession("bob"))
      yield* store.revokeUser("alice", kept.id)
      const live = (token: Redacted.Redacted<string>) =>
        Effect.map(store.authenticate(Redacted.value(token)), Option.isSome)
      assert.deepStrictEqual(yield* Effect.all([live(a1), live(a2), live(a3), live(b1)]), [false, true, false, true])
      yield* store.revokeUser("alice")
      assert.deepStrictEqual(yield* Effect.all([live(a2), live(b1)]), [false, true])
    }).pipe(Effect.provide(SessionStore.layerMemory())))

  it.effect("the idle expiry slides, written once per touch interval; the absolute one does not", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      // idle 60 s (touch interval 15 s), absolute 100 s
      const [token] = yield* store.create(newSession("alice", 60_000, 100_000))
      const seen = Effect.map(store.authenticate(Redacted.value(token)), Option.map((s) => s.lastSeenAt))
      yield* TestClock.adjust("14 seconds")
      assert.deepStrictEqual(yield* seen, Option.some(0), "not written before the touch interval")
      yield* TestClock.adjust("1 second")
      assert.deepStrictEqual(yield* seen, Option.some(15_000))
      yield* TestClock.adjust("59 seconds")
      assert.deepStrictEqual(yield* seen, Option.some(74_000), "alive 59 s after the last write")
      yield* TestClock.adjust("25 seconds")
      assert.deepStrictEqual(yield* seen, Option.some(99_000))
      yield* TestClock.adjust("1 second")
      assert.isTrue(Option.isNone(yield* seen), "the absolute expiry (100 s) holds however it is used")
      const [idle] = yield* store.create(newSession("bob", 60_000, 100_000))
      yield* TestClock.adjust("60 seconds")
      assert.isTrue(Option.isNone(yield* store.authenticate(Redacted.value(idle))), "idle for 60 s")
    }).pipe(Effect.provide(SessionStore.layerMemory())))

  it.effect("each build of the layer is a new store", () =>
    Effect.gen(function*() {
      const a = yield* Effect.provide(SessionStore, SessionStore.layerMemory())
      const b = yield* Effect.provide(SessionStore, SessionStore.layerMemory())
      const [token] = yield* a.create(newSession("alice"))
      assert.isTrue(Option.isNone(yield* b.authenticate(Redacted.value(token))))
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

// the session cookie expired: Effect 4 writes an `Expires` in the past beside `Max-Age=0`
const expired = "session=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax"

// the value of the `session` cookie a reply sets
const sessionCookie = (reply: Reply): string => {
  const header = reply.setCookies.find((c) => c.startsWith("session="))
  assert.isDefined(header, "a session cookie is set")
  return header!.slice("session=".length).split(";")[0]!
}

const makeApp = (options: Session.Options) => {
  const Login = Schema.Struct({ username: Schema.String, password: Schema.String })
  const routes = Layer.mergeAll(
    HttpRouter.add(
      "POST",
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
    HttpRouter.add("POST", "/logout", HttpServerResponse.redirect("/", { status: 303 }).pipe(Session.logout)),
    HttpRouter.add(
      "POST",
      "/logout-everywhere",
      HttpServerResponse.redirect("/", { status: 303 }).pipe(Session.logoutEverywhere)
    ),
    HttpRouter.add(
      "GET",
      "/me",
      Effect.gen(function*() {
        const user = yield* CurrentUser
        const credentials = yield* CurrentCredentials
        return HttpServerResponse.jsonUnsafe({ user: user.displayName, scopes: credentials.scopes })
      }).pipe(requires("authenticated"))
    ),
    HttpRouter.add(
      "GET",
      "/whoami",
      Effect.map(
        CurrentUser,
        (user) => HttpServerResponse.jsonUnsafe({ authenticated: user.isAuthenticated, user: user.displayName })
      )
    )
  )
  // the routes as one app (Effect 4's router is built from layers), authenticated before routing
  const app = Effect.map(HttpRouter.toHttpEffect(routes), AuthenticationMiddleware)
  return { layer: Session.layer(options), app }
}

// serves an app with its session backend and the given store (one store, shared by the backend and the handlers)
const serveWith = (options: Session.Options, store: SessionStore.Service) => {
  const { app, layer } = makeApp(options)
  return Effect.flatMap(app, (app) => serve(app)).pipe(
    Effect.provide(layer),
    Effect.provideService(SessionStore, store)
  )
}

const serveApp = (options: Session.Options = { secret, maxAge: "1 hour" }) =>
  Effect.flatMap(SessionStore.makeMemory(), (store) => serveWith(options, store))

const login = (url: string, headers: Record<string, string> = {}, cookie?: string) =>
  send(`${url}/login`, { form: { username: "alice", password: "wonderland" }, headers, cookie })

describe("Session backend, through a real server", () => {
  it.effect("login checks the password, sets the cookie, and the cookie is the user", () =>
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
        /^session=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Max-Age=3600; Path=\/; HttpOnly; SameSite=Lax$/
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

  it.effect("a tampered, unsigned or malformed cookie is anonymous: 403 on a guarded route, never 400 or 500", () =>
    Effect.gen(function*() {
      const url = yield* serveApp()
      const cookie = sessionCookie(yield* login(url))
      const token = cookie.slice(0, 66)
      const bad = [
        flip(cookie, 100), // the MAC
        flip(cookie, 5), // the id
        flip(cookie, 40), // the secret
        token, // unsigned
        `${token}.`,
        Session.sign(token, otherSecret), // signed with another key
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

  it.effect("an unknown session, or a known id with another secret, is anonymous even with a valid MAC", () =>
    Effect.gen(function*() {
      const url = yield* serveApp()
      const genuine = sessionCookie(yield* login(url))
      const otherSecretSameId = Session.sign(`${genuine.slice(0, 22)}.${newToken().slice(23)}`, secret)
      assert.strictEqual((yield* send(`${url}/me`, { cookie: otherSecretSameId })).status, 403)
      const forged = Session.sign(newToken(), secret)
      assert.strictEqual((yield* send(`${url}/me`, { cookie: forged })).status, 403)
      const who = yield* send(`${url}/whoami`, { cookie: forged })
      assert.deepStrictEqual(JSON.parse(who.body), { authenticated: false, user: "" })
    }))

  it.effect("logging in again rotates the session id: the old cookie stops working", () =>
    Effect.gen(function*() {
      const url = yield* serveApp()
      const first = sessionCookie(yield* login(url))
      const second = sessionCookie(yield* login(url, {}, first))
      assert.notStrictEqual(second, first)
      assert.notStrictEqual(second.slice(0, 22), first.slice(0, 22))
      assert.strictEqual((yield* send(`${url}/me`, { cookie: first })).status, 403)
      assert.strictEqual((yield* send(`${url}/me`, { cookie: second })).status, 200)
    }))

  it.effect("logout revokes the session and expires the cookie", () =>
    Effect.gen(function*() {
      const url = yield* serveApp()
      const cookie = sessionCookie(yield* login(url))
      const out = yield* send(`${url}/logout`, { method: "POST", cookie })
      assert.strictEqual(out.status, 303)
      assert.deepStrictEqual(out.setCookies, [expired])
      assert.strictEqual((yield* send(`${url}/me`, { cookie })).status, 403)
      // logging out without a session still expires the cookie
      const again = yield* send(`${url}/logout`, { method: "POST" })
      assert.deepStrictEqual(again.setCookies, [expired])
    }))

  it.effect("key rotation: a cookie signed with an old key works while that key is second in the list", () =>
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

  it.effect("a cookie accepted before (its MAC remembered) is refused changed anywhere after its id, or once its key is dropped", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore.makeMemory()
      const rotated = yield* serveWith({ secret: [secret, oldSecret] }, store)
      const dropped = yield* serveWith({ secret }, store)
      const old = Session.sign(
        Redacted.value(
          (yield* store.create({
            userId: "alice",
            scopes: ["authenticated"],
            idleTimeout: 60_000,
            absoluteTimeout: 60_000
          }))[0]
        ),
        oldSecret
      )
      for (let i = 0; i < 3; i++) assert.strictEqual((yield* send(`${rotated}/me`, { cookie: old })).status, 200)
      for (let i = 23; i < old.length; i++) {
        if (old[i] === ".") continue
        assert.strictEqual((yield* send(`${rotated}/me`, { cookie: flip(old, i) })).status, 403, `position ${i}`)
      }
      assert.strictEqual((yield* send(`${rotated}/me`, { cookie: old })).status, 200)
      // a new list of keys is a new backend, which remembers nothing the old keys signed
      assert.strictEqual((yield* send(`${dropped}/me`, { cookie: old })).status, 403)
    }))

  it.effect("without `secret` the cookie is the token alone: tampered, unknown or revoked is anonymous", () =>
    Effect.gen(function*() {
      const url = yield* serveApp({ maxAge: "1 hour" })
      const reply = yield* login(url)
      assert.match(reply.setCookies[0]!, /^session=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}; Max-Age=3600;/)
      const cookie = sessionCookie(reply)
      assert.strictEqual((yield* send(`${url}/me`, { cookie })).status, 200)
      for (
        const bad of [flip(cookie, 3), flip(cookie, 30), flip(cookie, 65), newToken(), Session.sign(cookie, secret)]
      ) {
        assert.strictEqual((yield* send(`${url}/me`, { cookie: bad })).status, 403, bad)
      }
      yield* send(`${url}/logout`, { method: "POST", cookie })
      assert.strictEqual((yield* send(`${url}/me`, { cookie })).status, 403)
    }))

  it.effect("logging out everywhere revokes every session of the user", () =>
    Effect.gen(function*() {
      const url = yield* serveApp()
      const laptop = sessionCookie(yield* login(url))
      const phone = sessionCookie(yield* login(url))
      assert.strictEqual((yield* send(`${url}/me`, { cookie: phone })).status, 200)
      const out = yield* send(`${url}/logout-everywhere`, { method: "POST", cookie: laptop })
      assert.deepStrictEqual(out.setCookies, [expired])
      assert.strictEqual((yield* send(`${url}/me`, { cookie: laptop })).status, 403)
      assert.strictEqual((yield* send(`${url}/me`, { cookie: phone })).status, 403)
    }))

  it.effect("a session unused for idleTimeout is anonymous; one in use lives until maxAge", () =>
    Effect.gen(function*() {
      // idle 4 minutes: last seen written at most once a minute
      const url = yield* serveApp({ secret, maxAge: "10 minutes", idleTimeout: "4 minutes" })
      const used = sessionCookie(yield* login(url))
      const unused = sessionCookie(yield* login(url))
      for (let minute = 1; minute <= 9; minute++) {
        yield* TestClock.adjust("1 minute")
        assert.strictEqual((yield* send(`${url}/me`, { cookie: used })).status, 200, `minute ${minute}`)
      }
      assert.strictEqual((yield* send(`${url}/me`, { cookie: unused })).status, 403)
      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* send(`${url}/me`, { cookie: used })).status, 403, "maxAge")
    }))

  it.effect("toUser maps the stored user id to the app's user; None is anonymous", () =>
    Effect.gen(function*() {
      const url = yield* serveApp({
        secret,
        toUser: (id) => Effect.succeed(id === "alice" ? Option.some(new SimpleUser("Alice Liddell")) : Option.none())
      })
      const cookie = sessionCookie(yield* login(url))
      assert.deepStrictEqual(JSON.parse((yield* send(`${url}/me`, { cookie })).body), {
        user: "Alice Liddell",
        scopes: ["authenticated", "profile"]
      })
      const none = yield* serveApp({ secret, toUser: () => Effect.succeed(Option.none()) })
      const other = sessionCookie(yield* login(none))
      assert.strictEqual((yield* send(`${none}/me`, { cookie: other })).status, 403)
    }))

  it.effect("a session past maxAge is anonymous (the store reads Effect's Clock)", () =>
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

  it.effect("Secure: \"auto\" follows TLS or x-forwarded-proto, true always, false never", () =>
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

  it.effect("cookie name, path, SameSite and the default Max-Age (14 days) follow the options", () =>
    Effect.gen(function*() {
      const url = yield* serveApp({ secret, cookieName: "sid", path: "/", sameSite: "strict" })
      const reply = yield* login(url)
      assert.match(
        reply.setCookies[0]!,
        /^sid=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Max-Age=1209600; Path=\/; HttpOnly; SameSite=Strict$/
      )
      const value = reply.setCookies[0]!.slice("sid=".length).split(";")[0]!
      const me = yield* send(`${url}/me`, { headers: { cookie: `other=1; sid=${value}` } })
      assert.strictEqual(me.status, 200)
      // the default name is not read
      assert.strictEqual((yield* send(`${url}/me`, { cookie: value })).status, 403)
    }))

  it.effect("a store failure is a 503 with Retry-After, for the backend and in a handler, never the store's message", () =>
    Effect.gen(function*() {
      const down = Effect.fail(new SessionStoreError({ message: "database is down at 10.0.0.7" }))
      const failing = SessionStore.of({
        create: () => down,
        authenticate: () => down,
        revoke: () => down,
        revokeUser: () => down,
        list: () => down
      })
      const url = yield* serveWith({ secret }, failing).pipe(
        Effect.provideService(References.MinimumLogLevel, "None")
      )
      // no cookie: the store is not asked
      assert.strictEqual((yield* send(`${url}/whoami`)).status, 200)
      const reply = yield* send(`${url}/whoami`, { cookie: Session.sign(newToken(), secret) })
      assert.strictEqual(reply.status, 503)
      assert.strictEqual(reply.body, "Service Unavailable")
      // left unhandled in the login handler, the store's error answers as a store that is down
      const failed = yield* login(url)
      assert.deepStrictEqual([failed.status, failed.body, failed.headers.get("retry-after")], [
        503,
        "Service Unavailable",
        "1"
      ])
      assert.notInclude(failed.body, "10.0.0.7")
      assert.deepStrictEqual(failed.setCookies, [])
    }))
})

describe("Session.layer / Session.make / Session.Session", () => {
  it.effect("the layer's backend, the service's backend and the accessors read and write the same cookie", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      const [token, alice] = yield* store.create(newSession("alice"))
      const signed = Session.sign(Redacted.value(token), secret)
      const service = yield* Session.make({ secret })
      assert.strictEqual(service.store, store)
      const viaService = yield* service.backend.authenticate.pipe(withCookie(signed))
      const viaLayer = yield* Effect.flatMap(AuthenticationBackend, (backend) => backend.authenticate).pipe(
        withCookie(signed),
        Effect.provide(Session.layer({ secret }))
      )
      for (const result of [viaService, viaLayer]) {
        assert.deepStrictEqual(
          Option.map(result, ([credentials, user]) => [credentials.scopes, credentials.method, user.identity] as const),
          Option.some([["authenticated"], "session", "alice"] as const)
        )
      }
      assert.deepStrictEqual(
        Option.map(yield* service.current.pipe(withCookie(signed)), (s) => s.id),
        Option.some(alice.id)
      )
      assert.isTrue(Option.isNone(yield* service.backend.authenticate.pipe(withCookie(undefined))))
      // login and logout called directly (data-first), outside a server, on the service
      const sessions = yield* Session.make({ secret, maxAge: "1 hour", secure: true })
      const loggedIn = yield* sessions.login(HttpServerResponse.empty(), new SimpleUser("bob"), ["a"]).pipe(
        withCookie(signed)
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
      assert.isTrue(Option.isNone(yield* store.authenticate(Redacted.value(token))), "the previous session is revoked")
      const bob = Option.getOrThrow(yield* store.authenticate(Option.getOrThrow(Session.verify(cookie!.value, secret))))
      assert.deepStrictEqual(
        [bob.userId, bob.scopes, bob.expiresAt - bob.createdAt, bob.idleTimeout],
        ["bob", ["a"], 3_600_000, 3_600_000]
      )
      const loggedOut = yield* sessions.logout(HttpServerResponse.empty()).pipe(withCookie(cookie!.value))
      assert.strictEqual(loggedOut.cookies.cookies["session"]?.value, "")
      assert.deepStrictEqual(yield* store.list("bob"), [])

      // the accessors, data-first and data-last, go through the Session service the layer provides
      const viaAccessors = Effect.gen(function*() {
        const first = yield* Session.login(HttpServerResponse.empty(), new SimpleUser("carol"), ["b"])
        const value = first.cookies.cookies["session"]!.value
        assert.strictEqual((yield* store.list("carol")).length, 1)
        const second = yield* HttpServerResponse.empty().pipe(Session.login(new SimpleUser("dave")))
        assert.isDefined(second.cookies.cookies["session"])
        const out = yield* Session.logout(HttpServerResponse.empty()).pipe(withCookie(value))
        assert.strictEqual(out.cookies.cookies["session"]?.value, "")
        assert.deepStrictEqual(yield* store.list("carol"), [])
        assert.strictEqual((yield* Session.Session).cookieName, "session")
      })
      yield* viaAccessors.pipe(
        withCookie(undefined),
        Effect.provide(Session.layer({ secret }))
      )
    }).pipe(Effect.provide(SessionStore.layerMemory())))

  it.effect("a login with a cookie it cannot open (only the public id) revokes nothing", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      const [token, victim] = yield* store.create(newSession("victim"))
      const service = yield* Session.make()
      // someone who read the victim's session id in a log, and logs in with it and a made-up secret
      yield* service.login(HttpServerResponse.empty(), new SimpleUser("mallory")).pipe(
        withCookie(`${victim.id}.${newToken().slice(23)}`)
      )
      yield* service.logout(HttpServerResponse.empty()).pipe(withCookie(`${victim.id}.${newToken().slice(23)}`))
      assert.isTrue(Option.isSome(yield* store.authenticate(Redacted.value(token))))
    }).pipe(Effect.provide(SessionStore.layerMemory())))
})
