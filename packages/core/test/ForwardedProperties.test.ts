/**
 * The forwarding parsers under random input (moved from the Effect 3 line's ProxyHeaders tests, which tested these
 * core functions through that line's harness; both lines' ProxyHeaders use them as they are).
 */
import fc from "fast-check"
import { isIP } from "node:net"
import { assert, describe, it } from "vitest"
import {
  canonicalAddress,
  canonicalNode,
  fromForwarded,
  fromXForwarded,
  makeTrust,
  parseForwarded
} from "../src/Forwarded.js"

const ipv4 = fc.ipV4()
const ipv6 = fc.ipV6()
const address = fc.oneof(ipv4, ipv6)
const anyText = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.tuple(
    fc.array(fc.oneof(address, fc.constantFrom("unknown", "_x", "[", "]", ":", ";", "=", "\""))),
    fc.constantFrom(",", ", ", ";", " ")
  ).map(([parts, separator]) => parts.join(separator))
)
const quotable = fc.string({ unit: "binary-ascii" }).filter((value) => !/[\r\n]/.test(value))
const quote = (value: string) => `"${value.replace(/["\\]/g, "\\$&")}"`

// the reference walk: the first untrusted hop from the right, or the leftmost
const expectedClient = (hops: ReadonlyArray<string>, isTrusted: (hop: string) => boolean): string => {
  for (let i = hops.length - 1; i > 0; i--) if (!isTrusted(hops[i]!)) return hops[i]!
  return hops[0]!
}

describe("the forwarding parsers, under random input", () => {
  it("canonical text: IPv4 as it is, mapped IPv6 as IPv4, IPv6 idempotent and of one family", () =>
    fc.assert(
      fc.property(ipv4, ipv6, (v4, v6) => {
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
      }),
      { numRuns: 500 }
    ))

  it("anything a header holds is parsed without a throw, to an address and a scheme or nothing", () =>
    fc.assert(
      fc.property(anyText, anyText, (text, proto) => {
        const isTrusted = makeTrust(["10.0.0.0/8", "::1"])
        for (const forwarded of [fromXForwarded(text, proto, isTrusted), fromForwarded(text, isTrusted)]) {
          if (forwarded.address !== undefined) assert.include([4, 6], isIP(forwarded.address))
          assert.include([undefined, "http", "https"], forwarded.proto)
        }
        parseForwarded(text)
        canonicalNode(text)
      }),
      { numRuns: 1000 }
    ))

  it("the client is the first untrusted hop from the right; what is written to its left never matters", () =>
    fc.assert(
      fc.property(
        fc.array(ipv4, { minLength: 1, maxLength: 6 }),
        fc.array(ipv4, { maxLength: 3 }),
        anyText,
        (hops, trustedList, forged) => {
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
            assert.strictEqual(fromForwarded(`for=${quote(forged)},${elements}`, isTrusted).address, expected)
          }
        }
      ),
      { numRuns: 1000 }
    ))

  it("Forwarded read from the right: quoted values with commas, quotes and backslashes do not split an element", () =>
    fc.assert(
      fc.property(fc.array(fc.tuple(address, quotable), { minLength: 1, maxLength: 5 }), (hops) => {
        const isTrusted = makeTrust(["10.0.0.0/8"])
        const header = hops
          .map(([hop, by]) => `for="${isIP(hop) === 6 ? `[${hop}]` : hop}";by=${quote(by)}`)
          .join(", ")
        const addresses = hops.map(([hop]) => canonicalAddress(hop)!)
        assert.strictEqual(fromForwarded(header, isTrusted).address, expectedClient(addresses, isTrusted))
      }),
      { numRuns: 500 }
    ))

  it("Forwarded: quoted values round-trip; names are case-insensitive", () =>
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(fc.constantFrom("for", "by", "proto", "host", "x-ext"), quotable), {
          minLength: 1,
          maxLength: 4
        }),
        (elements) => {
          const header = elements
            .map((element) =>
              Object.entries(element).map(([name, value]) => `${name.toUpperCase()}=${quote(value)}`).join(";")
            )
            .join(", ")
          const parsed = parseForwarded(header)
          assert.isDefined(parsed)
          assert.deepStrictEqual(parsed!.map((element) => Object.fromEntries(element)), elements.map((e) => ({ ...e })))
        }
      ),
      { numRuns: 500 }
    ))

  it("a /32 or /128 trusts exactly its address; a CIDR block its addresses", () =>
    fc.assert(
      fc.property(ipv4, ipv4, ipv6, (a, b, v6) => {
        assert.isTrue(makeTrust([a])(a))
        assert.isTrue(makeTrust([`${a}/32`])(`::ffff:${a}`))
        assert.strictEqual(makeTrust([a])(b), a === b)
        assert.isTrue(makeTrust([`${v6}/128`])(canonicalAddress(v6)!))
        const [x] = a.split(".")
        assert.isTrue(makeTrust([`${x}.0.0.0/8`])(a))
        assert.strictEqual(makeTrust([`${x}.0.0.0/8`])(b), b.split(".")[0] === x)
      }),
      { numRuns: 500 }
    ))
})
