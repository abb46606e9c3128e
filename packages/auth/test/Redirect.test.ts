import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { AuthenticationMiddleware, Basic, requires } from "effect-auth"
import { serve } from "effect-auth/NodeTesting"
import * as FastCheck from "effect/FastCheck"
import { request as httpRequest } from "node:http"
import { safeNext, withNext } from "../src/internal/redirect.js"
import { usersWithScopes } from "./utils/fixtures.js"

const site = "https://site.example"

/** The `next` of a `Location` made by `withNext`, decoded as a server reads a query. */
const nextOf = (location: string): string | null => {
  const query = location.indexOf("?")
  return new URLSearchParams(query === -1 ? "" : location.slice(query + 1).split("#")[0]).get("next")
}

/** Where a browser on a page of the site goes for `href`. */
const resolved = (href: string, page = `${site}/`): string => new URL(href, page).origin

const nextFor = (target: string, originalUrl: string): string | null => nextOf(withNext(target, { originalUrl } as any))

// request targets an attacker might send: slashes and backslashes, the characters the URL parser drops, percent
// escapes, hosts, schemes, dots, and what a query or fragment starts with
const pieces = FastCheck.constantFrom(
  "/",
  "\\",
  "//",
  "\\\\",
  "\t",
  "\n",
  "\r",
  " ",
  "\x00",
  "\x01",
  "\x1f",
  "\x7f",
  "%2F",
  "%2f",
  "%5C",
  "%5c",
  "%09",
  "%0A",
  "%00",
  "%252F",
  "evil.com",
  "evil.com:443",
  "user@evil.com",
  "site.example",
  "127.0.0.1",
  "[::1]",
  "http:",
  "https:",
  "javascript:",
  "a:",
  "file:",
  "HTTP://",
  "https://evil.com",
  "//evil.com",
  ".",
  "..",
  "./",
  "../",
  "?",
  "#",
  "&",
  "=",
  "next",
  ":",
  "@",
  "~",
  "é",
  "\uD800",
  "login"
)
const targets = FastCheck.oneof(
  FastCheck.array(pieces, { maxLength: 12 }).map((parts) => parts.join("")),
  FastCheck.tuple(FastCheck.constantFrom("", "/", "\\", " ", "\t"), FastCheck.webUrl({ withQueryParameters: true }))
    .map(([before, url]) => before + url),
  FastCheck.string({ unit: "binary", maxLength: 30 })
)
const pages = FastCheck.constantFrom(`${site}/`, `${site}/login`, `${site}/a/b/c?x=1`, `${site}/\\/`)

describe("safeNext", () => {
  it("folds leading slashes and backslashes, and drops what the URL parser drops", () => {
    for (
      const [path, next] of [
        ["/\\evil.com", "/evil.com"],
        ["//evil.com/x?y", "/evil.com/x?y"],
        ["\\\\evil.com", "/evil.com"],
        ["/\\/\\//evil.com", "/evil.com"],
        ["/\t/evil.com", "/evil.com"],
        ["/\n\\evil.com", "/evil.com"],
        ["\r\n//evil.com", "/evil.com"],
        ["  //evil.com", "/evil.com"],
        ["\x00/\\evil.com", "/evil.com"],
        ["/%2F/evil.com", "/%2F/evil.com"], // a percent escape is a path character, not a slash, to a browser
        ["/%5Cevil.com", "/%5Cevil.com"]
      ] as const
    ) {
      assert.strictEqual(safeNext(path), next, JSON.stringify(path))
    }
  })

  it("cuts an absolute URL to its path and query; anything else that is no path is /", () => {
    for (
      const [path, next] of [
        ["http://evil.com/a?b=1#c", "/a?b=1"],
        ["https://evil.com", "/"],
        ["http://site.example//evil.com", "/evil.com"],
        ["http://site.example/\\evil.com", "/evil.com"],
        ["foo://host/\\evil.com", "/evil.com"],
        ["a:b:c", "/b:c"], // as a relative URL, `b:c` would be a URL of scheme b
        ["javascript:alert(1)", "/alert(1)"],
        ["a:\\\\evil.com", "/evil.com"],
        ["", "/"],
        ["*", "/"],
        ["evil.com", "/"],
        ["?next=x", "/"]
      ] as const
    ) {
      assert.strictEqual(safeNext(path), next, JSON.stringify(path))
    }
  })

  it("keeps an ordinary path and query as they are", () => {
    for (
      const path of ["/", "/settings", "/a/b?c=1&d=%2F%2F", "/a//b", "/a\\b", "/%E2%9C%93?q=a+b", "/.well-known/x"]
    ) {
      assert.strictEqual(safeNext(path), path)
    }
  })

  it.prop("resolved against any page of the site, stays on the site", [targets, pages], ([path, page]) => {
    const next = safeNext(path)
    assert.match(next, /^\/(?![/\\])/)
    assert.notMatch(next, /[\t\n\r]/)
    assert.strictEqual(resolved(next, page), site, JSON.stringify([path, next]))
  }, { fastCheck: { numRuns: 2000 } })

  it("percent-encodes what a header cannot hold, as UTF-8, keeping the escapes already there", () => {
    for (
      const [path, next] of [
        ["/é", "/%C3%A9"],
        ["/\uFF0Fevil.example", "/%EF%BC%8Fevil.example"], // a full-width solidus is no slash, and no Latin-1
        ["/\u65E5\u672C?q=\u8A9E", "/%E6%97%A5%E6%9C%AC?q=%E8%AA%9E"],
        ["/a b", "/a%20b"],
        ["/a\x00\x7f", "/a%00%7F"],
        ["/\uD800x", "/%EF%BF%BDx"],
        ["/100%", "/100%25"],
        ["/%zz%2f", "/%25zz%2f"]
      ] as const
    ) {
      assert.strictEqual(safeNext(path), next, JSON.stringify(path))
    }
  })

  it.prop(
    "any Unicode string gives printable ASCII, a valid header value",
    [FastCheck.oneof(FastCheck.string({ unit: "binary" }), FastCheck.string({ unit: "grapheme" }), targets)],
    ([path]) => {
      assert.match(safeNext(path), /^\/(?![/\\])[\x21-\x7e]*$/, JSON.stringify(path))
    },
    { fastCheck: { numRuns: 2000 } }
  )

  it.prop("is idempotent, and the identity on a path a browser reads as a path", [targets], ([path]) => {
    const next = safeNext(path)
    assert.strictEqual(safeNext(next), next)
    // printable ASCII whose every % starts an escape: nothing to encode
    if (/^\/(?![/\\])/.test(path) && /^(?:[\x21-\x24\x26-\x7e]|%[0-9A-Fa-f]{2})*$/.test(path)) {
      assert.strictEqual(next, path)
    }
  }, { fastCheck: { numRuns: 1000 } })
})

describe("withNext", () => {
  it("GET /\\evil.com: next is /evil.com, which a browser keeps on the site", () => {
    const location = withNext("/login", { originalUrl: "/\\evil.com" } as any)
    assert.strictEqual(location, `/login?next=${encodeURIComponent("/evil.com")}`)
    assert.strictEqual(resolved(nextOf(location)!), site)
  })

  it("keeps the target's query and fragment, with next among the parameters", () => {
    assert.strictEqual(
      withNext("/login?from=app", { originalUrl: "/a?b=1" } as any),
      "/login?from=app&next=%2Fa%3Fb%3D1"
    )
    assert.strictEqual(withNext("/login?", { originalUrl: "/a" } as any), "/login?next=%2Fa")
    assert.strictEqual(withNext("/login#form", { originalUrl: "//evil.com" } as any), "/login?next=%2Fevil.com#form")
  })

  it.prop(
    "the next of the Location, decoded as a server would, resolves on the site",
    [targets, FastCheck.constantFrom("/login", "/login?from=app", "/login?", "/login#form", "/auth/login?a=1&")],
    ([originalUrl, target]) => {
      const next = nextFor(target, originalUrl)
      assert.isNotNull(next)
      assert.strictEqual(resolved(next!), site, JSON.stringify([originalUrl, next]))
      assert.strictEqual(next, safeNext(originalUrl))
    },
    { fastCheck: { numRuns: 2000 } }
  )
})

// a raw request target, sent as is (fetch would rewrite `\` to `/` before it leaves)
const rawGet = (url: string, path: string) =>
  Effect.async<{ readonly status: number; readonly location: string | undefined }>((resume) => {
    const { hostname, port } = new URL(url)
    const request = httpRequest({ hostname, port, path, method: "GET" }, (response) => {
      response.resume()
      resume(Effect.succeed({ status: response.statusCode ?? 0, location: response.headers.location }))
    })
    request.on("error", (error) => resume(Effect.die(error)))
    request.end()
  })

describe("requires with redirect, through a real server", () => {
  const app = AuthenticationMiddleware(
    HttpRouter.empty.pipe(
      HttpRouter.get("*", HttpServerResponse.text("guarded").pipe(requires("authenticated", { redirect: "/login" })))
    )
  )

  it.scoped("a request target with backslashes, or an absolute one, redirects with a next on this site", () =>
    Effect.gen(function*() {
      const url = yield* serve(app)
      for (
        const [path, next] of [
          ["/\\evil.com", "/evil.com"],
          ["/\\\\evil.com/x?y=1", "/evil.com/x?y=1"],
          ["//evil.com", "/evil.com"],
          ["/%5Cevil.com", "/%5Cevil.com"],
          ["http://evil.com/\\evil.com?q", "/evil.com?q"],
          ["/settings?tab=2", "/settings?tab=2"]
        ] as const
      ) {
        const reply = yield* rawGet(url, path)
        assert.strictEqual(reply.status, 303, path)
        assert.strictEqual(reply.location, `/login?next=${encodeURIComponent(next)}`, path)
        assert.strictEqual(resolved(nextOf(reply.location!)!), site, path)
      }
    }).pipe(Effect.provide(Basic.layer({ verify: usersWithScopes({}) }))))
})
