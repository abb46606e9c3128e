/**
 * Secrets without leaks: constant-time comparison, and password hashing with scrypt.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as crypto from "node:crypto"
import { createHash, randomBytes, scrypt, timingSafeEqual } from "node:crypto"
import { availableParallelism } from "node:os"
import type { ServiceUnavailable } from "./AuthenticationError.js"
import * as internal from "./internal/verifier.js"

const reveal = (secret: string | Redacted.Redacted<string>): string =>
  typeof secret === "string" ? secret : Redacted.value(secret)

// Node's one-shot `crypto.hash` (20.12+) is several times quicker than a `createHash` object for one short input
const sha256: (text: string) => Buffer = typeof (crypto as { hash?: unknown }).hash === "function"
  ? (text) =>
    (crypto as unknown as { hash: (a: string, d: string, e: "buffer") => Buffer }).hash("sha256", text, "buffer")
  : (text) => createHash("sha256").update(text, "utf8").digest()

const digest = (secret: string | Redacted.Redacted<string>): Buffer => sha256(reveal(secret))

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

// the verifier's defaults. Hashes run on libuv's thread pool (UV_THREADPOOL_SIZE, 4 unless set), which file system
// and DNS calls share: at most one hash per core (more only slow each other down), leaving one pool thread free.
// Two waiting per running hash: a wait of about three hash times (about 1.2 s at the default cost) at worst.
const threadPoolSize = Number(process.env["UV_THREADPOOL_SIZE"]) || 4
const defaultConcurrency = Math.max(1, Math.min(availableParallelism(), threadPoolSize - 1))
const queuePerHash = 2
// 1024 entries of about 150 bytes: a client that sends its password on every request hashes once per TTL
const defaultCacheSize = 1024
// the entry is tied to the stored hash, so a password change takes effect at once: the TTL only bounds how long a
// success is remembered (a disabled account is the `verify` caller's lookup, which still runs on every request). A
// refresh re-verifies the same pair (the same stored hash), so it cannot bring back a password the user changed
const defaultCacheTtl = Duration.minutes(5)

/**
 * Options of {@link Verifier}.
 *
 * @since 0.2.0
 * @category models
 */
export interface VerifierOptions {
  /** How many accepted passwords to remember: 1024 unless given; 0 remembers none. */
  readonly cacheSize?: number | undefined
  /**
   * How long an accepted password is remembered: 5 minutes unless given. A request in the last fifth of that is
   * answered from memory and re-verifies the password in the background, once, to extend it.
   */
  readonly cacheTtl?: Duration.DurationInput | undefined
  /** How many hashes may run at once: one per core, at most the libuv thread pool's size less one, unless given. */
  readonly concurrency?: number | undefined
  /** How many checks may wait for a turn (beyond them: `ServiceUnavailable` at once): twice `concurrency` unless given. */
  readonly queue?: number | undefined
}

const count = (name: string, value: number | undefined, fallback: number, min: number): number => {
  const n = value ?? fallback
  if (!Number.isInteger(n) || n < min) {
    throw new TypeError(`Password.Verifier: \`${name}\` must be an integer >= ${min}`)
  }
  return n
}

/**
 * @since 0.2.0
 */
export declare namespace Verifier {
  /**
   * A {@link verify} for servers: it remembers the passwords it accepted for a while, and bounds the hashing it does
   * at once.
   *
   * @since 0.2.0
   * @category models
   */
  export interface Service {
    /**
     * {@link verify}, answered from memory for a password accepted lately against the same stored hash, and
     * `ServiceUnavailable` (503, `Retry-After: 1`) at once when too many checks are running or waiting.
     */
    readonly verify: (
      password: string | Redacted.Redacted<string>,
      stored: string
    ) => Effect.Effect<boolean, ServiceUnavailable>
  }
}

/**
 * Checks passwords for a server, where every request may carry one (HTTP Basic): a client that sends the right
 * password on every request pays for one hash per `cacheTtl`, not per request, and made-up credentials cannot take
 * more than `concurrency` threads, or queue up without end. Make one per process and share it: its bound is the
 * machine's.
 *
 * What it remembers is an HMAC, under a key drawn at random when it is made, of the stored hash and the password:
 * never the password, nor anything that can be checked offline against one. Since the stored hash carries its own
 * salt, a password change (a new stored hash) is never answered from memory. Wrong passwords are not remembered, so
 * a flood of them cannot push the right ones out.
 *
 * A remembered password is re-verified ahead of its expiry: the first request in the last fifth of `cacheTtl` starts
 * one hash in the background and is answered from memory, as are the client's other requests meanwhile; its success
 * extends the entry, so a client that keeps coming never waits for a hash again.
 *
 * @since 0.2.0
 * @category tags
 */
export class Verifier extends Context.Tag("effect-auth/Password/Verifier")<Verifier, Verifier.Service>() {
  /**
   * A verifier (options are checked here: a wrong one is a defect).
   *
   * @since 0.2.0
   * @category constructors
   */
  static make(options?: VerifierOptions): Effect.Effect<Verifier.Service> {
    return Effect.suspend(() => {
      const concurrency = count("concurrency", options?.concurrency, defaultConcurrency, 1)
      return Effect.map(
        internal.make(verify, {
          cacheSize: count("cacheSize", options?.cacheSize, defaultCacheSize, 0),
          cacheTtlMillis: Duration.toMillis(Duration.decode(options?.cacheTtl ?? defaultCacheTtl)),
          concurrency,
          queue: count("queue", options?.queue, queuePerHash * concurrency, 0)
        }),
        (verify) => Verifier.of({ verify })
      )
    })
  }

  /**
   * A verifier as a Layer, to share one per process.
   *
   * @since 0.2.0
   * @category layers
   */
  static layer(options?: VerifierOptions): Layer.Layer<Verifier> {
    return Layer.effect(Verifier, Verifier.make(options))
  }
}
