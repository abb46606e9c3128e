/**
 * Proxy headers (`X-Forwarded-For`/`X-Forwarded-Proto`, RFC 7239 `Forwarded`) and the trusted-hosts rule, written
 * once for both Effect lines. Addresses are parsed by `node:net`.
 *
 * @since 0.3.0
 */
import { BlockList, isIP } from "node:net"

/**
 * The scheme a proxy received a request on.
 *
 * @since 0.3.0
 * @category models
 */
export type Proto = "http" | "https"

/**
 * What trusted proxies said about a request: the client's address (`undefined`: none usable, the headers are absent
 * or malformed, so the peer's address stands) and the scheme the client used (`undefined`: not said, or not usably).
 *
 * @since 0.3.0
 * @category models
 */
export interface Forwarded {
  readonly address: string | undefined
  readonly proto: Proto | undefined
}

const nothing: Forwarded = { address: undefined, proto: undefined }

const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/

/**
 * An address in one canonical text, so that one client is one throttle key whatever notation a proxy used: IPv4
 * dotted (an IPv4-mapped IPv6 address becomes its IPv4 address), IPv6 lower-case and compressed (RFC 5952, as the
 * WHATWG URL parser writes it), a zone id (`%eth0`) dropped. `undefined` when `text` is no IP address.
 *
 * @since 0.3.0
 * @category parsing
 */
export const canonicalAddress = (text: string): string | undefined => {
  const zone = text.indexOf("%")
  const bare = zone === -1 ? text : text.slice(0, zone)
  const family = isIP(bare)
  if (family === 4) return bare
  if (family !== 6) return undefined
  let host: string
  try {
    host = new URL(`http://[${bare}]/`).hostname.slice(1, -1)
  } catch {
    return undefined
  }
  const v4 = mapped.exec(host)
  if (v4 === null) return host
  const high = parseInt(v4[1]!, 16)
  const low = parseInt(v4[2]!, 16)
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`
}

const port = /^:\d{1,5}$/

/**
 * A hop of `X-Forwarded-For` or a `for=` node of `Forwarded`, in canonical text: an address, `[IPv6]`, either with a
 * `:port` (`192.0.2.43:47011`, `[2001:db8:cafe::17]:4711`). `undefined` for anything else (`unknown`, an obfuscated
 * `_hidden`, garbage).
 *
 * @since 0.3.0
 * @category parsing
 */
export const canonicalNode = (node: string): string | undefined => {
  if (node.startsWith("[")) {
    const close = node.indexOf("]")
    if (close === -1) return undefined
    const rest = node.slice(close + 1)
    if (rest !== "" && !port.test(rest)) return undefined
    const inner = node.slice(1, close)
    return isIP(inner.split("%")[0]!) === 6 ? canonicalAddress(inner) : undefined
  }
  const whole = canonicalAddress(node)
  if (whole !== undefined) return whole
  // IPv4 with a port; a bare IPv6 address has more than one colon and was read whole above
  const colon = node.indexOf(":")
  if (colon === -1 || !port.test(node.slice(colon))) return undefined
  const host = node.slice(0, colon)
  return isIP(host) === 4 ? host : undefined
}

/**
 * The trusted-hosts rule, checked once: each entry is an address (`127.0.0.1`, `::1`) or a CIDR block
 * (`10.0.0.0/8`, `fd00::/8`); `"*"` trusts every peer. Throws a `TypeError` that names the entry otherwise. The
 * answer tells whether an address (canonical or as Node gives it, IPv4-mapped included) is trusted.
 *
 * @since 0.3.0
 * @category constructors
 */
export const makeTrust = (hosts: ReadonlyArray<string>): (address: string) => boolean => {
  if (hosts.includes("*")) return () => true
  const list = new BlockList()
  for (const entry of hosts) {
    const slash = entry.indexOf("/")
    const address = slash === -1 ? entry : entry.slice(0, slash)
    const family = isIP(address)
    const prefix = slash === -1 ? "" : entry.slice(slash + 1)
    const bits = family === 4 ? 32 : 128
    if (family === 0 || (slash !== -1 && (!/^\d{1,3}$/.test(prefix) || Number(prefix) > bits))) {
      throw new TypeError(
        `ProxyHeaders: trusted host ${JSON.stringify(entry)} is neither an IP address nor a CIDR block ` +
          `(such as "127.0.0.1", "::1", "10.0.0.0/8" or "fd00::/8")`
      )
    }
    const type = family === 4 ? "ipv4" : "ipv6"
    if (slash === -1) list.addAddress(address, type)
    else list.addSubnet(address, Number(prefix), type)
  }
  return (address) => {
    const zone = address.indexOf("%")
    const bare = zone === -1 ? address : address.slice(0, zone)
    const family = isIP(bare)
    return family !== 0 && list.check(bare, family === 4 ? "ipv4" : "ipv6")
  }
}

const protoOf = (value: string | undefined): Proto | undefined => {
  if (value === undefined) return undefined
  const proto = value.trim().toLowerCase()
  return proto === "https" || proto === "http" ? proto : undefined
}

/**
 * The client behind `X-Forwarded-For`, walked from the right (the hop the trusted peer appended) past trusted hops:
 * the first untrusted hop is the client, or the leftmost when every hop is trusted. A malformed hop met on the way
 * makes the whole header unusable. `X-Forwarded-Proto` is one value (set by the proxy), or a list with one value per
 * hop (each proxy appended its own), read at the client's hop.
 *
 * @since 0.3.0
 * @category parsing
 */
export const fromXForwarded = (
  forwardedFor: string | undefined,
  forwardedProto: string | undefined,
  isTrusted: (address: string) => boolean
): Forwarded => {
  const protos = forwardedProto === undefined ? undefined : forwardedProto.split(",")
  if (forwardedFor === undefined) {
    return protos?.length === 1 ? { address: undefined, proto: protoOf(protos[0]) } : nothing
  }
  const hops = forwardedFor.split(",")
  for (let i = hops.length - 1; i >= 0; i--) {
    const address = canonicalNode(hops[i]!.trim())
    if (address === undefined) return nothing
    if (i === 0 || !isTrusted(address)) {
      const proto = protos === undefined
        ? undefined
        : protos.length === 1
        ? protoOf(protos[0])
        : protos.length === hops.length
        ? protoOf(protos[i])
        : undefined
      return { address, proto }
    }
  }
  return nothing
}

// RFC 7230 token characters
const tchar = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/

/**
 * RFC 7239 `Forwarded`, parsed strictly: elements separated by `,`, pairs by `;` (whitespace allowed around both),
 * each `name=value` with a token or a quoted string as value, names case-insensitive, none twice in an element.
 * `undefined` when the header does not follow that grammar.
 *
 * @since 0.3.0
 * @category parsing
 */
export const parseForwarded = (header: string): ReadonlyArray<ReadonlyMap<string, string>> | undefined => {
  const elements: Array<Map<string, string>> = []
  let element = new Map<string, string>()
  let i = 0
  const n = header.length
  const skipSpace = () => {
    while (i < n && (header[i] === " " || header[i] === "\t")) i++
  }
  while (true) {
    skipSpace()
    if (i < n && header[i] !== "," && header[i] !== ";") {
      const nameStart = i
      while (i < n && tchar.test(header[i]!)) i++
      if (i === nameStart || header[i] !== "=") return undefined
      const name = header.slice(nameStart, i).toLowerCase()
      i++
      let value = ""
      if (header[i] === "\"") {
        i++
        while (i < n && header[i] !== "\"") {
          if (header[i] === "\\") i++
          if (i >= n) return undefined
          value += header[i]
          i++
        }
        if (i >= n) return undefined
        i++
      } else {
        const valueStart = i
        while (i < n && tchar.test(header[i]!)) i++
        if (i === valueStart) return undefined
        value = header.slice(valueStart, i)
      }
      if (element.has(name)) return undefined
      element.set(name, value)
      skipSpace()
    }
    if (i >= n) {
      elements.push(element)
      return elements
    }
    if (header[i] === ",") {
      elements.push(element)
      element = new Map()
    } else if (header[i] !== ";") {
      return undefined
    }
    i++
  }
}

// where the last element of `header[0, end)` starts: after the last comma outside a quoted string, scanned from the
// right (a quote escaped by an odd number of backslashes is inside one), so that what lies further left is never read
const elementStart = (header: string, end: number): number => {
  let quoted = false
  for (let i = end - 1; i >= 0; i--) {
    const character = header[i]
    if (character === "\"") {
      let backslashes = 0
      for (let j = i - 1; j >= 0 && header[j] === "\\"; j--) backslashes++
      if (backslashes % 2 === 0) quoted = !quoted
    } else if (character === "," && !quoted) {
      return i + 1
    }
  }
  return 0
}

/**
 * The client behind RFC 7239 `Forwarded`, walked as {@link fromXForwarded} walks `X-Forwarded-For`: each element's
 * `for=` is a hop, and the client's element gives the scheme (`proto=`). Elements are read from the right, each only
 * when reached, so that what a client wrote left of its own element (garbage included) is never read; an element met
 * on the way that does not parse, or has no usable `for=` (`unknown`, an obfuscated name), makes the header unusable.
 *
 * @since 0.3.0
 * @category parsing
 */
export const fromForwarded = (
  header: string | undefined,
  isTrusted: (address: string) => boolean
): Forwarded => {
  if (header === undefined) return nothing
  let end = header.length
  while (true) {
    const start = elementStart(header, end)
    const parsed = parseForwarded(header.slice(start, end))
    if (parsed === undefined || parsed.length !== 1) return nothing
    const node = parsed[0]!.get("for")
    const address = node === undefined ? undefined : canonicalNode(node)
    if (address === undefined) return nothing
    if (start === 0 || !isTrusted(address)) return { address, proto: protoOf(parsed[0]!.get("proto")) }
    end = start - 1
  }
}
