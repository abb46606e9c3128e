import fc from "fast-check"
import { assert, describe, it } from "vitest"
import { safeNext, withNext } from "../src/Redirect.js"

const site = "https://site.example"

/** The `next` of a `Location` made by `withNext`, decoded as a server reads a query. */
const nextOf = (location: string): string | null => {
  const query = location.indexOf("?")
  return new URLSearchParams(query === -1 ? "" : location.slice(query + 1).split("#")[0]).get("next")
}

/** Where a browser on a page of the site goes for `href`. */
const resolved = (href: string, page = `${site}/`): string => new URL(href, page).origin

const nextFor = (target: string, originalUrl: string): string | null => nextOf(withNext(target, originalUrl))

// request targets an attacker might send: slashes and backslashes, the characters the URL parser drops, percent
// escapes, hosts, schemes, dots, and what a query or fragment starts with
const pieces = fc.constantFrom(
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
const targets = fc.oneof(
  fc.array(pieces, { maxLength: 12 }).map((parts) => parts.join("")),
  fc.tuple(fc.constantFrom("", "/", "\\", " ", "\t"), fc.webUrl({ withQueryParameters: true }))
    .map(([before, url]) => before + url),
  fc.string({ unit: "binary", maxLength: 30 })
)
const pages = fc.constantFrom(`${site}/`, `${site}/login`, `${site}/a/b/c?x=1`, `${site}/\\/`)

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

  it("resolved against any page of the site, stays on the site", () =>
    fc.assert(
      fc.property(targets, pages, (path, page) => {
        const next = safeNext(path)
        assert.match(next, /^\/(?![/\\])/)
        assert.notMatch(next, /[\t\n\r]/)
        assert.strictEqual(resolved(next, page), site, JSON.stringify([path, next]))
      }),
      { numRuns: 2000 }
    ))

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

  it("any Unicode string gives printable ASCII, a valid header value", () =>
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), targets), (path) => {
        assert.match(safeNext(path), /^\/(?![/\\])[\x21-\x7e]*$/, JSON.stringify(path))
      }),
      { numRuns: 2000 }
    ))

  it("is idempotent, and the identity on a path a browser reads as a path", () =>
    fc.assert(
      fc.property(targets, (path) => {
        const next = safeNext(path)
        assert.strictEqual(safeNext(next), next)
        // printable ASCII whose every % starts an escape: nothing to encode
        if (/^\/(?![/\\])/.test(path) && /^(?:[\x21-\x24\x26-\x7e]|%[0-9A-Fa-f]{2})*$/.test(path)) {
          assert.strictEqual(next, path)
        }
      }),
      { numRuns: 1000 }
    ))
})

describe("withNext", () => {
  it("GET /\\evil.com: next is /evil.com, which a browser keeps on the site", () => {
    const location = withNext("/login", "/\\evil.com")
    assert.strictEqual(location, `/login?next=${encodeURIComponent("/evil.com")}`)
    assert.strictEqual(resolved(nextOf(location)!), site)
  })

  it("keeps the target's query and fragment, with next among the parameters", () => {
    assert.strictEqual(
      withNext("/login?from=app", "/a?b=1"),
      "/login?from=app&next=%2Fa%3Fb%3D1"
    )
    assert.strictEqual(withNext("/login?", "/a"), "/login?next=%2Fa")
    assert.strictEqual(withNext("/login#form", "//evil.com"), "/login?next=%2Fevil.com#form")
  })

  it("the next of the Location, decoded as a server would, resolves on the site", () =>
    fc.assert(
      fc.property(
        targets,
        fc.constantFrom("/login", "/login?from=app", "/login?", "/login#form", "/auth/login?a=1&"),
        (originalUrl, target) => {
          const next = nextFor(target, originalUrl)
          assert.isNotNull(next)
          assert.strictEqual(resolved(next!), site, JSON.stringify([originalUrl, next]))
          assert.strictEqual(next, safeNext(originalUrl))
        }
      ),
      { numRuns: 2000 }
    ))
})
