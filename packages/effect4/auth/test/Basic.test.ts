/**
 * HTTP Basic: the parser on its own, and bad input through a real server (anonymous or 400, never 500).
 */
import { assert, describe, it } from "@effect/vitest"
import { Arbitrary, Context, Effect, Layer, Option, Redacted, Result, Schema } from "effect"
import {
  AuthCredentials,
  AuthenticationBackend,
  AuthenticationMiddleware,
  CurrentUser,
  isInvalidCredentials,
  SimpleUser
} from "effect-auth"
import * as Basic from "effect-auth/Basic"
import * as Password from "effect-auth/Password"
import { requires } from "effect-auth/Requires"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { guardedApp } from "./utils/fixtures.js"
import { basic, request, serve } from "./utils/server.js"

const int = (minimum: number, maximum: number) =>
  Arbitrary.schema(Schema.Int.check(Schema.isBetween({ minimum, maximum })))
/** One of `arbitraries`, picked with the given weights. */
const oneOf = <A>(
  ...choices: ReadonlyArray<readonly [weight: number, Arbitrary.Arbitrary<A>]>
): Arbitrary.Arbitrary<A> => {
  const total = choices.reduce((sum, [weight]) => sum + weight, 0)
  return Arbitrary.flatMap(int(0, total - 1), (n) => {
    for (const [weight, arbitrary] of choices) {
      if (n < weight) return arbitrary
      n -= weight
    }
    return choices[0]![1]
  })
}
const stringOf = (unit: Arbitrary.Arbitrary<string>, maxLength: number) =>
  Arbitrary.map(Arbitrary.array(unit, { maxLength }), (units) => units.join(""))
const charOf = (minimum: number, maximum: number) => Arbitrary.map(int(minimum, maximum), (c) => String.fromCharCode(c))
const constantFrom = (...values: ReadonlyArray<string>) => Arbitrary.map(int(0, values.length - 1), (i) => values[i]!)
const bytes = (maxLength: number) =>
  Arbitrary.map(Arbitrary.array(int(0, 255), { maxLength }), (values) => Uint8Array.from(values))
// text mostly of base64 characters, with a few that break it
const base64ish = stringOf(
  oneOf(
    [12, constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")],
    [2, constantFrom("=", "-", ".", "_", "~")],
    [1, constantFrom(" ", ":", "!", ",", "\t", "é", "%")]
  ),
  48
)
// any code point but a surrogate, as text
const anyChar = Arbitrary.map(
  oneOf([4, int(0, 0xd7ff)], [1, int(0xe000, 0x10ffff)]),
  (c) => String.fromCodePoint(c)
)

// alice's password holds colons; anyone else gets in with "pw" (so unicode usernames can be checked end to end)
const BasicAuth = Basic.layer({
  verify: (username, password) =>
    Effect.succeed(
      Password.equals(password, username === "alice" ? "p:a:ss" : "pw")
        ? Option.some([new AuthCredentials(["authenticated"]), new SimpleUser(username)] as const)
        : Option.none()
    )
})

const withApp = <A, E>(f: (url: string) => Effect.Effect<A, E>) =>
  Effect.flatMap(serve(guardedApp), f).pipe(Effect.provide(BasicAuth))

const anonymous = JSON.stringify({ authenticated: false, user: "" })
const b64 = (bytes: string | Uint8Array) => Buffer.from(bytes).toString("base64")

describe("Basic.parse", () => {
  const ok = (header: string | undefined) => {
    const parsed = Basic.parse(header)
    assert.isTrue(Result.isSuccess(parsed), String(header))
    return Result.getOrThrow(parsed)
  }
  const invalid = (header: string) => {
    const parsed = Basic.parse(header)
    assert.isTrue(Result.isFailure(parsed), header)
    if (Result.isFailure(parsed)) {
      assert.strictEqual(parsed.failure.message, "Invalid basic auth credentials")
      assert.isTrue(isInvalidCredentials(parsed.failure))
      assert.strictEqual(parsed.failure.status, 400)
      assert.isUndefined(parsed.failure.challenge)
    }
  }

  it("control characters in either part are refused (RFC 7617): NUL, CR, LF, ESC, DEL", () => {
    const encode = (pair: string) => `Basic ${Buffer.from(pair, "utf8").toString("base64")}`
    for (const c of ["\u0000", "\r", "\n", "\u001b", "\u007f", "\t"]) {
      invalid(encode(`alice${c}:wonderland`))
      invalid(encode(`alice:wonder${c}land`))
    }
    // printable characters, unicode and spaces stay accepted
    assert.strictEqual(Option.getOrThrow(ok(encode("zoë smith:pass word"))).username, "zoë smith")
  })

  it("no header or another scheme is None", () => {
    assert.isTrue(Option.isNone(ok(undefined)))
    assert.isTrue(Option.isNone(ok("Digest x")))
    assert.isTrue(Option.isNone(ok("Bearer abc")))
    assert.isTrue(Option.isNone(ok("Basicx YWxpY2U6eA==")))
    assert.isTrue(Option.isNone(ok("")))
  })

  it("splits at the first colon; the scheme is case-insensitive; the password is redacted", () => {
    for (const scheme of ["Basic", "basic", "BASIC", "bAsIc"]) {
      const credentials = Option.getOrThrow(ok(`${scheme} ${b64("alice:p:a:ss")}`))
      assert.strictEqual(credentials.username, "alice")
      assert.strictEqual(Redacted.value(credentials.password), "p:a:ss")
      assert.notInclude(String(credentials.password), "p:a:ss")
    }
    const empty = Option.getOrThrow(ok(`Basic ${b64(":")}`))
    assert.strictEqual(empty.username, "")
    assert.strictEqual(Redacted.value(empty.password), "")
    assert.strictEqual(Option.getOrThrow(ok(`Basic ${b64("zoë:pw")}`)).username, "zoë")
    assert.strictEqual(Option.getOrThrow(ok(`Basic ${b64("用户:pw")}`)).username, "用户")
  })

  it("malformed values are errors", () => {
    for (
      const header of [
        "Basic",
        "Basic ",
        "basic foobar",
        "Basic !!!!",
        "Basic YWxpY2U6eA", // no padding
        "Basic YQ===", // too much padding
        "Basic YWxp Y2U6eA==",
        `Basic ${b64(Uint8Array.of(0xff, 0xfe, 0x3a, 0x61))}`, // not UTF-8
        `Basic ${b64("alice")}` // no colon
      ]
    ) invalid(header)
  })

  // RFC 7617 read plainly, one check after another: strict base64, UTF-8, no control characters, a colon
  const reference = (header: string): Option.Option<readonly [string, string]> | "invalid" => {
    const match = /^basic(?:[ \t]+(.*))?$/i.exec(header.trim())
    if (match === null) return Option.none()
    const token = (match[1] ?? "").trim()
    if (token.length === 0 || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(token)) {
      return "invalid"
    }
    const bytes = Buffer.from(token, "base64")
    let text: string
    try {
      text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes)
    } catch {
      return "invalid"
    }
    // eslint-disable-next-line no-control-regex -- control characters are what is looked for
    if (/[\u0000-\u001f\u007f]/.test(text) || !text.includes(":")) return "invalid"
    const colon = text.indexOf(":")
    return Option.some([text.slice(0, colon), text.slice(colon + 1)] as const)
  }
  const outcome = (header: string) => {
    const parsed = Basic.parse(header)
    if (Result.isFailure(parsed)) return "invalid"
    return Option.map(parsed.success, ({ password, username }) => [username, Redacted.value(password)] as const)
  }
  const asciiText = stringOf(oneOf([20, charOf(0x20, 0x7e)], [1, charOf(0, 0x1f)], [1, constantFrom("\u007f")]), 16)
  const encoded = oneOf<string>(
    // any bytes: ASCII, controls, Latin-1, broken UTF-8
    [1, Arbitrary.map(bytes(40), (bytes) => Buffer.from(bytes).toString("base64"))],
    // a pair of ASCII texts, now and then with a control character
    [
      1,
      Arbitrary.map(
        Arbitrary.all([asciiText, asciiText]),
        ([username, password]) => Buffer.from(`${username}:${password}`).toString("base64")
      )
    ],
    // any text, as UTF-8
    [1, Arbitrary.map(stringOf(anyChar, 24), (text) => Buffer.from(text, "utf8").toString("base64"))],
    // a username and a password
    [
      1,
      Arbitrary.map(
        Arbitrary.all([stringOf(anyChar, 12), stringOf(anyChar, 12)]),
        ([username, password]) => Buffer.from(`${username}:${password}`, "utf8").toString("base64")
      )
    ],
    [1, base64ish]
  )

  it.prop(
    "reads every header as RFC 7617 read plainly does",
    [constantFrom("Basic ", "basic ", "BASIC\t", " Basic  "), encoded],
    ([scheme, token]) => {
      assert.deepStrictEqual(outcome(scheme + token), reference(scheme + token))
    },
    { arbitrary: { runs: 2000 } }
  )

  it("challenge quotes the realm, escaping quotes and backslashes", () => {
    assert.strictEqual(Basic.challenge("admin"), `Basic realm="admin", charset="UTF-8"`)
    assert.strictEqual(Basic.challenge(`a "b" \\ c`), `Basic realm="a \\"b\\" \\\\ c", charset="UTF-8"`)
    assert.strictEqual(Basic.challenge(""), `Basic realm="", charset="UTF-8"`)
  })

  it.effect("a backend with a realm declares its challenge; without one, none", () =>
    Effect.gen(function*() {
      const verify = () => Effect.succeedNone
      const withRealm = yield* Effect.provide(AuthenticationBackend, Basic.layer({ realm: "admin", verify }))
      assert.deepStrictEqual(withRealm.challenges, [`Basic realm="admin", charset="UTF-8"`])
      const without = yield* Basic.make({ verify })
      assert.deepStrictEqual(without.challenges, [])
    }))
})

describe("Basic through a real server", () => {
  it.effect("no header: anonymous, 200 on an open route and 403 on a guarded one", () =>
    withApp((url) =>
      Effect.gen(function*() {
        const open = yield* request(`${url}/`)
        assert.strictEqual(open.status, 200)
        assert.strictEqual(open.body, anonymous)
        const guarded = yield* request(`${url}/guarded`)
        assert.strictEqual(guarded.status, 403)
        assert.strictEqual(guarded.body, "Forbidden")
      })
    ))

  it.effect("another scheme is anonymous", () =>
    withApp((url) =>
      Effect.gen(function*() {
        for (const authorization of ["Digest x", "Bearer abc", "Negotiate YWxpY2U6cHc="]) {
          const open = yield* request(`${url}/`, { headers: { authorization } })
          assert.strictEqual(open.status, 200, authorization)
          assert.strictEqual(open.body, anonymous)
          assert.strictEqual((yield* request(`${url}/guarded`, { headers: { authorization } })).status, 403)
        }
      })
    ))

  it.effect("malformed values are 400 on every path, guarded, open or unknown", () =>
    withApp((url) =>
      Effect.gen(function*() {
        const headers = [
          "Basic ",
          "Basic",
          "Basic !!!!",
          "Basic YWxpY2U6eA",
          "Basic YQ===",
          `Basic ${b64(Uint8Array.of(0xff, 0xfe, 0x3a, 0x61))}`,
          "Basic YWxpY2U=",
          `Basic ${"A".repeat(8191)}` // 8 KB, not a multiple of 4
        ]
        for (const authorization of headers) {
          for (const path of ["/", "/guarded", "/nowhere"]) {
            const reply = yield* request(`${url}${path}`, { headers: { authorization } })
            assert.strictEqual(reply.status, 400, `${authorization.slice(0, 20)} ${path}`)
            assert.strictEqual(reply.body, "Invalid basic auth credentials")
            assert.match(reply.headers.get("content-type") ?? "", /^text\/plain/)
          }
        }
      })
    ))

  it.effect("an 8 KB well-formed header is read like any other", () =>
    withApp((url) =>
      Effect.gen(function*() {
        const long = basic("bob", "x".repeat(6000))
        assert.isAbove(long.authorization!.length, 8000)
        assert.strictEqual((yield* request(`${url}/`, { headers: long })).body, anonymous) // wrong password
        assert.strictEqual((yield* request(`${url}/guarded`, { headers: long })).status, 403)
        const longName = basic("b".repeat(6000), "pw")
        const reply = yield* request(`${url}/guarded`, { headers: longName })
        assert.strictEqual(reply.status, 200)
        assert.strictEqual(JSON.parse(reply.body).user, "b".repeat(6000))
      })
    ))

  it.effect("passwords may contain ':' (split at the first one)", () =>
    withApp((url) =>
      Effect.gen(function*() {
        const alice = yield* request(`${url}/guarded`, { headers: basic("alice", "p:a:ss") })
        assert.strictEqual(alice.status, 200)
        assert.deepStrictEqual(JSON.parse(alice.body), { authenticated: true, user: "alice" })
        // "alice:p" + ":" + "a:ss" is the same header: the username ends at the first colon
        assert.strictEqual((yield* request(`${url}/guarded`, { headers: basic("alice:p", "a:ss") })).status, 200)
        assert.strictEqual((yield* request(`${url}/guarded`, { headers: basic("alice", "p") })).status, 403)
      })
    ))

  it.effect("unicode usernames arrive intact", () =>
    withApp((url) =>
      Effect.gen(function*() {
        for (const username of ["zoë", "用户", "😀 user"]) {
          const reply = yield* request(`${url}/guarded`, { headers: basic(username, "pw") })
          assert.strictEqual(reply.status, 200, username)
          assert.deepStrictEqual(JSON.parse(reply.body), { authenticated: true, user: username })
        }
      })
    ))

  it.effect("HEAD on a guarded route: 403 without a body, 200 when authenticated", () =>
    withApp((url) =>
      Effect.gen(function*() {
        const denied = yield* request(`${url}/guarded`, { method: "HEAD" })
        assert.strictEqual(denied.status, 403)
        assert.strictEqual(denied.body, "")
        const allowed = yield* request(`${url}/guarded`, { method: "HEAD", headers: basic("alice", "p:a:ss") })
        assert.strictEqual(allowed.status, 200)
        assert.strictEqual(allowed.body, "")
        const malformed = yield* request(`${url}/guarded`, { method: "HEAD", headers: { authorization: "Basic !" } })
        assert.strictEqual(malformed.status, 400)
        assert.strictEqual(malformed.body, "")
      })
    ))

  it.effect("with a realm, anonymous requests to a guarded route get 401 and the challenge", () =>
    Effect.gen(function*() {
      const url = yield* serve(guardedApp)
      const anonymous = yield* request(`${url}/guarded`)
      assert.strictEqual(anonymous.status, 401)
      assert.strictEqual(anonymous.headers.get("www-authenticate"), `Basic realm="admin \\"zone\\"", charset="UTF-8"`)
      assert.strictEqual((yield* request(`${url}/guarded`, { headers: basic("alice", "p:a:ss") })).status, 200)
      assert.strictEqual((yield* request(`${url}/`)).status, 200)
      // a malformed header is still the backend's 400, with no challenge
      const malformed = yield* request(`${url}/guarded`, { headers: { authorization: "Basic !!!!" } })
      assert.strictEqual(malformed.status, 400)
      assert.strictEqual(malformed.headers.get("www-authenticate"), null)
    }).pipe(Effect.provide(Basic.layer({
      realm: `admin "zone"`,
      verify: (username, password) =>
        Effect.succeed(
          Password.equals(password, "p:a:ss")
            ? Option.some([new AuthCredentials(["authenticated"]), new SimpleUser(username)] as const)
            : Option.none()
        )
    }))))
})

// a user store the backend's verify reads: a service of the backend's Layer, not of the app
class Users extends Context.Service<Users, {
  readonly find: (
    username: string
  ) => Effect.Effect<Option.Option<{ readonly password: string; readonly scopes: ReadonlyArray<string> }>>
}>()("test/Users") {}

describe("Basic with a verify that uses services", () => {
  it.effect("the service is the backend Layer's requirement, provided to it alone, and works through a real server", () =>
    Effect.gen(function*() {
      let lookups = 0
      const UsersLive = Layer.succeed(Users, {
        find: (username) =>
          Effect.sync(() => {
            lookups++
            return username === "alice"
              ? Option.some({ password: "wonderland", scopes: ["authenticated", "admin"] })
              : Option.none()
          })
      })
      const backendWithUsers = Basic.layer({
        realm: "users",
        verify: (username, password) =>
          Effect.flatMap(Users, (users) => users.find(username)).pipe(
            Effect.map(Option.flatMap((found) =>
              Password.equals(password, found.password)
                ? Option.some([new AuthCredentials(found.scopes), new SimpleUser(username)] as const)
                : Option.none()
            ))
          )
      })
      // the requirement shows in the Layer's type…
      const _typed: Layer.Layer<AuthenticationBackend, never, Users> = backendWithUsers
      void _typed
      // …and the app never sees Users: only the backend Layer is given it
      const app = HttpRouter.add(
        "GET",
        "/admin",
        Effect.map(CurrentUser, (user) => HttpServerResponse.text(`hello, ${user.displayName}`)).pipe(
          requires("admin")
        )
      ).pipe(Layer.provide(AuthenticationMiddleware.layer))
      const url = yield* serve(app).pipe(Effect.provide(backendWithUsers.pipe(Layer.provide(UsersLive))))
      const alice = yield* request(`${url}/admin`, { headers: basic("alice", "wonderland") })
      assert.deepStrictEqual([alice.status, alice.body], [200, "hello, alice"])
      const wrong = yield* request(`${url}/admin`, { headers: basic("alice", "nope") })
      assert.strictEqual(wrong.status, 401)
      assert.strictEqual(wrong.headers.get("www-authenticate"), `Basic realm="users", charset="UTF-8"`)
      assert.strictEqual((yield* request(`${url}/admin`, { headers: basic("mallory", "x") })).status, 401)
      assert.strictEqual(lookups, 3)
    }))
})
