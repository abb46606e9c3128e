import fc from "fast-check"
import { assert, describe, it } from "vitest"
import { basic, bearer, queryValues, quote } from "../src/Challenge.js"

describe("Challenge", () => {
  it("basic quotes the realm, escaping quotes and backslashes", () => {
    assert.strictEqual(basic("admin"), `Basic realm="admin", charset="UTF-8"`)
    assert.strictEqual(basic(`a "b" \\ c`), `Basic realm="a \\"b\\" \\\\ c", charset="UTF-8"`)
    assert.strictEqual(basic(""), `Basic realm="", charset="UTF-8"`)
  })

  it("bearer: bare, with a realm, with an error, with both", () => {
    assert.strictEqual(bearer(), "Bearer")
    assert.strictEqual(bearer("api"), `Bearer realm="api"`)
    assert.strictEqual(bearer(undefined, "invalid_token"), `Bearer error="invalid_token"`)
    assert.strictEqual(bearer(`a"b`, "invalid_request"), `Bearer realm="a\\"b", error="invalid_request"`)
  })

  it("a quoted string reads back as the value (RFC 9110 quoted-pair)", () => {
    fc.assert(fc.property(fc.string(), (value) => {
      const quoted = quote(value)
      assert.isTrue(quoted.startsWith("\"") && quoted.endsWith("\""))
      assert.strictEqual(quoted.slice(1, -1).replace(/\\(.)/g, "$1"), value)
    }))
  })

  it("queryValues: every value of the parameter, decoded; the fragment is not the query", () => {
    assert.deepStrictEqual(queryValues("/x", "k"), [])
    assert.deepStrictEqual(queryValues("/x?", "k"), [])
    assert.deepStrictEqual(queryValues("/x?k=1&j=2&k=3", "k"), ["1", "3"])
    assert.deepStrictEqual(queryValues("/x?k=a%20b+c", "k"), ["a b c"])
    assert.deepStrictEqual(queryValues("/x?j=1#k=2", "k"), [])
    assert.deepStrictEqual(queryValues("/x?k=1#?k=2", "k"), ["1"])
    assert.deepStrictEqual(queryValues("/x?k", "k"), [""])
  })
})
