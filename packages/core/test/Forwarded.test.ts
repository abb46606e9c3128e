import fc from "fast-check"
import { assert, describe, it } from "vitest"
import {
  canonicalAddress,
  canonicalNode,
  fromForwarded,
  fromXForwarded,
  makeTrust,
  parseForwarded
} from "../src/Forwarded.js"

const loopback = makeTrust(["127.0.0.1", "10.0.0.0/8"])

describe("canonicalAddress and canonicalNode", () => {
  it("one text per address: mapped IPv6 as IPv4, IPv6 compressed and lower-case, zone dropped", () => {
    assert.strictEqual(canonicalAddress("192.0.2.1"), "192.0.2.1")
    assert.strictEqual(canonicalAddress("::ffff:192.0.2.1"), "192.0.2.1")
    assert.strictEqual(canonicalAddress("2001:DB8:0:0:0:0:0:1"), "2001:db8::1")
    assert.strictEqual(canonicalAddress("fe80::1%eth0"), "fe80::1")
    assert.isUndefined(canonicalAddress("unknown"))
    assert.strictEqual(canonicalNode("192.0.2.43:47011"), "192.0.2.43")
    assert.strictEqual(canonicalNode("[2001:db8:cafe::17]:4711"), "2001:db8:cafe::17")
    assert.isUndefined(canonicalNode("_hidden"))
    assert.isUndefined(canonicalNode("[192.0.2.1]"))
  })
})

describe("fromXForwarded", () => {
  it("walks from the right past trusted hops; a malformed hop makes the header unusable", () => {
    assert.deepStrictEqual(fromXForwarded("192.0.2.1, 10.0.0.2", "https", loopback), {
      address: "192.0.2.1",
      proto: "https"
    })
    assert.deepStrictEqual(fromXForwarded("198.51.100.7, 192.0.2.1", "http,https", loopback), {
      address: "192.0.2.1",
      proto: "https"
    })
    assert.deepStrictEqual(fromXForwarded("192.0.2.1, garbage", undefined, loopback), {
      address: undefined,
      proto: undefined
    })
  })
})

describe("parseForwarded and fromForwarded", () => {
  it("RFC 7239, strictly; the client's element gives the scheme", () => {
    const parsed = parseForwarded(`for=192.0.2.60;proto=http;by=203.0.113.43, for="[2001:db8:cafe::17]:4711"`)!
    assert.strictEqual(parsed.length, 2)
    assert.strictEqual(parsed[1]!.get("for"), "[2001:db8:cafe::17]:4711")
    assert.isUndefined(parseForwarded("for=1;for=2"))
    assert.isUndefined(parseForwarded("for"))
    assert.deepStrictEqual(fromForwarded("garbage!!, for=192.0.2.1;proto=https, for=10.0.0.2", loopback), {
      address: "192.0.2.1",
      proto: "https"
    })
  })

  it("anything a header holds is read without a throw", () =>
    fc.assert(fc.property(fc.string({ unit: "binary" }), fc.string(), (header, proto) => {
      fromForwarded(header, loopback)
      fromXForwarded(header, proto, loopback)
      parseForwarded(header)
    })))
})

describe("makeTrust", () => {
  it("an address or a CIDR block; anything else throws, naming the entry", () => {
    assert.isTrue(loopback("10.1.2.3"))
    assert.isTrue(loopback("::ffff:127.0.0.1"))
    assert.isFalse(loopback("127.0.0.2"))
    assert.throws(() => makeTrust(["localhost"]), /"localhost"/)
    assert.throws(() => makeTrust(["10.0.0.0/33"]), /10\.0\.0\.0\/33/)
  })

  it("a /8 trusts exactly the addresses that share its first byte", () =>
    fc.assert(fc.property(fc.ipV4(), fc.ipV4(), (a, b) => {
      const [x] = a.split(".")
      assert.strictEqual(makeTrust([`${x}.0.0.0/8`])(b), b.split(".")[0] === x)
    })))
})
