import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import {
  AuthCredentials,
  AuthenticationMiddleware,
  Basic,
  CurrentUser,
  Password,
  Session,
  SimpleUser
} from "effect-auth"
import * as Csrf from "effect-auth/Csrf"
import { SessionStore } from "effect-auth/SessionStore"
import * as HttpRouter from "effect/http/HttpRouter"
import type * as HttpServerError from "effect/http/HttpServerError"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { basic, request, serve } from "./utils/server.js"

// an app as Effect 4 serves it: a response, for a request
type App<E, R> = Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>

// a page that hands out the token, and two state-changing routes (one exempt) that count what they did
const makeApp = (options: Csrf.Options = {}) => {
  const writes: Array<string> = []
  const router = HttpRouter.toHttpEffect(Layer.mergeAll(
    HttpRouter.add("GET", "/form", Effect.map(Csrf.token, (token) => HttpServerResponse.text(token))),
    HttpRouter.add(
      "GET",
      "/twice",
      Effect.map(Effect.all([Csrf.token, Csrf.token]), (tokens) => HttpServerResponse.text(tokens.join(" ")))
    ),
    HttpRouter.add(
      "POST",
      "/write",
      Effect.sync(() => writes.push("write")).pipe(Effect.as(HttpServerResponse.text("ok")))
    ),
    HttpRouter.add("POST", "/api", Effect.sync(() => writes.push("api")).pipe(Effect.as(HttpServerResponse.text("ok"))))
  ))
  const csrf = Csrf.make(options)
  // the routes built in the test's scope, then served behind the checks
  const serveApp = (wrap: <E, R>(app: App<E, R>) => App<E, R> = (app) => app) =>
    Effect.flatMap(router, (router) =>
      serve(wrap(
        Csrf.middleware({ exempt: (request) => request.url === "/api" })(router).pipe(
          Effect.provideService(Csrf.Csrf, csrf)
        )
      )))
  return { serveApp, writes }
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
  it.effect("a form posted back with its cookie and token passes; a header token passes too", () =>
    Effect.gen(function*() {
      const { serveApp, writes } = makeApp()
      const url = yield* serveApp()
      const { cookie, setCookie, token } = yield* visit(url)
      assert.match(setCookie, /^csrf=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/)
      // `<nonce>.<HMAC>`, the nonce the cookie's
      assert.match(token, /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/)
      assert.strictEqual(token.split(".")[0], cookie.slice("csrf=".length))
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

  it.effect("two tokens asked for in one request without a cookie are one token and one cookie", () =>
    Effect.gen(function*() {
      const { serveApp } = makeApp()
      const url = yield* serveApp()
      const reply = yield* request(`${url}/twice`)
      const [first, second] = reply.body.split(" ")
      assert.strictEqual(first, second)
      const cookie = cookieOf(reply.headers.get("set-cookie"))
      assert.strictEqual((yield* request(`${url}/form`, { headers: { cookie } })).body, first)
    }))

  it.effect("no cookie, no token, a wrong token or another cookie's token: 403, and nothing written", () =>
    Effect.gen(function*() {
      const { serveApp, writes } = makeApp()
      const url = yield* serveApp()
      const mine = yield* visit(url)
      const theirs = yield* visit(url)
      const attempts: Array<Record<string, string>> = [
        {}, // no cookie
        { cookie: mine.cookie }, // no token
        { cookie: mine.cookie, "x-csrf-token": "" },
        { cookie: mine.cookie, "x-csrf-token": "x".repeat(43) },
        { cookie: mine.cookie, "x-csrf-token": mine.token.slice(0, 86) },
        { cookie: mine.cookie, "x-csrf-token": mine.token.split(".")[0]! }, // the nonce alone
        { cookie: mine.cookie, "x-csrf-token": `${mine.token.split(".")[0]!}.${theirs.token.split(".")[1]!}` },
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

  it.effect("a page of another site, or a sibling site, is refused even with a valid cookie and token", () =>
    Effect.gen(function*() {
      const { serveApp, writes } = makeApp()
      const url = yield* serveApp()
      const { cookie, token } = yield* visit(url)
      const valid = { cookie, "x-csrf-token": token }
      for (
        const headers of [
          { "sec-fetch-site": "cross-site" },
          { "sec-fetch-site": "same-site" },
          { "sec-fetch-site": "cross-site", origin: url }, // what the browser says wins over what a page could claim
          { origin: "https://evil.example" },
          { origin: "null" }, // a sandboxed page, a data: URL
          { origin: url.replace("127.0.0.1", "localhost") },
          { origin: url.replace("http:", "https:") } // the same host over another scheme is another origin
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

  it.effect("origins allowed by name pass, whatever Host says", () =>
    Effect.gen(function*() {
      const { serveApp } = makeApp({ origins: ["https://app.example"] })
      const url = yield* serveApp()
      const { cookie, token } = yield* visit(url)
      const headers = { cookie, "x-csrf-token": token, origin: "https://app.example", "sec-fetch-site": "cross-site" }
      assert.strictEqual((yield* request(`${url}/write`, { method: "POST", headers })).status, 200)
    }))

  it.effect("a form too large to look into is refused from its Content-Length with 413, nothing written", () =>
    Effect.gen(function*() {
      const { serveApp, writes } = makeApp({ maxFormBytes: 1024 })
      const url = yield* serveApp()
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

  it.effect("over HTTPS the cookie is Secure and named __Host-csrf, and only that name is read", () =>
    Effect.gen(function*() {
      const { serveApp } = makeApp()
      const url = yield* serveApp()
      const https = { "x-forwarded-proto": "https" }
      const { cookie, setCookie, token } = yield* visit(url, https)
      assert.match(setCookie, /^__Host-csrf=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Lax$/)
      const post = (headers: Record<string, string>) =>
        request(`${url}/write`, { method: "POST", headers: { "x-csrf-token": token, ...headers } })
      assert.strictEqual((yield* post({ ...https, cookie })).status, 200)
      // a plain `csrf` cookie (one a sibling site could set) opens nothing over HTTPS
      assert.strictEqual((yield* post({ ...https, cookie: cookie.replace("__Host-csrf", "csrf") })).status, 403)
    }))

  it.effect("rotate gives a new cookie, whose token differs", () =>
    Effect.gen(function*() {
      const router = yield* HttpRouter.toHttpEffect(Layer.mergeAll(
        HttpRouter.add("GET", "/form", Effect.map(Csrf.token, (token) => HttpServerResponse.text(token))),
        HttpRouter.add("GET", "/rotate", Csrf.rotate(HttpServerResponse.text("rotated")))
      ))
      const url = yield* serve(router.pipe(Effect.provideService(Csrf.Csrf, Csrf.make())))
      const first = yield* visit(url)
      const rotated = yield* request(`${url}/rotate`, { headers: { cookie: first.cookie } })
      const cookie = cookieOf(rotated.headers.get("set-cookie"))
      assert.notStrictEqual(cookie, first.cookie)
      assert.notStrictEqual((yield* request(`${url}/form`, { headers: { cookie } })).body, first.token)
    }))

  it.effect("instances that share a key accept each other's tokens; another key refuses them", () =>
    Effect.gen(function*() {
      const secret = Redacted.make("a shared key of thirty-two bytes or more")
      const a = yield* makeApp({ secret }).serveApp()
      const b = yield* makeApp({ secret }).serveApp()
      const other = yield* makeApp({ secret: Redacted.make("another key of thirty-two bytes or more") }).serveApp()
      const { cookie, token } = yield* visit(a)
      const headers = { cookie, "x-csrf-token": token }
      assert.strictEqual((yield* request(`${b}/write`, { method: "POST", headers })).status, 200)
      assert.strictEqual((yield* request(`${other}/write`, { method: "POST", headers })).status, 403)
    }))

  it("a short key or an invalid cookie name is refused when the service is made", () => {
    assert.throws(() => Csrf.make({ secret: Redacted.make("short") }), /32 or more/)
    assert.throws(() => Csrf.make({ cookieName: "bad name" }), /invalid cookie name/)
  })

  it.effect("two cookies of the name (one tossed in by a sibling site) are refused, whichever the token matches", () =>
    Effect.gen(function*() {
      const { serveApp, writes } = makeApp()
      const url = yield* serveApp(reasons)
      const mine = yield* visit(url)
      const theirs = yield* visit(url)
      for (const token of [mine.token, theirs.token]) {
        for (const cookie of [`${theirs.cookie}; ${mine.cookie}`, `${mine.cookie}; other=1; ${theirs.cookie}`]) {
          const reply = yield* request(`${url}/write`, { method: "POST", headers: { cookie, "x-csrf-token": token } })
          assert.deepStrictEqual([reply.status, reply.body], [403, "two cookies"], cookie)
        }
      }
      assert.deepStrictEqual(writes, [])
      // cookies whose names only contain the name are other cookies; over HTTPS only `__Host-csrf` counts
      const neighbours = `xcsrf=1; ${mine.cookie}; csrf_token=2; __Host-csrf=${"n".repeat(43)}`
      const fine = yield* request(`${url}/write`, {
        method: "POST",
        headers: { cookie: neighbours, "x-csrf-token": mine.token }
      })
      assert.strictEqual(fine.status, 200)
      const https = yield* visit(url, { "x-forwarded-proto": "https" })
      const secure = yield* request(`${url}/write`, {
        method: "POST",
        headers: {
          "x-forwarded-proto": "https",
          cookie: `${theirs.cookie}; ${https.cookie}`,
          "x-csrf-token": https.token
        }
      })
      assert.strictEqual(secure.status, 200)
      assert.deepStrictEqual(writes, ["write", "write"])
    }))
})

// the reason of an InvalidToken as the body, so that tests can tell the refusals apart
const reasons = <E, R>(app: App<E, R>): App<E, R> =>
  Effect.catchIf(
    app,
    (error): error is E & Csrf.InvalidToken => error instanceof Csrf.InvalidToken,
    (error) => Effect.succeed(HttpServerResponse.text(error.reason, { status: 403 }))
  )

describe("Csrf bound to the session", () => {
  // a page that hands out the token, logins that set a session cookie and leave the CSRF cookie alone (so that the
  // binding is seen alone, without the rotation Login.login adds), and a write
  const router = HttpRouter.toHttpEffect(Layer.mergeAll(
    HttpRouter.add("GET", "/form", Effect.map(Csrf.token, (token) => HttpServerResponse.text(token))),
    HttpRouter.add("GET", "/login/alice", Session.login(HttpServerResponse.text("in"), new SimpleUser("alice"))),
    HttpRouter.add("GET", "/login/bob", Session.login(HttpServerResponse.text("in"), new SimpleUser("bob"))),
    HttpRouter.add("POST", "/write", HttpServerResponse.text("ok"))
  ))
  const AppLive = Layer.mergeAll(
    Session.layer({ secret: Redacted.make("a session key of thirty-two bytes or more") }),
    Csrf.layer()
  ).pipe(Layer.provideMerge(SessionStore.layerMemory()))

  it.effect("a token minted before login, or for another session, is refused; the session's own passes", () =>
    Effect.gen(function*() {
      const url = yield* Effect.flatMap(router, (router) => serve(reasons(Csrf.middleware()(router)))).pipe(
        Effect.provide(AppLive)
      )
      const anonymous = yield* visit(url)
      const sessionOf = (user: string) =>
        Effect.map(
          request(`${url}/login/${user}`, { headers: { cookie: anonymous.cookie } }),
          (reply) => cookieOf(reply.headers.get("set-cookie"))
        )
      const alice = yield* sessionOf("alice")
      const bob = yield* sessionOf("bob")
      const tokenFor = (session: string) =>
        Effect.map(request(`${url}/form`, { headers: { cookie: `${anonymous.cookie}; ${session}` } }), (r) => r.body)
      const aliceToken = yield* tokenFor(alice)
      // one nonce (the login above set no new CSRF cookie), three tokens
      assert.strictEqual(aliceToken.split(".")[0], anonymous.token.split(".")[0])
      assert.notStrictEqual(aliceToken, anonymous.token)
      const post = (session: string, token: string) =>
        Effect.map(
          request(`${url}/write`, {
            method: "POST",
            headers: { cookie: `${anonymous.cookie}; ${session}`, "x-csrf-token": token }
          }),
          (reply) => [reply.status, reply.body]
        )
      assert.deepStrictEqual(yield* post(alice, aliceToken), [200, "ok"])
      assert.deepStrictEqual(yield* post(alice, anonymous.token), [403, "other session"])
      assert.deepStrictEqual(yield* post(bob, aliceToken), [403, "other session"])
      assert.deepStrictEqual(yield* post(bob, yield* tokenFor(bob)), [200, "ok"])
      // anonymous again (the session cookie gone): the session's token is refused, the anonymous one passes
      const anonymously = (token: string) =>
        Effect.map(
          request(`${url}/write`, { method: "POST", headers: { cookie: anonymous.cookie, "x-csrf-token": token } }),
          (reply) => reply.status
        )
      assert.strictEqual(yield* anonymously(aliceToken), 403)
      assert.strictEqual(yield* anonymously(anonymous.token), 200)
    }))

  it.effect("a token asked for with a made-up cookie of the victim's session id does not pass with the real one", () =>
    Effect.gen(function*() {
      const url = yield* Effect.flatMap(router, (router) => serve(reasons(Csrf.middleware()(router)))).pipe(
        Effect.provide(AppLive)
      )
      const { cookie } = yield* visit(url)
      const alice = cookieOf((yield* request(`${url}/login/alice`)).headers.get("set-cookie"))
      // the session id is public (logs, `sessions list`); the rest of the cookie is the session's secret and MAC
      const id = alice.slice("session=".length).split(".")[0]!
      const forged = `session=${id}.${"A".repeat(43)}.${"A".repeat(43)}`
      const minted = (yield* request(`${url}/form`, { headers: { cookie: `${cookie}; ${forged}` } })).body
      const reply = yield* request(`${url}/write`, {
        method: "POST",
        headers: { cookie: `${cookie}; ${alice}`, "x-csrf-token": minted }
      })
      assert.deepStrictEqual([reply.status, reply.body], [403, "other session"])
    }))
})

describe("Csrf around authentication", () => {
  // a Basic backend that counts the passwords it checks: each stands for a hash (scrypt in the example app)
  const counting = () => {
    let verified = 0
    const BasicLive = Basic.layer({
      realm: "test",
      verify: (username, password) =>
        Effect.sync(() => {
          verified++
          return username === "alice" && Password.equals(password, "wonderland")
            ? Option.some([new AuthCredentials(["authenticated"]), new SimpleUser("alice")] as const)
            : Option.none()
        })
    })
    return { BasicLive, verified: () => verified }
  }
  const router = HttpRouter.toHttpEffect(Layer.mergeAll(
    HttpRouter.add("GET", "/form", Effect.map(Csrf.token, (token) => HttpServerResponse.text(token))),
    HttpRouter.add(
      "POST",
      "/write",
      Effect.map(CurrentUser, (user) => HttpServerResponse.text(`written by ${user.displayName}`))
    )
  ))
  const alice = basic("alice", "wonderland")
  const malformed = { authorization: "Basic !!!" }
  const invalidToken = "Forbidden: missing or invalid CSRF token. Reload the form and try again."

  it.effect("refuses a forged form before any password is checked; a malformed header gets 403 without the token", () =>
    Effect.gen(function*() {
      const { BasicLive, verified } = counting()
      const app = Csrf.middleware()(AuthenticationMiddleware(yield* router))
      const url = yield* serve(app).pipe(Effect.provide(Layer.mergeAll(BasicLive, Csrf.layer())))
      const { cookie, token } = yield* visit(url)
      const post = (headers: Record<string, string>) =>
        Effect.map(request(`${url}/write`, { method: "POST", headers }), (reply) => [reply.status, reply.body])
      // another site's form, with the browser's cached Basic credentials and even the victim's cookie
      assert.deepStrictEqual(
        yield* post({ ...alice, cookie, "sec-fetch-site": "cross-site" }),
        [403, "Forbidden: cross-site request"]
      )
      assert.deepStrictEqual(yield* post({ ...alice }), [403, invalidToken])
      assert.deepStrictEqual(yield* post({ ...alice, cookie }), [403, invalidToken])
      // a malformed header: the CSRF check's 403 without the token, the backend's 400 with it
      assert.deepStrictEqual(yield* post({ ...malformed }), [403, invalidToken])
      assert.strictEqual((yield* post({ ...malformed, cookie, "x-csrf-token": token }))[0], 400)
      assert.strictEqual(verified(), 0)
      assert.deepStrictEqual(yield* post({ ...alice, cookie, "x-csrf-token": token }), [200, "written by alice"])
      assert.strictEqual(verified(), 1)
    }))

  it.effect("around a router authenticated by its layer form (Effect 4), forged forms cost no password check", () =>
    Effect.gen(function*() {
      const { BasicLive, verified } = counting()
      const routes = Layer.mergeAll(
        HttpRouter.add("GET", "/form", Effect.map(Csrf.token, (token) => HttpServerResponse.text(token))),
        HttpRouter.add(
          "POST",
          "/write",
          Effect.map(CurrentUser, (user) => HttpServerResponse.text(`written by ${user.displayName}`))
        )
      ).pipe(Layer.provide(AuthenticationMiddleware.layer))
      // the router's own middleware runs inside the app it makes, so the checks around that app come first
      const app = Csrf.middleware()(yield* HttpRouter.toHttpEffect(routes))
      const url = yield* serve(app).pipe(Effect.provide(Layer.mergeAll(BasicLive, Csrf.layer())))
      const { cookie, token } = yield* visit(url)
      const post = (headers: Record<string, string>) =>
        Effect.map(request(`${url}/write`, { method: "POST", headers }), (reply) => [reply.status, reply.body])
      assert.deepStrictEqual(
        yield* post({ ...alice, cookie, "sec-fetch-site": "cross-site" }),
        [403, "Forbidden: cross-site request"]
      )
      assert.deepStrictEqual(yield* post({ ...alice, cookie }), [403, invalidToken])
      assert.deepStrictEqual(yield* post({ ...malformed }), [403, invalidToken])
      assert.strictEqual(verified(), 0)
      assert.deepStrictEqual(yield* post({ ...alice, cookie, "x-csrf-token": token }), [200, "written by alice"])
      assert.strictEqual(verified(), 1)
    }))

  it.effect("the other nesting, forced past its type, checks a password per forged form and answers 400", () =>
    Effect.gen(function*() {
      const { BasicLive, verified } = counting()
      // what the type refuses (test/types/Csrf.types.test.ts), run anyway to show why
      const untyped = (yield* router) as unknown as App<
        HttpServerError.HttpServerError,
        HttpServerRequest.HttpServerRequest
      >
      const inside = AuthenticationMiddleware(Csrf.middleware()(untyped))
      const url = yield* serve(inside).pipe(Effect.provide(Layer.mergeAll(BasicLive, Csrf.layer())))
      const forged = yield* request(`${url}/write`, {
        method: "POST",
        headers: { ...alice, "sec-fetch-site": "cross-site" }
      })
      assert.strictEqual(forged.status, 403)
      assert.strictEqual(verified(), 1)
      assert.strictEqual((yield* request(`${url}/write`, { method: "POST", headers: malformed })).status, 400)
    }))
})
