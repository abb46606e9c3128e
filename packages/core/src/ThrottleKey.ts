/**
 * The keys a login attempt counts under: the rule for a username and for a client address, written once for the
 * throttle and the device cookie of both Effect lines.
 *
 * @since 0.3.0
 */
import { isIPv4, isIPv6 } from "node:net"

/**
 * A username as a guesser sees it: the same name typed differently (case, full-width letters) is one name, so it is
 * counted, and a device cookie bound, as one.
 *
 * @since 0.3.0
 * @category keys
 */
export const normalizeUsername = (username: string): string => username.normalize("NFKC").toLowerCase()

/**
 * The key a username's failures by untrusted clients count under.
 *
 * @since 0.3.0
 * @category keys
 */
export const usernameKey = (username: string): string => `u:${normalizeUsername(username)}`

/**
 * The prefixes an address counts under: IPv4 by its /32, IPv6 by its /64, /56 and /48.
 *
 * @since 0.3.0
 * @category models
 */
export type Prefix = 32 | 64 | 56 | 48

/**
 * One key an address counts under, and the prefix it stands for.
 *
 * @since 0.3.0
 * @category models
 */
export interface AddressKey {
  readonly key: string
  readonly prefix: Prefix
}

// every address that is none (a proxy's header gone wrong) shares one budget: never a fresh one per string
const invalid: ReadonlyArray<AddressKey> = [{ key: "a:invalid", prefix: 32 }]

// an IPv4 tail (`64:ff9b::1.2.3.4`) as the two groups it stands for
const ipv4Tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/

// the eight groups of a valid IPv6 address (`isIPv6` said so), `::` expanded
const groupsOf = (address: string): ReadonlyArray<number> => {
  const text = address.replace(
    ipv4Tail,
    (_, a, b, c, d) => `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`
  )
  const [head = "", tail] = text.split("::", 2)
  const first = head === "" ? [] : head.split(":")
  const rest = tail === undefined || tail === "" ? [] : tail.split(":")
  const groups = tail === undefined ? first : [...first, ...Array(8 - first.length - rest.length).fill("0"), ...rest]
  return groups.map((group) => parseInt(group, 16))
}

const hex = (groups: ReadonlyArray<number>) => groups.map((group) => group.toString(16)).join(":")

/**
 * The keys `address` counts under. IPv4 (and IPv4-mapped IPv6) by the address alone: one subscriber usually has one,
 * and a /24 holds many unrelated ones (a carrier's NAT pool, a hosting range). IPv6 by the /64 one host or
 * subscriber usually holds, and by the /56 and /48 a subscriber or a site is given whole, so that fresh /64s from
 * one allocation share its budgets (counting per address would give a guesser 2^64 of them). Something that is no
 * address gets one shared key.
 *
 * @since 0.3.0
 * @category keys
 */
export const addressKeys = (address: string): ReadonlyArray<AddressKey> => {
  const zone = address.indexOf("%")
  const plain = (zone === -1 ? address : address.slice(0, zone)).toLowerCase()
  if (isIPv4(plain)) return [{ key: `a:${plain}`, prefix: 32 }]
  if (!isIPv6(plain)) return invalid
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(plain)
  if (mapped !== null) return [{ key: `a:${mapped[1]!}`, prefix: 32 }]
  const groups = groupsOf(plain)
  return [
    { key: `a:${hex(groups.slice(0, 4))}::/64`, prefix: 64 },
    { key: `a:${hex([...groups.slice(0, 3), groups[3]! & 0xff00])}::/56`, prefix: 56 },
    { key: `a:${hex(groups.slice(0, 3))}::/48`, prefix: 48 }
  ]
}
