import fc from "fast-check"
import { assert, describe, it } from "vitest"
import { isPageLoad, parse } from "../src/LoginForm.js"

const limits = { maxUsername: 256, maxPassword: 1024 }
const read = (fields: Record<string, string>) => parse(new URLSearchParams(fields), limits)

describe("LoginForm.parse", () => {
  it("reads the fields, password and all, and makes next safe", () => {
    assert.deepStrictEqual(read({ username: "ålice", password: "p:ss wörd", next: "//evil.example" }), {
      _tag: "Form",
      username: "ålice",
      password: "p:ss wörd",
      next: "/evil.example",
      remember: false
    })
    const form = read({ username: "a", password: "b" })
    assert.strictEqual(form._tag === "Form" && form.next, "/")
    for (const [value, remember] of [["on", true], ["1", true], ["off", false], ["", false]] as const) {
      const parsed = read({ username: "a", password: "b", remember: value })
      assert.strictEqual(parsed._tag === "Form" && parsed.remember, remember, value)
    }
  })

  it("refuses a missing or empty field, or one past its limit", () => {
    for (
      const [fields, reason] of [
        [{ username: "a" }, "missing username or password"],
        [{ password: "b" }, "missing username or password"],
        [{ username: "", password: "b" }, "missing username or password"],
        [{ username: "a".repeat(257), password: "b" }, "username or password too long"],
        [{ username: "a", password: "b".repeat(1025) }, "username or password too long"]
      ] as const
    ) {
      assert.deepStrictEqual(read(fields), { _tag: "Invalid", reason }, JSON.stringify(fields).slice(0, 60))
    }
    assert.strictEqual(read({ username: "a".repeat(256), password: "b".repeat(1024) })._tag, "Form")
  })

  it("whatever the fields hold, a form's next is a path on this site", () =>
    fc.assert(fc.property(fc.string(), fc.string({ minLength: 1 }), (next, name) => {
      const parsed = read({ username: name, password: "x", next })
      assert.strictEqual(parsed._tag, "Form")
      if (parsed._tag === "Form") assert.match(parsed.next, /^\/(?![/\\])/)
    })))
})

describe("LoginForm.isPageLoad", () => {
  it("GET or HEAD accepting text/html", () => {
    const html = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    assert.isTrue(isPageLoad("GET", html))
    assert.isTrue(isPageLoad("HEAD", html))
    assert.isFalse(isPageLoad("POST", html))
    assert.isFalse(isPageLoad("GET", "application/json"))
    assert.isFalse(isPageLoad("GET", undefined))
  })
})
