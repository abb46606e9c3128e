/**
 * Secrets without leaks: constant-time comparison, and password hashing with scrypt.
 *
 * @since 0.1.0
 */
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto"

const reveal = (secret: string | Redacted.Redacted<string>): string =>
  typeof secret === "string" ? secret : Redacted.value(secret)

const digest = (secret: string | Redacted.Redacted<string>): Buffer =>
  createHash("sha256").update(reveal(secret), "utf8").digest()

/**
 * Compares two secrets in constant time: the time taken depends on neither their contents nor their lengths
 * (both are hashed to the same length first).
 *
 * @since 0.1.0
 * @category comparisons
 */
export const equals = (
  a: string | Redacted.Redacted<string>,
  b: string | Redacted.Redacted<string>
): boolean => timingSafeEqual(digest(a), digest(b))

// scrypt's cost parameters for new hashes: N = 2^17, r = 8, p = 1, OWASP's minimum for scrypt (Password Storage
// Cheat Sheet): 128 MiB and about 0.4 s per hash on a 2-core machine. Hashes keep their own parameters, so raising
// these never invalidates a stored hash; `needsRehash` tells which ones to redo at the next login.
const defaultLogN = 17
const defaultR = 8
const defaultP = 1
const saltLength = 16
const keyLength = 32

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

// bounds for `Options.logN`: 10 (1 MiB, a few milliseconds) is for tests; 18 is the most `verify` reads back at
// r = 8 (N * r <= maxMemoryCost)
const minOptionLogN = 10
const maxOptionLogN = 18

const derive = (
  password: string,
  salt: Buffer,
  length: number,
  logN: number,
  r: number,
  p: number
): Effect.Effect<Buffer, Error> =>
  Effect.async<Buffer, Error>((resume) => {
    const N = 2 ** logN
    try {
      // maxmem: scrypt needs about 128 * N * r bytes; leave headroom over Node's 32 MiB default
      scrypt(password, salt, length, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (error, key) => {
        resume(error === null ? Effect.succeed(key) : Effect.fail(error))
      })
    } catch (error) {
      resume(Effect.fail(error instanceof Error ? error : new Error(String(error))))
    }
  })

// standard base64 without padding, as in the PHC string format
const encode = (bytes: Buffer): string => bytes.toString("base64").replace(/=+$/, "")
const unpaddedBase64 = /^[A-Za-z0-9+/]+$/
const decode = (text: string): Buffer | undefined => {
  if (!unpaddedBase64.test(text) || text.length % 4 === 1) return undefined
  return Buffer.from(text, "base64")
}

/**
 * Why {@link hash} refused a password: it contains NUL (U+0000), or it is not well-formed Unicode (a lone
 * surrogate). Either would hash the same as another password (see {@link hash}). It never leaves the process: an
 * app that hashes a password chosen by a user answers this with its own "password not allowed".
 *
 * @since 0.2.0
 * @category errors
 */
export class PasswordError extends Data.TaggedError("PasswordError")<{
  readonly reason: "ContainsNul" | "IllFormed"
}> {
  override get message(): string {
    return this.reason === "ContainsNul"
      ? "a password must not contain NUL (U+0000)"
      : "a password must be well-formed Unicode (no lone surrogate)"
  }
}

// NUL: scrypt keys HMAC-SHA256 with the password, and HMAC pads a key with zero bytes, so `pw` and `pw\0` derive
// the same hash. A lone surrogate: UTF-8 encoding replaces it with U+FFFD, so `pw\uD800` hashes as `pw\uFFFD`.
// Other control characters derive keys of their own: allowing them or not is the app's password policy.
const refused = /[\0\p{Cs}]/u

const refusal = (password: string): PasswordError | undefined =>
  refused.test(password)
    ? new PasswordError({ reason: password.includes("\0") ? "ContainsNul" : "IllFormed" })
    : undefined

/**
 * Options of {@link hash} and {@link needsRehash}.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /**
   * log2 of scrypt's cost `N`, from 10 to 18: 17 (OWASP's minimum) unless given. Lower it for tests; raise it when
   * the hardware allows. r = 8 and p = 1 are fixed.
   */
  readonly logN?: number | undefined
}

// a wrong option is a bug in the caller, not a bad password: thrown (a defect in `hash`)
const logNOf = (options: Options | undefined): number => {
  const logN = options?.logN ?? defaultLogN
  if (!Number.isInteger(logN) || logN < minOptionLogN || logN > maxOptionLogN) {
    throw new TypeError(`Password: \`logN\` must be an integer from ${minOptionLogN} to ${maxOptionLogN}`)
  }
  return logN
}

/**
 * Hashes a password with scrypt and a fresh random 16-byte salt, for storing. The result is a string in the
 * PHC format that carries its parameters:
 *
 * `$scrypt$ln=17,r=8,p=1$<salt>$<hash>`
 *
 * where `ln` is log2 of scrypt's cost `N` (17 by default, OWASP's minimum: 128 MiB and a few tenths of a second per
 * hash), and salt and hash (32 bytes) are standard base64 without padding. Two hashes of one password differ (the
 * salt); check one with {@link verify}.
 *
 * The password is normalized to NFKC and hashed as UTF-8, so that the same characters typed on another keyboard or
 * system (composed or not, full-width or not) verify. A password containing NUL or a lone surrogate fails with
 * {@link PasswordError}: each would hash the same as another password.
 *
 * @example
 * ```ts
 * import { Password } from "effect-auth"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const stored = yield* Password.hash("correct horse battery staple")
 *   yield* Password.verify("correct horse battery staple", stored) // true
 * })
 * ```
 *
 * @since 0.1.0
 * @category hashing
 */
export const hash = (
  password: string | Redacted.Redacted<string>,
  options?: Options
): Effect.Effect<string, PasswordError> =>
  Effect.suspend(() => {
    const logN = logNOf(options)
    const raw = reveal(password)
    const refusedBecause = refusal(raw)
    if (refusedBecause !== undefined) return Effect.fail(refusedBecause)
    const salt = randomBytes(saltLength)
    return Effect.map(
      // valid parameters (checked above): scrypt cannot refuse them
      Effect.orDie(derive(raw.normalize("NFKC"), salt, keyLength, logN, defaultR, defaultP)),
      (key) => `$scrypt$ln=${logN},r=${defaultR},p=${defaultP}$${encode(salt)}$${encode(key)}`
    )
  })

interface Parsed {
  readonly logN: number
  readonly r: number
  readonly p: number
  readonly salt: Buffer
  readonly key: Buffer
}

const phc = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([^$]+)\$([^$]+)$/

const parseHash = (stored: string): Parsed | undefined => {
  const match = phc.exec(stored)
  if (match === null) return undefined
  const logN = Number(match[1])
  const r = Number(match[2])
  const p = Number(match[3])
  if (logN < 1 || logN > maxLogN || r < 1 || r > maxR || p < 1 || p > maxP) return undefined
  if (2 ** logN * r > maxMemoryCost || 2 ** logN * r * p > maxTimeCost) return undefined
  const salt = decode(match[4]!)
  const key = decode(match[5]!)
  if (salt === undefined || key === undefined) return undefined
  if (salt.length < minBytes || salt.length > maxBytes || key.length < minBytes || key.length > maxBytes) {
    return undefined
  }
  return { logN, r, p, salt, key }
}

/**
 * Checks a password against a hash made by {@link hash} (or any `$scrypt$ln=…,r=…,p=…$salt$hash` string with
 * 8 to 64-byte salt and hash), comparing in constant time. Answers `false` for a wrong password, for a password
 * {@link hash} refuses (NUL, a lone surrogate), and for a stored hash it cannot read (malformed, another algorithm,
 * parameters out of bounds: `ln` ≤ 20, `r` ≤ 32, `p` ≤ 16, at most 256 MiB of memory, `N * r * p` ≤ 2^23): it never
 * fails and never throws, so a bad row refuses the login rather than breaking the request.
 *
 * The password is normalized to NFKC, as {@link hash} does. Hashes made before that (by earlier versions, of the
 * password as given) still verify: when the NFKC form is wrong and differs from the password as given, the password
 * as given is tried too (a second scrypt run, only for such passwords). Those hashes have `ln=14`, so
 * {@link needsRehash} flags them and rehashing at login retires the fallback.
 *
 * @since 0.1.0
 * @category hashing
 */
export const verify = (
  password: string | Redacted.Redacted<string>,
  stored: string
): Effect.Effect<boolean> =>
  Effect.suspend(() => {
    const parsed = parseHash(stored)
    if (parsed === undefined) return Effect.succeed(false)
    const raw = reveal(password)
    if (refusal(raw) !== undefined) return Effect.succeed(false)
    const check = (form: string): Effect.Effect<boolean> =>
      derive(form, parsed.salt, parsed.key.length, parsed.logN, parsed.r, parsed.p).pipe(
        Effect.map((key) => timingSafeEqual(key, parsed.key)),
        Effect.orElseSucceed(() => false)
      )
    const normalized = raw.normalize("NFKC")
    if (normalized === raw) return check(raw)
    return Effect.flatMap(check(normalized), (ok) => ok ? Effect.succeed(true) : check(raw))
  })

/**
 * Whether a stored hash should be replaced: `true` when its parameters (cost, block size, parallelism, salt or hash
 * length) are below those {@link hash} uses now (with the same `options`), or when it cannot be read. Check it
 * after a successful {@link verify} and store `hash(password)` in its place, so that hashes follow the defaults.
 *
 * @example
 * ```ts
 * import { Password } from "effect-auth"
 * import { Effect } from "effect"
 *
 * declare const stored: string
 * declare const save: (hash: string) => Effect.Effect<void>
 *
 * const login = (password: string) =>
 *   Effect.gen(function*() {
 *     if (!(yield* Password.verify(password, stored))) return false
 *     if (Password.needsRehash(stored)) yield* Effect.flatMap(Password.hash(password), save)
 *     return true
 *   })
 * ```
 *
 * @since 0.2.0
 * @category hashing
 */
export const needsRehash = (stored: string, options?: Options): boolean => {
  const logN = logNOf(options)
  const parsed = parseHash(stored)
  return parsed === undefined || parsed.logN < logN || parsed.r < defaultR || parsed.p < defaultP ||
    parsed.salt.length < saltLength || parsed.key.length < keyLength
}
