/**
 * Behind a proxy: the client's address and scheme come from the forwarding headers of trusted peers only. Real
 * servers on 127.0.0.1, with clients bound to other loopback addresses (127.0.0.2 is a peer that is not trusted).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import { AuthCredentials, AuthenticationMiddleware, CurrentUser, SimpleUser } from "effect-auth"
import * as Basic from "effect-auth/Basic"
import * as ProxyHeaders from "effect-auth/ProxyHeaders"
import { requires } from "effect-auth/Requires"
import { ThrottleStore } from "effect-auth/Throttle"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { requestFrom } from "./utils/from.js"
import { basic, serve } from "./utils/server.js"

const schemeHandler = Effect.map(ProxyHeaders.scheme, (scheme) => HttpServerResponse.text(scheme))

// what the app sees: the client's address, its scheme, and the request's own view of both
const echo = HttpRouter.addAll([
  HttpRouter.route(
    "GET",
    "/",
    Effect.map(
      HttpServerRequest.HttpServerRequest,
      (request) => HttpServerResponse.text(Option.getOrElse(request.remoteAddress, () => "none"))
    )
  ),
  HttpRouter.route("GET", "/scheme", schemeHandler),
  // Effect 4's own view: the transport peer is kept, and `toURL` takes the client's scheme
  HttpRouter.route(
    "GET",
    "/request",
    Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
      HttpServerResponse.text(
        [
          Option.getOrElse(request.peerAddress, () => "none"),
          Option.match(HttpServerRequest.toURL(request), { onNone: () => "none", onSome: (url) => url.protocol })
        ].join(" ")
      ))
  ),
  // a route under a prefix sees a rewritten request: the client and its scheme must survive it
  HttpRouter.prefixRoute(HttpRouter.route("GET", "/scheme", schemeHandler), "/mounted")
])

// the middleware outermost, as a global router middleware: it runs before routing
const trusting = (options: ProxyHeaders.Options) =>
  HttpRouter.middleware(ProxyHeaders.middleware(options), { global: true })

const behind = (options: ProxyHeaders.Options) => serve(echo.pipe(Layer.provide(trusting(options))))

const proxy = "127.0.0.1"
const stranger = "127.0.0.2"

describe("ProxyHeaders.middleware, through a real server", () => {
  it.effect("a trusted peer's X-Forwarded-For is the client; anyone else's is ignored", () =>
    Effect.gen(function*() {
      const url = yield* behind({ trustedHosts: [proxy] })
      const body = (from: string, headers: Record<string, string> = {}) =>
        Effect.map(requestFrom(url, from, headers), (reply) => reply.body)
      assert.strictEqual(yield* body(proxy, { "x-forwarded-for": "203.0.113.7" }), "203.0.113.7")
      assert.strictEqual(yield* body(stranger, { "x-forwarded-for": "203.0.113.7" }), stranger)
      assert.strictEqual(yield* body(proxy), proxy)
      // what a client writes to the left of its own address is its own word: the proxy appended the address it saw
      assert.strictEqual(yield* body(proxy, { "x-forwarded-for": "198.51.100.1, 203.0.113.7" }), "203.0.113.7")
      // one canonical text per address, whatever notation the proxy used
      assert.strictEqual(yield* body(proxy, { "x-forwarded-for": "[2001:DB8:0::1]:4711" }), "2001:db8::1")
      assert.strictEqual(yield* body(proxy, { "x-forwarded-for": "::ffff:203.0.113.7" }), "203.0.113.7")
      // a header that does not parse leaves the peer's address, never a 500
      for (const garbage of ["unknown", "203.0.113.7,", "", "1.2.3", "203.0.113.7 198.51.100.1", "[::1"]) {
        const reply = yield* requestFrom(url, proxy, { "x-forwarded-for": garbage })
        assert.deepStrictEqual([reply.status, reply.body], [200, proxy], garbage)
      }
      // only the header the proxy writes is read: a Forwarded header passes from the client unchanged
      assert.strictEqual(yield* body(proxy, { forwarded: "for=203.0.113.7" }), proxy)
    }))

  it.effect("a chain of trusted proxies is walked to the first untrusted hop", () =>
    Effect.gen(function*() {
      const one = yield* behind({ trustedHosts: [proxy] })
      const chain = yield* behind({ trustedHosts: [proxy, "10.0.0.0/8", "fd00::/8"] })
      const headers = { "x-forwarded-for": "192.0.2.1, 203.0.113.7, fd12::1, 10.1.2.3" }
      assert.strictEqual((yield* requestFrom(one, proxy, headers)).body, "10.1.2.3")
      assert.strictEqual((yield* requestFrom(chain, proxy, headers)).body, "203.0.113.7")
      // every hop trusted: the leftmost is the client
      assert.strictEqual(
        (yield* requestFrom(chain, proxy, { "x-forwarded-for": "10.9.9.9, 10.1.2.3" })).body,
        "10.9.9.9"
      )
    }))

  it.effect("RFC 7239 Forwarded, when that is the header the proxy writes", () =>
    Effect.gen(function*() {
      const url = yield* behind({ trustedHosts: [proxy], header: "forwarded" })
      const reply = (from: string, forwarded: string, path = "/") =>
        Effect.map(requestFrom(`${url}${path}`, from, { forwarded }), (reply) => reply.body)
      assert.strictEqual(yield* reply(proxy, `for="[2001:db8:cafe::17]:4711";proto=https`), "2001:db8:cafe::17")
      assert.strictEqual(yield* reply(proxy, `for="[2001:db8:cafe::17]:4711";proto=https`, "/scheme"), "https")
      assert.strictEqual(yield* reply(proxy, "for=198.51.100.1, For=203.0.113.7;proto=http;by=10.0.0.1"), "203.0.113.7")
      assert.strictEqual(yield* reply(stranger, "for=203.0.113.7;proto=https"), stranger)
      assert.strictEqual(yield* reply(stranger, "for=203.0.113.7;proto=https", "/scheme"), "http")
      for (const garbage of ["for=unknown", "for=_hidden", "for=\"203.0.113.7", "proto=https", "for 203.0.113.7"]) {
        assert.strictEqual(yield* reply(proxy, garbage), proxy, garbage)
      }
      // a client's garbage left of the element the proxy appended is never read
      assert.strictEqual(yield* reply(proxy, `for=", for=203.0.113.7;proto=https`), "203.0.113.7")
      assert.strictEqual(yield* reply(proxy, `for="a\\"b", for="[2001:db8::2]"`), "2001:db8::2")
      // the X-Forwarded-* headers pass from the client unchanged
      assert.strictEqual((yield* requestFrom(url, proxy, { "x-forwarded-for": "203.0.113.7" })).body, proxy)
    }))

  it.effect("the scheme: a trusted proxy's X-Forwarded-Proto, never a stranger's; kept under a mounted router", () =>
    Effect.gen(function*() {
      const url = yield* behind({ trustedHosts: [proxy] })
      const scheme = (from: string, headers: Record<string, string>, path = "/scheme") =>
        Effect.map(requestFrom(`${url}${path}`, from, headers), (reply) => reply.body)
      assert.strictEqual(yield* scheme(proxy, { "x-forwarded-proto": "https" }), "https")
      assert.strictEqual(yield* scheme(proxy, { "x-forwarded-proto": "https" }, "/mounted/scheme"), "https")
      assert.strictEqual(
        yield* scheme(proxy, { "x-forwarded-proto": "HTTPS", "x-forwarded-for": "203.0.113.7" }),
        "https"
      )
      assert.strictEqual(yield* scheme(stranger, { "x-forwarded-proto": "https" }), "http")
      assert.strictEqual(yield* scheme(proxy, {}), "http")
      // one value per hop: the client's hop's
      assert.strictEqual(
        yield* scheme(proxy, { "x-forwarded-for": "203.0.113.7, 127.0.0.1", "x-forwarded-proto": "https, http" }),
        "https"
      )
    }))

  it.effect("the request keeps the proxy as its peerAddress, and HttpServerRequest.toURL takes the client's scheme", () =>
    Effect.gen(function*() {
      const url = yield* behind({ trustedHosts: [proxy] })
      const seen = (from: string, headers: Record<string, string>) =>
        Effect.map(requestFrom(`${url}/request`, from, headers), (reply) => reply.body)
      const forwarded = { "x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https" }
      assert.strictEqual(yield* seen(proxy, forwarded), `${proxy} https:`)
      assert.strictEqual(yield* seen(proxy, { "x-forwarded-proto": "https" }), `${proxy} https:`)
      assert.strictEqual(yield* seen(stranger, forwarded), `${stranger} http:`)
      assert.strictEqual(yield* seen(proxy, {}), `${proxy} http:`)
    }))

  it("options are checked when the middleware is built: a TypeError that names the entry", () => {
    for (const trustedHosts of [["10.0.0.0/33"], ["proxy.internal"], ["10.0.0.1/8x"], ["fd00::/129"], ["10.0.0.0/"]]) {
      assert.throws(() => ProxyHeaders.middleware({ trustedHosts }), TypeError, JSON.stringify(trustedHosts[0]))
    }
    assert.throws(() => ProxyHeaders.middleware({ trustedHosts: [] }), TypeError, "empty")
    assert.throws(() => ProxyHeaders.middleware({ trustedHosts: ["::1"], header: "x-real-ip" as any }), TypeError)
  })
})

// --- the scenario: the Basic throttle behind a proxy --------------------------------------------------------

const passwords: Record<string, string> = { alice: "wonderland", bob: "builder" }

const guarded = HttpRouter.add(
  "GET",
  "/",
  Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName)).pipe(requires("authenticated"))
).pipe(Layer.provide(AuthenticationMiddleware.layer))

const BasicLive = Basic.layer({
  realm: "test",
  throttle: { username: 100, address: 3 },
  verify: (username, password) =>
    Effect.succeed(
      Object.hasOwn(passwords, username) && passwords[username] === Redacted.value(password)
        ? Option.some([new AuthCredentials(["authenticated"]), new SimpleUser(username)] as const)
        : Option.none()
    )
}).pipe(Layer.provide(ThrottleStore.layerMemory()))

describe("the Basic throttle behind a proxy", () => {
  it.effect("failed logins of one client behind the proxy do not refuse another's correct password", () =>
    Effect.gen(function*() {
      const url = yield* serve(guarded.pipe(Layer.provide(trusting({ trustedHosts: [proxy] }))))
      const a = { "x-forwarded-for": "203.0.113.7" }
      const b = { "x-forwarded-for": "198.51.100.9" }
      const statuses: Array<number> = []
      for (let i = 0; i < 6; i++) {
        statuses.push((yield* requestFrom(url, proxy, { ...a, ...basic("bob", `guess${i}`) })).status)
      }
      assert.deepStrictEqual(statuses.slice(3), [429, 429, 429])
      const reply = yield* requestFrom(url, proxy, { ...b, ...basic("alice", "wonderland") })
      assert.deepStrictEqual([reply.status, reply.body], [200, "alice"])
      // a stranger cannot escape its own count by naming another address
      for (let i = 0; i < 3; i++) yield* requestFrom(url, stranger, { ...b, ...basic("bob", `guess${i}`) })
      assert.strictEqual((yield* requestFrom(url, stranger, { ...b, ...basic("alice", "wonderland") })).status, 429)
    }).pipe(Effect.provide(BasicLive)))

  it.effect("without ProxyHeaders, every client has the proxy's address and shares its count (the issue)", () =>
    Effect.gen(function*() {
      const url = yield* serve(guarded)
      for (let i = 0; i < 3; i++) {
        yield* requestFrom(url, proxy, { "x-forwarded-for": "203.0.113.7", ...basic("bob", `guess${i}`) })
      }
      const reply = yield* requestFrom(url, proxy, {
        "x-forwarded-for": "198.51.100.9",
        ...basic("alice", "wonderland")
      })
      assert.strictEqual(reply.status, 429)
    }).pipe(Effect.provide(BasicLive)))
})
