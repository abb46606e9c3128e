/**
 * Property tests of the session cookie backend through a real server (one per property, a `Session.make` backend on
 * `SessionStore.layerMemory()`): whatever a client puts in its `Cookie` header, only the genuine cookie of a live
 * session is signed in (a known id with another secret too); anything else is anonymous (200 on an open route, 403 on a guarded one), never a 400 or a
 * 500, and no response echoes the cookie or sets one.
 */
import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, Effect, Layer, Redacted, Schema } from "effect"
import { AuthenticationMiddleware, CurrentUser, requires, SimpleUser } from "effect-auth"
import type { Reply } from "effect-auth/NodeTesting"
import { request, serve } from "effect-auth/NodeTesting"
import * as Session from "effect-auth/Session"
import { SessionStore } from "effect-auth/SessionStore"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerResponse from "effect/http/HttpServerResponse"

const runs = 100

// fast-check is not part of Effect 4: the few combinators these properties use, over effect/Arbitrary
const integer = (minimum: number, maximum: number): Arbitrary.Arbitrary<number> =>
  Arbitrary.schema(Schema.Int.check(Schema.isBetween({ minimum, maximum })))
const constantFrom = <A>(...values: ReadonlyArray<A>): Arbitrary.Arbitrary<A> =>
  Arbitrary.map(integer(0, values.length - 1), (index) => values[index]!)
const oneof = <A>(
  ...branches: ReadonlyArray<Arbitrary.Arbitrary<A> | { readonly arbitrary: Arbitrary.Arbitrary<A>; weight: number }>
): Arbitrary.Arbitrary<A> => {
  const weighted = branches.map((branch) => "weight" in branch ? branch : { arbitrary: branch, weight: 1 })
  const total = weighted.reduce((sum, branch) => sum + branch.weight, 0)
  return Arbitrary.flatMap(integer(0, total - 1), (pick) => {
    for (const branch of weighted) {
      if (pick < branch.weight) return branch.arbitrary
      pick -= branch.weight
    }
    return weighted[0]!.arbitrary
  })
}
const stringOf = (unit: Arbitrary.Arbitrary<string>, minLength: number, maxLength: number) =>
  Arbitrary.map(Arbitrary.array(unit, { minLength, maxLength }), (units) => units.join(""))
const boolean = Arbitrary.schema(Schema.Boolean)
const fromCodes = (minimum: number, maximum: number) =>
  Arbitrary.map(integer(minimum, maximum), (code) => String.fromCharCode(code))
// one character a fetch client can put in a header value (as test/utils/fuzz.ts of the Effect 3 line): printable
// ASCII, a tab, or a Latin-1 letter (fetch refuses NUL, CR, LF and anything above U+00FF)
const headerChar = oneof(
  { arbitrary: fromCodes(0x20, 0x7e), weight: 8 },
  { arbitrary: Arbitrary.Constant("\t"), weight: 1 },
  { arbitrary: fromCodes(0xa0, 0xff), weight: 1 }
)
const headerValue = (maxLength: number) => stringOf(headerChar, 0, maxLength)

const secret = Redacted.make("a test secret that is long enough: 0123456789abcdef")
const SessionLive = Session.layer({ secret, maxAge: "1 hour" })

// fixed bodies only, so that nothing a client sends can come back
const app = Effect.map(
  HttpRouter.toHttpEffect(Layer.mergeAll(
    HttpRouter.add(
      "POST",
      "/login",
      HttpServerResponse.text("welcome").pipe(Session.login(new SimpleUser("alice"), ["authenticated"]))
    ),
    HttpRouter.add("POST", "/logout", HttpServerResponse.text("bye").pipe(Session.logout)),
    HttpRouter.add(
      "GET",
      "/",
      Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.isAuthenticated ? "signed in" : "anonymous"))
    ),
    HttpRouter.add(
      "GET",
      "/guarded",
      Effect.succeed(HttpServerResponse.text("guarded")).pipe(requires("authenticated"))
    )
  )),
  AuthenticationMiddleware
)

const paths = constantFrom("/", "/guarded")

const base64urlAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
const base64urlChar = constantFrom(...base64urlAlphabet)
const base64url = (minLength: number, maxLength: number) => stringOf(base64urlChar, minLength, maxLength)

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
 * ones are made through `/login` and `/logout`, their cookies checked, then `runs` requests from `arbitrary`
 * (which may use the cookies). Answers the statuses seen and how many requests were signed in.
 */
const fuzz = (arbitrary: (cookies: Cookies) => Arbitrary.Arbitrary<Sent>) =>
  Effect.gen(function*() {
    const url = yield* Effect.flatMap(app, (app) => serve(app))
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
    // a failed check is a defect, which ends the run with the assertion's message (and the input in it)
    const result = yield* Arbitrary.checkEffect(
      arbitrary(cookies),
      (sent) =>
        Effect.map(Effect.promise(() => get(sent)), (reply) => {
          seen.add(reply.status)
          const genuine = cookies.live.includes(sent.value)
          if (genuine) signedIn++
          check(reply, sent, genuine)
          return true
        }),
      { runs }
    )
    assert.strictEqual(result._tag, "Passed", Arbitrary.formatCheckFailure(result))
    return { seen, signedIn }
  }).pipe(Effect.provide(Layer.provideMerge(SessionLive, SessionStore.layerMemory())))

/** The session cookie among others, or alone. */
const inHeader = (path: string, value: string, around: boolean): Sent => ({
  path,
  cookie: around ? `theme=dark; session=${value}; lang=en` : `session=${value}`,
  value
})

/** Now and then one of the live sessions' genuine cookies, alone, which must be signed in. */
const orGenuine = (cookies: Cookies, arbitrary: Arbitrary.Arbitrary<string>) =>
  oneof({ arbitrary, weight: 8 }, { arbitrary: constantFrom(...cookies.live), weight: 2 })

const printable = Arbitrary.map(integer(0x20, 0x7e), (c) => String.fromCharCode(c))
const visible = Arbitrary.map(integer(0x21, 0x7e), (c) => String.fromCharCode(c))

describe("Session cookies under random input, through a real server", () => {
  it.effect("random printable values of the cookie, or a random Cookie header, are anonymous", () =>
    Effect.gen(function*() {
      const { seen } = yield* fuzz(() =>
        oneof(
          Arbitrary.all([paths, headerValue(96), boolean])
            .pipe(Arbitrary.map(([path, value, around]) => inHeader(path, value, around))),
          // a value of the right shape, `<22>.<43>.<43>`, of random base64url
          Arbitrary.all([paths, base64url(22, 22), base64url(43, 43), base64url(43, 43), boolean])
            .pipe(Arbitrary.map(([path, id, secret, mac, around]) => inHeader(path, `${id}.${secret}.${mac}`, around))),
          // the whole header
          Arbitrary.all([paths, headerValue(128)]).pipe(
            Arbitrary.map(([path, cookie]) => ({ path, cookie, value: cookie }))
          )
        )
      )
      assert.sameMembers([...seen], [200, 403])
    }))

  it.effect("a genuine cookie with one character changed is anonymous", () =>
    Effect.gen(function*() {
      const { seen, signedIn } = yield* fuzz((cookies) =>
        Arbitrary.all([
          paths,
          orGenuine(
            cookies,
            Arbitrary.all([
              constantFrom(...cookies.live).pipe(
                Arbitrary.flatMap((cookie) =>
                  Arbitrary.all([Arbitrary.Constant(cookie), integer(0, cookie.length - 1)])
                )
              ),
              oneof({ arbitrary: base64urlChar, weight: 4 }, { arbitrary: printable, weight: 2 })
            ]).pipe(
              Arbitrary.filter(([[cookie, index], c]) => cookie[index] !== c),
              Arbitrary.map(([[cookie, index], c]) => cookie.slice(0, index) + c + cookie.slice(index + 1))
            )
          ),
          boolean
        ]).pipe(Arbitrary.map(([path, value, around]) => inHeader(path, value, around)))
      )
      assert.sameMembers([...seen], [200, 403])
      assert.isAbove(signedIn, 0)
    }))

  it.effect("a live session's token with any other MAC (random, another key's, the same bytes spelt otherwise) is anonymous", () =>
    Effect.gen(function*() {
      const { seen, signedIn } = yield* fuzz((cookies) => {
        const id = constantFrom(...cookies.live.map((cookie) => cookie.slice(0, 66)))
        const genuineMac = (id: string) => cookies.live.find((cookie) => cookie.startsWith(`${id}.`))!.slice(67)
        const mac = oneof<readonly [string, string]>(
          Arbitrary.all([id, base64url(43, 43)]),
          Arbitrary.all([id, base64url(0, 60)]),
          // signed with another key (of 32 bytes or more, the least a key may have)
          Arbitrary.all([id, stringOf(printable, 32, 64)])
            .pipe(Arbitrary.map(([id, key]) => [id, Session.sign(id, Redacted.make(key)).slice(67)] as const)),
          // the genuine MAC with its last character changed in the 2 bits a base64url decoder ignores
          Arbitrary.all([id, integer(1, 3)]).pipe(Arbitrary.map(([id, delta]) => {
            const mac = genuineMac(id)
            const last = base64urlAlphabet.indexOf(mac.at(-1)!)
            return [id, mac.slice(0, -1) + base64urlAlphabet[(last & ~3) | ((last + delta) & 3)]] as const
          }))
        )
        return Arbitrary.all([
          paths,
          orGenuine(cookies, mac.pipe(Arbitrary.map(([id, mac]) => `${id}.${mac}`))),
          boolean
        ]).pipe(Arbitrary.map(([path, value, around]) => inHeader(path, value, around)))
      })
      assert.sameMembers([...seen], [200, 403])
      assert.isAbove(signedIn, 0)
    }))

  it.effect("a live session's id with any other secret, signed with the right key, is anonymous", () =>
    Effect.gen(function*() {
      const { seen, signedIn } = yield* fuzz((cookies) => {
        const id = constantFrom(...cookies.live.map((cookie) => cookie.slice(0, 22)))
        const genuineSecret = (id: string) => cookies.live.find((cookie) => cookie.startsWith(`${id}.`))!.slice(23, 66)
        const other = oneof<readonly [string, string]>(
          Arbitrary.all([id, base64url(43, 43)]),
          // the genuine secret with its last character changed in the 2 bits a base64url decoder ignores
          Arbitrary.all([id, integer(1, 3)]).pipe(Arbitrary.map(([id, delta]) => {
            const secret = genuineSecret(id)
            const last = base64urlAlphabet.indexOf(secret.at(-1)!)
            return [id, secret.slice(0, -1) + base64urlAlphabet[(last & ~3) | ((last + delta) & 3)]] as const
          }))
        )
        return Arbitrary.all([
          paths,
          orGenuine(cookies, other.pipe(Arbitrary.map(([id, other]) => Session.sign(`${id}.${other}`, secret)))),
          boolean
        ]).pipe(Arbitrary.map(([path, value, around]) => inHeader(path, value, around)))
      })
      assert.sameMembers([...seen], [200, 403])
      assert.isAbove(signedIn, 0)
    }))

  it.effect("a token no session has, with a MAC made with the secret (Session.sign), is anonymous", () =>
    Effect.gen(function*() {
      const { seen, signedIn } = yield* fuzz((cookies) =>
        Arbitrary.all([
          paths,
          orGenuine(
            cookies,
            oneof(
              // a well-formed token that names no session
              Arbitrary.all([base64url(22, 22), base64url(43, 43)]).pipe(
                Arbitrary.map(([id, s]) => Session.sign(`${id}.${s}`, secret))
              ),
              // a logged-out session's, or one replaced by a new login
              constantFrom(...cookies.dead),
              // tokens of other lengths, or of any characters
              base64url(0, 60).pipe(Arbitrary.map((id) => Session.sign(id, secret))),
              stringOf(visible, 0, 50).pipe(Arbitrary.map((id) => Session.sign(id, secret)))
            )
          ),
          boolean
        ]).pipe(Arbitrary.map(([path, value, around]) => inHeader(path, value, around)))
      )
      assert.sameMembers([...seen], [200, 403])
      assert.isAbove(signedIn, 0)
    }))
})
