/**
 * Behind a proxy: the client's address and scheme come from the forwarding headers of trusted peers only. Real
 * servers on 127.0.0.1, with clients bound to other loopback addresses (127.0.0.2 is a peer that is not trusted).
 */
import {
  canonicalAddress,
  canonicalNode,
  fromForwarded,
  fromXForwarded,
  makeTrust,
  parseForwarded
} from "@effect-auth/core/Forwarded"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import { AuthCredentials, AuthenticationMiddleware, Basic, CurrentUser, requires, SimpleUser } from "effect-auth"
import * as ProxyHeaders from "effect-auth/ProxyHeaders"
import { ThrottleStore } from "effect-auth/Throttle"
import * as FastCheck from "effect/FastCheck"
import { isIP } from "node:net"
import { requestFrom } from "./utils/from.js"
import { basic, serve } from "./utils/server.js"

// what the app sees: the client's address and scheme
const echo = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/",
    Effect.map(
      HttpServerRequest.HttpServerRequest,
      (request) => HttpServerResponse.text(Option.getOrElse(request.remoteAddress, () => "none"))
    )
  ),
  HttpRouter.get("/scheme", Effect.map(ProxyHeaders.scheme, (scheme) => HttpServerResponse.text(scheme))),
  // a router mounted under a prefix rewrites the request again: the client and its scheme must survive it
  HttpRouter.mount(
    "/mounted",
    HttpRouter.empty.pipe(
      HttpRouter.get("/scheme", Effect.map(ProxyHeaders.scheme, (scheme) => HttpServerResponse.text(scheme)))
    )
  )
)

const behind = (options: ProxyHeaders.Options) => serve(echo.pipe(ProxyHeaders.middleware(options)))

const proxy = "127.0.0.1"
const stranger = "127.0.0.2"

describe("ProxyHeaders.middleware, through a real server", () => {
  it.scoped("a trusted peer's X-Forwarded-For is the client; anyone else's is ignored", () =>
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

  it.scoped("a chain of trusted proxies is walked to the first untrusted hop", () =>
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

  it.scoped("RFC 7239 Forwarded, when that is the header the proxy writes", () =>
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

  it.scoped("the scheme: a trusted proxy's X-Forwarded-Proto, never a stranger's; kept under a mounted router", () =>
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

  it("options are checked when the middleware is built: a TypeError that names the entry", () => {
    for (const trustedHosts of [["10.0.0.0/33"], ["proxy.internal"], ["10.0.0.1/8x"], ["fd00::/129"], ["10.0.0.0/"]]) {
      assert.throws(() => ProxyHeaders.middleware({ trustedHosts }), TypeError, JSON.stringify(trustedHosts[0]))
    }
    assert.throws(() => ProxyHeaders.middleware({ trustedHosts: [] }), TypeError, "empty")
    assert.throws(() => ProxyHeaders.middleware({ trustedHosts: ["::1"], header: "x-real-ip" as any }), TypeError)
  })
})

// --- the issue's scenario: the Basic throttle behind a proxy --------------------------------------------------------

const passwords: Record<string, string> = { alice: "wonderland", bob: "builder" }

const guarded = AuthenticationMiddleware(
  HttpRouter.empty.pipe(
    HttpRouter.get(
      "/",
      Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName)).pipe(requires("authenticated"))
    )
  )
)

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
  it.scoped("failed logins of one client behind the proxy do not refuse another's correct password", () =>
    Effect.gen(function*() {
      const url = yield* serve(guarded.pipe(ProxyHeaders.middleware({ trustedHosts: [proxy] })))
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

  it.scoped("without ProxyHeaders, every client has the proxy's address and shares its count (the issue)", () =>
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

// --- the parsers -----------------------------------------------------------------------------------------------------

const ipv4 = FastCheck.ipV4()
const ipv6 = FastCheck.ipV6()
const address = FastCheck.oneof(ipv4, ipv6)
const anyText = FastCheck.oneof(
  FastCheck.string(),
  FastCheck.string({ unit: "binary" }),
  FastCheck.array(FastCheck.oneof(address, FastCheck.constantFrom("unknown", "_x", "[", "]", ":", ";", "=", "\"")))
    .map((parts) => parts.join(FastCheck.sample(FastCheck.constantFrom(",", ", ", ";", " "), 1)[0]!))
)

// the reference walk: the first untrusted hop from the right, or the leftmost
const expectedClient = (hops: ReadonlyArray<string>, isTrusted: (hop: string) => boolean): string => {
  for (let i = hops.length - 1; i > 0; i--) if (!isTrusted(hops[i]!)) return hops[i]!
  return hops[0]!
}

describe("the forwarding parsers", () => {
  it.prop("canonical text: IPv4 as it is, mapped IPv6 as IPv4, IPv6 idempotent and of one family", [ipv4, ipv6], (
    [v4, v6]
  ) => {
    assert.strictEqual(canonicalAddress(v4), v4)
    assert.strictEqual(canonicalAddress(`::ffff:${v4}`), v4)
    assert.strictEqual(canonicalAddress(`::FFFF:${v4}%eth0`), v4)
    const canonical = canonicalAddress(v6)!
    assert.isDefined(canonical)
    assert.strictEqual(canonicalAddress(canonical), canonical)
    assert.strictEqual(canonicalAddress(v6.toUpperCase()), canonical)
    assert.include([4, 6], isIP(canonical))
    assert.strictEqual(canonicalNode(`[${v6}]:4711`), canonical)
    assert.strictEqual(canonicalNode(`[${v6}]`), canonical)
    assert.strictEqual(canonicalNode(`${v4}:80`), v4)
  }, { fastCheck: { numRuns: 500 } })

  it.prop("anything a header holds is parsed without a throw", [anyText, anyText], ([text, proto]) => {
    const isTrusted = makeTrust(["10.0.0.0/8", "::1"])
    for (const forwarded of [fromXForwarded(text, proto, isTrusted), fromForwarded(text, isTrusted)]) {
      if (forwarded.address !== undefined) assert.include([4, 6], isIP(forwarded.address))
      assert.include([undefined, "http", "https"], forwarded.proto)
    }
    parseForwarded(text)
    canonicalNode(text)
  }, { fastCheck: { numRuns: 1000 } })

  it.prop(
    "the client is the first untrusted hop from the right; what is written to its left never matters",
    [FastCheck.array(ipv4, { minLength: 1, maxLength: 6 }), FastCheck.array(ipv4, { maxLength: 3 }), anyText],
    ([hops, trustedList, forged]) => {
      const trusted = new Set(trustedList)
      const isTrusted = makeTrust(trustedList.length === 0 ? ["0.0.0.0/32"] : trustedList)
      const expected = expectedClient(hops, (hop) => trusted.has(hop))
      let untrusted = hops.length - 1
      while (untrusted > 0 && trusted.has(hops[untrusted]!)) untrusted--
      assert.strictEqual(fromXForwarded(hops.join(", "), undefined, isTrusted).address, expected)
      assert.strictEqual(
        fromForwarded(hops.map((hop) => `for=${hop};proto=https`).join(", "), isTrusted).address,
        expected
      )
      if (untrusted > 0) {
        // a client's forgery left of an untrusted hop, in either header
        const right = hops.slice(untrusted)
        assert.strictEqual(fromXForwarded(`${forged},${right.join(",")}`, undefined, isTrusted).address, expected)
        const elements = right.map((hop) => `for=${hop}`).join(", ")
        assert.strictEqual(fromForwarded(`${forged},${elements}`, isTrusted).address, expected)
        const quoted = `for="${forged.replace(/["\\]/g, "\\$&")}"`
        assert.strictEqual(fromForwarded(`${quoted},${elements}`, isTrusted).address, expected)
      }
    },
    { fastCheck: { numRuns: 1000 } }
  )

  it.prop(
    "Forwarded read from the right: quoted values with commas, quotes and backslashes do not split an element",
    [
      FastCheck.array(
        FastCheck.tuple(address, FastCheck.string({ unit: "binary-ascii" }).filter((value) => !/[\r\n]/.test(value))),
        { minLength: 1, maxLength: 5 }
      )
    ],
    ([hops]) => {
      const isTrusted = makeTrust(["10.0.0.0/8"])
      const header = hops
        .map(([hop, by]) => `for="${isIP(hop) === 6 ? `[${hop}]` : hop}";by="${by.replace(/["\\]/g, "\\$&")}"`)
        .join(", ")
      const addresses = hops.map(([hop]) => canonicalAddress(hop)!)
      assert.strictEqual(fromForwarded(header, isTrusted).address, expectedClient(addresses, isTrusted))
    },
    { fastCheck: { numRuns: 500 } }
  )

  it.prop(
    "Forwarded: quoted values round-trip; names are case-insensitive",
    [
      FastCheck.array(
        FastCheck.dictionary(
          FastCheck.constantFrom("for", "by", "proto", "host", "x-ext"),
          FastCheck.string({ unit: "binary-ascii" }).filter((value) => !/[\r\n]/.test(value))
        ),
        { minLength: 1, maxLength: 4 }
      )
    ],
    ([elements]) => {
      const header = elements
        .map((element) =>
          Object.entries(element).map(([name, value]) => `${name.toUpperCase()}="${value.replace(/["\\]/g, "\\$&")}"`)
            .join(";")
        )
        .join(", ")
      const parsed = parseForwarded(header)
      assert.isDefined(parsed)
      assert.deepStrictEqual(parsed!.map((element) => Object.fromEntries(element)), elements.map((e) => ({ ...e })))
    },
    { fastCheck: { numRuns: 500 } }
  )

  it.prop("a /32 or /128 trusts exactly its address; a CIDR block its addresses", [ipv4, ipv4, ipv6], (
    [a, b, v6]
  ) => {
    assert.isTrue(makeTrust([a])(a))
    assert.isTrue(makeTrust([`${a}/32`])(`::ffff:${a}`))
    assert.strictEqual(makeTrust([a])(b), a === b)
    assert.isTrue(makeTrust([`${v6}/128`])(canonicalAddress(v6)!))
    const [x] = a.split(".")
    assert.isTrue(makeTrust([`${x}.0.0.0/8`])(a))
    assert.strictEqual(makeTrust([`${x}.0.0.0/8`])(b), b.split(".")[0] === x)
  }, { fastCheck: { numRuns: 500 } })
})
