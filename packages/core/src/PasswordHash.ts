/**
 * The password hash format, `$scrypt$ln=…,r=…,p=…$salt$hash` (PHC), and scrypt's parameters, written once for both
 * Effect lines: what a new hash uses, what a stored one may use, and the scrypt call through `node:crypto`.
 *
 * @since 0.3.0
 */
import * as crypto from "node:crypto"
import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto"

// scrypt's cost parameters for new hashes: N = 2^17, r = 8, p = 1, OWASP's minimum for scrypt (Password Storage
// Cheat Sheet): 128 MiB and about 0.4 s per hash on a 2-core machine. Hashes keep their own parameters, so raising
// these never invalidates a stored hash; `needsRehash` tells which ones to redo at the next login.

/**
 * log2 of scrypt's cost `N` for new hashes: 17, OWASP's minimum (128 MiB, a few tenths of a second per hash).
 *
 * @since 0.3.0
 * @category parameters
 */
export const defaultLogN = 17

/**
 * scrypt's block size `r` for new hashes.
 *
 * @since 0.3.0
 * @category parameters
 */
export const defaultR = 8

/**
 * scrypt's parallelism `p` for new hashes.
 *
 * @since 0.3.0
 * @category parameters
 */
export const defaultP = 1

/**
 * The length in bytes of a new hash's salt.
 *
 * @since 0.3.0
 * @category parameters
 */
export const saltLength = 16

/**
 * The length in bytes of a new hash's key.
 *
 * @since 0.3.0
 * @category parameters
 */
export const keyLength = 32

// bounds for parameters read back from a stored hash: beyond them the hash is treated as malformed rather than
// letting a bad row make one request allocate gigabytes or compute for minutes. scrypt needs 128 * N * r bytes
// (at most 256 MiB here, twice the default) and time in proportion to N * r * p (at most 8 times the default).
const maxLogN = 20
const maxR = 32
const maxP = 16
const maxMemoryCost = 2 ** 21 // N * r
const maxTimeCost = 2 ** 23 // N * r * p
const minBytes = 8
const maxBytes = 64

// bounds for an app's `logN`: 10 (1 MiB, a few milliseconds) is for tests; 18 is the most `parse` reads back at
// r = 8 (N * r <= maxMemoryCost)
const minOptionLogN = 10
const maxOptionLogN = 18

/**
 * An app's `logN` (its option), or {@link defaultLogN}: a wrong one is a bug in the caller, not a bad password, so
 * it throws a `TypeError`.
 *
 * @since 0.3.0
 * @category parameters
 */
export const logNOf = (logN: number | undefined): number => {
  const n = logN ?? defaultLogN
  if (!Number.isInteger(n) || n < minOptionLogN || n > maxOptionLogN) {
    throw new TypeError(`Password: \`logN\` must be an integer from ${minOptionLogN} to ${maxOptionLogN}`)
  }
  return n
}

// NUL: scrypt keys HMAC-SHA256 with the password, and HMAC pads a key with zero bytes, so `pw` and `pw\0` derive
// the same hash. A lone surrogate: UTF-8 encoding replaces it with U+FFFD, so `pw\uD800` hashes as `pw\uFFFD`.
// Other control characters derive keys of their own: allowing them or not is the app's password policy.
const refused = /[\0\p{Cs}]/u

/**
 * Why a password cannot be hashed, or `undefined` when it can: it contains NUL (U+0000), or it is not well-formed
 * Unicode (a lone surrogate). Either would hash the same as another password.
 *
 * @since 0.3.0
 * @category validation
 */
export const refusal = (password: string): "ContainsNul" | "IllFormed" | undefined =>
  refused.test(password) ? (password.includes("\0") ? "ContainsNul" : "IllFormed") : undefined

/**
 * Runs scrypt on libuv's thread pool with parameters that may be a stored hash's (`N = 2^logN`), and calls back with
 * the key or the error (scrypt refusing the parameters, thrown or reported, alike).
 *
 * @since 0.3.0
 * @category hashing
 */
export const derive = (
  password: string,
  salt: Buffer,
  length: number,
  logN: number,
  r: number,
  p: number,
  callback: (error: Error | null, key: Buffer) => void
): void => {
  const N = 2 ** logN
  try {
    // maxmem: scrypt needs about 128 * N * r bytes; leave headroom over Node's 32 MiB default
    scrypt(password, salt, length, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, callback)
  } catch (error) {
    callback(error instanceof Error ? error : new Error(String(error)), Buffer.alloc(0))
  }
}

/**
 * A fresh random salt of {@link saltLength} bytes.
 *
 * @since 0.3.0
 * @category hashing
 */
export const salt = (): Buffer => randomBytes(saltLength)

// standard base64 without padding, as in the PHC string format
const encodeBytes = (bytes: Buffer): string => bytes.toString("base64").replace(/=+$/, "")
const unpaddedBase64 = /^[A-Za-z0-9+/]+$/
const decodeBytes = (text: string): Buffer | undefined => {
  if (!unpaddedBase64.test(text) || text.length % 4 === 1) return undefined
  return Buffer.from(text, "base64")
}

/**
 * A stored hash, read: scrypt's parameters, the salt and the key.
 *
 * @since 0.3.0
 * @category models
 */
export interface Parsed {
  readonly logN: number
  readonly r: number
  readonly p: number
  readonly salt: Buffer
  readonly key: Buffer
}

/**
 * The stored form of a hash: `$scrypt$ln=<logN>,r=<r>,p=<p>$<salt>$<key>`, salt and key in standard base64 without
 * padding.
 *
 * @since 0.3.0
 * @category formatting
 */
export const format = (parsed: Parsed): string =>
  `$scrypt$ln=${parsed.logN},r=${parsed.r},p=${parsed.p}$${encodeBytes(parsed.salt)}$${encodeBytes(parsed.key)}`

const phc = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([^$]+)\$([^$]+)$/

/**
 * Reads a stored hash, or `undefined` when it cannot be read: malformed, another algorithm, 8 to 64-byte salt and
 * key aside, or parameters out of bounds (`ln` ≤ 20, `r` ≤ 32, `p` ≤ 16, at most 256 MiB of memory,
 * `N * r * p` ≤ 2^23), so that a bad row cannot make one request allocate gigabytes or compute for minutes.
 *
 * @since 0.3.0
 * @category parsing
 */
export const parse = (stored: string): Parsed | undefined => {
  const match = phc.exec(stored)
  if (match === null) return undefined
  const logN = Number(match[1])
  const r = Number(match[2])
  const p = Number(match[3])
  if (logN < 1 || logN > maxLogN || r < 1 || r > maxR || p < 1 || p > maxP) return undefined
  if (2 ** logN * r > maxMemoryCost || 2 ** logN * r * p > maxTimeCost) return undefined
  const salt = decodeBytes(match[4]!)
  const key = decodeBytes(match[5]!)
  if (salt === undefined || key === undefined) return undefined
  if (salt.length < minBytes || salt.length > maxBytes || key.length < minBytes || key.length > maxBytes) {
    return undefined
  }
  return { logN, r, p, salt, key }
}

/**
 * Whether a stored hash should be replaced: `true` when its parameters (cost, block size, parallelism, salt or key
 * length) are below those new hashes use (`logN` as {@link logNOf} reads it), or when it cannot be read.
 *
 * @since 0.3.0
 * @category hashing
 */
export const needsRehash = (stored: string, logN?: number | undefined): boolean => {
  const wanted = logNOf(logN)
  const parsed = parse(stored)
  return parsed === undefined || parsed.logN < wanted || parsed.r < defaultR || parsed.p < defaultP ||
    parsed.salt.length < saltLength || parsed.key.length < keyLength
}

// Node's one-shot `crypto.hash` (20.12+) is several times quicker than a `createHash` or `createHmac` object for one
// short input; a one-byte string ("latin1") is its quickest output, and the smallest Map key
const sha256: (text: string) => string = typeof (crypto as { hash?: unknown }).hash === "function"
  ? (text) =>
    (crypto as unknown as { hash: (a: string, d: string, e: "latin1") => string }).hash("sha256", text, "latin1")
  : (text) => createHash("sha256").update(text, "utf8").digest("binary") // "binary" is latin1

const loneSurrogate = /\p{Cs}/u
const sha256Bytes = (bytes: Buffer): Buffer => createHash("sha256").update(bytes).digest()

// both digests are written here, compared, and wiped: no Buffer is allocated per comparison (JavaScript runs one
// comparison at a time, so one scratch area serves them all)
const scratch = Buffer.alloc(64)
const left = scratch.subarray(0, 32)
const right = scratch.subarray(32)

/**
 * Compares two secrets in constant time: the time taken depends on neither their contents nor their lengths (both are
 * hashed with SHA-256 to 32 bytes first, then compared with `timingSafeEqual`).
 *
 * @since 0.3.0
 * @category comparisons
 */
export const equals = (a: string, b: string): boolean => {
  // UTF-8 reads a lone surrogate as U+FFFD: when either side has one, both are hashed as UTF-16 instead (a rare path)
  if (loneSurrogate.test(a) || loneSurrogate.test(b)) {
    return timingSafeEqual(sha256Bytes(Buffer.from(a, "utf16le")), sha256Bytes(Buffer.from(b, "utf16le")))
  }
  scratch.write(sha256(a), 0, "latin1")
  scratch.write(sha256(b), 32, "latin1")
  const same = timingSafeEqual(left, right)
  scratch.fill(0)
  return same
}

/**
 * A verifier's memory key for a (stored hash, password) pair: SHA-256 of a random 32-byte key drawn here (held by
 * the function, never exposed), the stored hash and the password, as a 32-character string. Without that key nothing
 * in it can be checked against a guessed password, and the password is never kept. Passwords {@link refusal} refuses
 * must not reach it: NUL separates the pair, and UTF-8 would encode a lone surrogate as U+FFFD.
 *
 * @since 0.3.0
 * @category hashing
 */
export const memoryKey = (): (stored: string, password: string) => string => {
  // a fixed-length secret prefix: SHA-256 of key || message is a MAC wherever length extension cannot be used, and
  // here it cannot: the digest never leaves the process, and an extension would need NUL in the password (padding)
  const secret = randomBytes(32).toString("base64")
  return (stored, password) => sha256(`${secret}${stored}\0${password}`)
}
