/**
 * Property tests of the session cookie backend through a real server (one per property, a `Session.make` backend on
 * `SessionStore.layerMemory()`): whatever a client puts in its `Cookie` header, only the genuine cookie of a live
 * session is signed in (a known id with another secret too); anything else is anonymous (200 on an open route, 403 on a guarded one), never a 400 or a
 * 500, and no response echoes the cookie or sets one.
 */
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { AuthenticationMiddleware, CurrentUser, requires, SimpleUser } from "effect-auth"
import type { Reply } from "effect-auth/NodeTesting"
import { request, serve } from "effect-auth/NodeTesting"
import * as Session from "effect-auth/Session"
import { SessionStore } from "effect-auth/SessionStore"
import * as FastCheck from "effect/FastCheck"
import { headerValue } from "../utils/fuzz.js"

const numRuns = 100

const secret = Redacted.make("a test secret that is long enough: 0123456789abcdef")
const SessionLive = Session.layer({ secret, maxAge: "1 hour" })

// fixed bodies only, so that nothing a client sends can come back
const app = AuthenticationMiddleware(HttpRouter.empty.pipe(
  HttpRouter.post(
    "/login",
    HttpServerResponse.text("welcome").pipe(Session.login(new SimpleUser("alice"), ["authenticated"]))
  ),
  HttpRouter.post("/logout", HttpServerResponse.text("bye").pipe(Session.logout)),
  HttpRouter.get(
    "/",
    Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.isAuthenticated ? "signed in" : "anonymous"))
  ),
  HttpRouter.get("/guarded", HttpServerResponse.text("guarded").pipe(requires("authenticated")))
))

const paths = FastCheck.constantFrom("/", "/guarded")

const base64urlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
const base64urlChar = FastCheck.constantFrom(...base64urlAlphabet)
const base64url = (minLength: number, maxLength: number) =>
  FastCheck.string({ unit: base64urlChar, minLength, maxLength })

/** What the cookies of a server's sessions are: live ones, and dead ones (logged out, or replaced by a new login). */
interface Cookies {
  readonly live: ReadonlyArray<string>
  readonly dead: ReadonlyArray<string>
}

/** One request of a property: the path, the whole `Cookie` header, the session cookie's value in it. */
interface Sent {
  readonly path: string
  readonly cookie: string
  readonly value: string
}

// the value of the `session` cookie a reply sets
const setCookie = (reply: Reply): string => {
  const header = reply.headers.getSetCookie().find((c) => c.startsWith("session="))
  assert.isDefined(header, "a session cookie is set")
  return header!.slice("session=".length).split(";")[0]!
}

// every string the server can answer with on its own: a value that is part of one proves nothing
const fixed = ["anonymous", "signed in", "guarded", "Forbidden", "text/plain; charset=utf-8"]

/**
 * Checks one reply: signed in exactly when the cookie is a live session's genuine one, else anonymous (200 on `/`,
 * 403 on `/guarded`); never another status, no challenge, no cookie set, nothing of the value sent echoed.
 */
const check = (reply: Reply, sent: Sent, signedIn: boolean) => {
  const context = `${reply.status} ${reply.body} for ${JSON.stringify(sent.cookie)} on ${sent.path}`
  assert.include([200, 403], reply.status, context)
  const want = sent.path === "/"
    ? { status: 200, body: signedIn ? "signed in" : "anonymous" }
    : signedIn
    ? { status: 200, body: "guarded" }
    : { status: 403, body: "Forbidden" }
  assert.deepStrictEqual({ status: reply.status, body: reply.body }, want, context)
  assert.isNull(reply.headers.get("www-authenticate"), context)
  assert.deepStrictEqual(reply.headers.getSetCookie(), [], `reading a session sets no cookie: ${context}`)
  if (sent.value.length >= 8 && !fixed.some((text) => text.includes(sent.value))) {
    assert.notInclude(reply.body, sent.value)
    for (const [name, value] of reply.headers) {
      if (name !== "date") assert.notInclude(value, sent.value, name)
    }
  }
}

/**
 * One real server, with one memory store shared by the backend and the handlers: three live sessions and two dead
 * ones are made through `/login` and `/logout`, their cookies checked, then `numRuns` requests from `arbitrary`
 * (which may use the cookies). Answers the statuses seen and how many requests were signed in.
 */
const fuzz = (arbitrary: (cookies: Cookies) => FastCheck.Arbitrary<Sent>) =>
  Effect.gen(function*() {
    const url = yield* serve(app)
    const post = (path: string, cookie?: string) =>
      request(`${url}${path}`, { method: "POST", headers: cookie === undefined ? {} : { cookie: `session=${cookie}` } })
    const live = [setCookie(yield* post("/login")), setCookie(yield* post("/login")), setCookie(yield* post("/login"))]
    const loggedOut = setCookie(yield* post("/login"))
    yield* post("/logout", loggedOut)
    const replaced = setCookie(yield* post("/login"))
    live.push(setCookie(yield* post("/login", replaced)))
    const cookies: Cookies = { live, dead: [loggedOut, replaced] }

    const get = (sent: Sent) => Effect.runPromise(request(`${url}${sent.path}`, { headers: { cookie: sent.cookie } }))
    for (const value of [...cookies.live, ...cookies.dead]) {
      for (const path of ["/", "/guarded"]) {
        const sent = { path, cookie: `session=${value}`, value }
        check(yield* Effect.promise(() => get(sent)), sent, cookies.live.includes(value))
      }
    }

    const seen = new Set<number>()
    let signedIn = 0
    yield* Effect.promise(() =>
      FastCheck.assert(
        FastCheck.asyncProperty(arbitrary(cookies), async (sent) => {
          const reply = await get(sent)
          seen.add(reply.status)
          const genuine = cookies.live.includes(sent.value)
          if (genuine) signedIn++
          check(reply, sent, genuine)
        }),
        { numRuns }
      )
    )
    return { seen, signedIn }
  }).pipe(Effect.provide(Layer.provideMerge(SessionLive, SessionStore.layerMemory())))

/** The session cookie among others, or alone. */
const inHeader = (path: string, value: string, around: boolean): Sent => ({
  path,
  cookie: around ? `theme=dark; session=${value}; lang=en` : `session=${value}`,
  value
})

/** Now and then one of the live sessions' genuine cookies, alone, which must be signed in. */
const orGenuine = (cookies: Cookies, arbitrary: FastCheck.Arbitrary<string>) =>
  FastCheck.oneof({ arbitrary, weight: 8 }, { arbitrary: FastCheck.constantFrom(...cookies.live), weight: 2 })

describe("Session cookies under random input, through a real server", () => {
  it.scoped("random printable values of the cookie, or a random Cookie header, are anonymous", () =>
    Effect.gen(function*() {
      const { seen } = yield* fuzz(() =>
        FastCheck.oneof(
          FastCheck.tuple(paths, headerValue(96), FastCheck.boolean())
            .map(([path, value, around]) => inHeader(path, value, around)),
          // a value of the right shape, `<22>.<43>.<43>`, of random base64url
          FastCheck.tuple(paths, base64url(22, 22), base64url(43, 43), base64url(43, 43), FastCheck.boolean())
            .map(([path, id, secret, mac, around]) => inHeader(path, `${id}.${secret}.${mac}`, around)),
          // the whole header
          FastCheck.tuple(paths, headerValue(128)).map(([path, cookie]) => ({ path, cookie, value: cookie }))
        )
      )
      assert.sameMembers([...seen], [200, 403])
    }))

  it.scoped("a genuine cookie with one character changed is anonymous", () =>
    Effect.gen(function*() {
      const { seen, signedIn } = yield* fuzz((cookies) =>
        FastCheck.tuple(
          paths,
          orGenuine(
            cookies,
            // fast-check biases the index towards its ends: the first and the last character come often
            FastCheck.tuple(
              FastCheck.constantFrom(...cookies.live).chain((cookie) =>
                FastCheck.tuple(FastCheck.constant(cookie), FastCheck.integer({ min: 0, max: cookie.length - 1 }))
              ),
              FastCheck.oneof(
                { arbitrary: base64urlChar, weight: 4 },
                { arbitrary: FastCheck.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), weight: 2 }
              )
            ).filter(([[cookie, index], c]) => cookie[index] !== c)
              .map(([[cookie, index], c]) => cookie.slice(0, index) + c + cookie.slice(index + 1))
          ),
          FastCheck.boolean()
        ).map(([path, value, around]) => inHeader(path, value, around))
      )
      assert.sameMembers([...seen], [200, 403])
      assert.isAbove(signedIn, 0)
    }))

  it.scoped("a live session's token with any other MAC (random, another key's, the same bytes spelt otherwise) is anonymous", () =>
    Effect.gen(function*() {
      const { seen, signedIn } = yield* fuzz((cookies) => {
        const id = FastCheck.constantFrom(...cookies.live.map((cookie) => cookie.slice(0, 66)))
        const genuineMac = (id: string) => cookies.live.find((cookie) => cookie.startsWith(`${id}.`))!.slice(67)
        const mac = FastCheck.oneof(
          id.chain((id) => FastCheck.tuple(FastCheck.constant(id), base64url(43, 43))),
          id.chain((id) => FastCheck.tuple(FastCheck.constant(id), base64url(0, 60))),
          // signed with another key (of 32 bytes or more, the least a key may have)
          FastCheck.tuple(id, FastCheck.string({ minLength: 32, maxLength: 64 }))
            .map(([id, key]) => [id, Session.sign(id, Redacted.make(key)).slice(67)] as const),
          // the genuine MAC with its last character changed in the 2 bits a base64url decoder ignores
          FastCheck.tuple(id, FastCheck.integer({ min: 1, max: 3 })).map(([id, delta]) => {
            const mac = genuineMac(id)
            const last = base64urlAlphabet.indexOf(mac.at(-1)!)
            return [id, mac.slice(0, -1) + base64urlAlphabet[(last & ~3) | ((last + delta) & 3)]] as const
          })
        )
        return FastCheck.tuple(paths, orGenuine(cookies, mac.map(([id, mac]) => `${id}.${mac}`)), FastCheck.boolean())
          .map(([path, value, around]) => inHeader(path, value, around))
      })
      assert.sameMembers([...seen], [200, 403])
      assert.isAbove(signedIn, 0)
    }))

  it.scoped("a live session's id with any other secret, signed with the right key, is anonymous", () =>
    Effect.gen(function*() {
      const { seen, signedIn } = yield* fuzz((cookies) => {
        const id = FastCheck.constantFrom(...cookies.live.map((cookie) => cookie.slice(0, 22)))
        const genuineSecret = (id: string) => cookies.live.find((cookie) => cookie.startsWith(`${id}.`))!.slice(23, 66)
        const other = FastCheck.oneof(
          id.chain((id) => FastCheck.tuple(FastCheck.constant(id), base64url(43, 43))),
          // the genuine secret with its last character changed in the 2 bits a base64url decoder ignores
          FastCheck.tuple(id, FastCheck.integer({ min: 1, max: 3 })).map(([id, delta]) => {
            const secret = genuineSecret(id)
            const last = base64urlAlphabet.indexOf(secret.at(-1)!)
            return [id, secret.slice(0, -1) + base64urlAlphabet[(last & ~3) | ((last + delta) & 3)]] as const
          })
        )
        return FastCheck.tuple(
          paths,
          orGenuine(cookies, other.map(([id, other]) => Session.sign(`${id}.${other}`, secret))),
          FastCheck.boolean()
        ).map(([path, value, around]) => inHeader(path, value, around))
      })
      assert.sameMembers([...seen], [200, 403])
      assert.isAbove(signedIn, 0)
    }))

  it.scoped("a token no session has, with a MAC made with the secret (Session.sign), is anonymous", () =>
    Effect.gen(function*() {
      const { seen, signedIn } = yield* fuzz((cookies) =>
        FastCheck.tuple(
          paths,
          orGenuine(
            cookies,
            FastCheck.oneof(
              // a well-formed token that names no session
              FastCheck.tuple(base64url(22, 22), base64url(43, 43)).map(([id, s]) =>
                Session.sign(`${id}.${s}`, secret)
              ),
              // a logged-out session's, or one replaced by a new login
              FastCheck.constantFrom(...cookies.dead),
              // tokens of other lengths, or of any characters
              base64url(0, 60).map((id) => Session.sign(id, secret)),
              FastCheck.string({
                unit: FastCheck.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
                maxLength: 50
              })
                .map((id) => Session.sign(id, secret))
            )
          ),
          FastCheck.boolean()
        ).map(([path, value, around]) => inHeader(path, value, around))
      )
      assert.sameMembers([...seen], [200, 403])
      assert.isAbove(signedIn, 0)
    }))
})
