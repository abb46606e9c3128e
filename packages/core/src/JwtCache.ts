/**
 * A bounded cache of verified tokens, written once for both Effect lines: keyed by the token's SHA-256 (so no live
 * token is kept in the heap), least recently used out first. It holds successes only; what a hit must check again
 * (the time, a revocation, the key) is the caller's, on every hit.
 *
 * @since 0.3.0
 */
import * as crypto from "node:crypto"

// the one-shot `crypto.hash` (Node 20.12+) costs a third of `createHash`: it is used where the runtime has it
const oneShot = (crypto as { readonly hash?: (algorithm: string, data: string, encoding: "base64") => string }).hash

/**
 * The key a token is cached under: its SHA-256, which gives nothing of the token back.
 *
 * @since 0.3.0
 * @category keys
 */
export const tokenKey: (token: string) => string = oneShot === undefined
  ? (token) => crypto.createHash("sha256").update(token).digest("base64")
  : (token) => oneShot("sha256", token, "base64")

/**
 * How many verified tokens a backend keeps by default: 10,000, a few megabytes at most (an entry is the key, the
 * token's times and the decoded user).
 *
 * @since 0.3.0
 * @category models
 */
export const defaultSize = 10_000

/**
 * A map of at most `size` entries (0: nothing is kept) that evicts the least recently used first, near enough: an
 * entry used since the last sweep passed it gets a second chance (the CLOCK algorithm), so a hit only sets a flag.
 *
 * @since 0.3.0
 * @category models
 */
export interface Cache<V> {
  readonly size: number
  readonly get: (key: string) => V | undefined
  readonly set: (key: string, value: V) => void
  readonly delete: (key: string) => void
  readonly clear: () => void
  /** The keys held, oldest first (for tests: they are digests, never tokens). */
  readonly keys: () => ReadonlyArray<string>
}

interface Slot<V> {
  readonly value: V
  used: boolean
}

/**
 * Makes an empty cache of at most `size` entries.
 *
 * @since 0.3.0
 * @category constructors
 */
export const make = <V>(size: number): Cache<V> => {
  if (!(Number.isSafeInteger(size) && size >= 0)) throw new TypeError("Jwt: `cacheSize` must be an integer, 0 or more")
  // a Map iterates in insertion order: the first key is the next one the sweep looks at
  const entries = new Map<string, Slot<V>>()
  const evict = () => {
    for (const [key, slot] of entries) {
      entries.delete(key)
      if (!slot.used) return
      // used since the sweep last passed: kept, at the back, its flag cleared
      slot.used = false
      entries.set(key, slot)
    }
  }
  return {
    get size() {
      return entries.size
    },
    get: (key) => {
      const slot = entries.get(key)
      if (slot === undefined) return undefined
      slot.used = true
      return slot.value
    },
    set: (key, value) => {
      if (size === 0) return
      entries.delete(key)
      if (entries.size >= size) evict()
      entries.set(key, { value, used: false })
    },
    delete: (key) => {
      entries.delete(key)
    },
    clear: () => entries.clear(),
    keys: () => [...entries.keys()]
  }
}
