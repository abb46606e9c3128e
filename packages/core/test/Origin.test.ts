import fc from "fast-check"
import { assert, describe, it } from "vitest"
import { claimsHttps, isForeignWebSocket, isSameOrigin, makeCheck, mergeChecks, siteOrigin } from "../src/Origin.js"

describe("siteOrigin and isSameOrigin", () => {
  it("the scheme, the Host and the port, the default port left out", () => {
    assert.strictEqual(siteOrigin("http", "example.com:80"), "http://example.com")
    assert.strictEqual(siteOrigin("https", "Example.COM:8443"), "https://example.com:8443")
    assert.isUndefined(siteOrigin("http", undefined))
    assert.isUndefined(siteOrigin("http", "bad host/x y"))
  })

  it("same scheme, host and port only; no Host, or an Origin that is no URL, is not", () => {
    assert.isTrue(isSameOrigin("http://example.com", "http", "example.com:80"))
    assert.isFalse(isSameOrigin("https://example.com", "http", "example.com"))
    assert.isFalse(isSameOrigin("http://example.com:8080", "http", "example.com"))
    assert.isFalse(isSameOrigin("http://evil.example", "http", "example.com"))
    assert.isFalse(isSameOrigin("null", "http", "example.com"))
    assert.isFalse(isSameOrigin("http://example.com", "http", undefined))
  })

  it("a site's own origin is always its own, for any host and port", () =>
    fc.assert(fc.property(
      fc.domain(),
      fc.integer({ min: 1, max: 65535 }),
      fc.constantFrom("http" as const, "https" as const),
      (host, port, scheme) => {
        const own = siteOrigin(scheme, `${host}:${port}`)
        assert.isDefined(own)
        assert.isTrue(isSameOrigin(own!, scheme, `${host}:${port}`))
        assert.isFalse(isSameOrigin(own!, scheme === "http" ? "https" : "http", `${host}:${port}`))
      }
    )))
})

describe("claimsHttps", () => {
  it("the first value of X-Forwarded-Proto, trimmed, in any case", () => {
    assert.isTrue(claimsHttps("https"))
    assert.isTrue(claimsHttps(" HTTPS , http"))
    assert.isFalse(claimsHttps("http, https"))
    assert.isFalse(claimsHttps(undefined))
    assert.isFalse(claimsHttps(""))
  })
})

describe("websocket origin checks", () => {
  const sameSite = (origin: string) => origin === "https://app.example"

  it("only websocket handshakes with an Origin are checked: the list, then the site's own", () => {
    const same = makeCheck("same-origin")
    const listed = makeCheck(["https://Partner.example"])
    assert.isFalse(isForeignWebSocket(undefined, "https://evil.example", same, sameSite))
    assert.isFalse(isForeignWebSocket("websocket", undefined, same, sameSite))
    assert.isFalse(isForeignWebSocket("WebSocket", "https://app.example", same, sameSite))
    assert.isTrue(isForeignWebSocket("websocket", "https://evil.example", same, sameSite))
    assert.isFalse(isForeignWebSocket("websocket", "https://partner.example", listed, sameSite))
    // a list alone does not allow the site's own origin
    assert.isTrue(isForeignWebSocket("websocket", "https://app.example", listed, sameSite))
  })

  it("merged checks: restricted if any restricts, to what any allows", () => {
    assert.isUndefined(mergeChecks([undefined, undefined]))
    const merged = mergeChecks([makeCheck(["https://a.example"]), undefined, makeCheck("same-origin")])!
    assert.isTrue(merged.sameOrigin)
    assert.deepStrictEqual(Array.from(merged.origins), ["https://a.example"])
    assert.isFalse(isForeignWebSocket("websocket", "https://A.example", merged, sameSite))
    assert.isFalse(isForeignWebSocket("websocket", "https://app.example", merged, sameSite))
    assert.isTrue(isForeignWebSocket("websocket", "https://b.example", merged, sameSite))
  })
})
