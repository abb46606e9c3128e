import fc from "fast-check"
import { assert, describe, it } from "vitest"
import { refusal } from "../src/CsrfOrigin.js"

const site = "http://127.0.0.1:8080"
const isSameOrigin = (origin: string) => origin === site
const none = new Set<string>()
const check = (origin: string | undefined, fetchSite: string | undefined, origins = none) =>
  refusal(origin, fetchSite, origins, isSameOrigin)

describe("CsrfOrigin.refusal", () => {
  it("Sec-Fetch-Site decides when sent: same-origin and none pass, anything else is refused", () => {
    assert.isUndefined(check(undefined, "same-origin"))
    assert.isUndefined(check(undefined, "none"))
    assert.strictEqual(check(undefined, "cross-site"), "Sec-Fetch-Site: cross-site")
    assert.strictEqual(check(undefined, "same-site"), "Sec-Fetch-Site: same-site")
    // what the browser says wins over what a page could claim
    assert.strictEqual(check(site, "cross-site"), "Sec-Fetch-Site: cross-site")
  })

  it("else Origin must be the site's own; no header at all leaves it to the token", () => {
    assert.isUndefined(check(site, undefined))
    assert.isUndefined(check(site.toUpperCase(), undefined))
    assert.strictEqual(check("https://evil.example", undefined), "Origin: https://evil.example")
    assert.strictEqual(check("null", undefined), "Origin: null")
    assert.isUndefined(check(undefined, undefined))
  })

  it("an origin allowed by name passes whatever else is said", () => {
    const origins = new Set(["https://app.example"])
    assert.isUndefined(check("https://APP.example", "cross-site", origins))
    assert.strictEqual(check("https://other.example", "cross-site", origins), "Sec-Fetch-Site: cross-site")
  })

  it("a refusal names the header it read, as sent", () =>
    fc.assert(
      fc.property(
        fc.option(fc.string(), { nil: undefined }),
        fc.option(fc.string(), { nil: undefined }),
        (origin, fetchSite) => {
          const refused = check(origin, fetchSite)
          if (refused === undefined) return
          assert.isTrue(
            refused === `Sec-Fetch-Site: ${fetchSite}` || (fetchSite === undefined && refused === `Origin: ${origin}`)
          )
        }
      )
    ))
})
