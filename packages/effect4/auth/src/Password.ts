/**
 * Secrets without leaks: constant-time comparison, and password hashing with scrypt.
 *
 * @since 1.0.0
 */
import * as PasswordHash from "@effect-auth/core/PasswordHash"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import { timingSafeEqual } from "node:crypto"
import type { ServiceUnavailable } from "./AuthenticationError.js"
import { derive, reveal } from "./internal/password.js"
import * as internal from "./internal/verifier.js"

/**
 * Compares two secrets in constant time: the time taken depends on neither their contents nor their lengths
 * (both are hashed to the same length first). Any UTF-16 is compared as it is: a lone surrogate is not U+FFFD.
 *
 * @since 1.0.0
 * @category comparisons
 */
export const equals = (
  a: string | Redacted.Redacted<string>,
  b: string | Redacted.Redacted<string>
): boolean => PasswordHash.equals(reveal(a), reveal(b))

/**
 * Why {@link hash} refused a password: it contains NUL (U+0000), or it is not well-formed Unicode (a lone
 * surrogate). Either would hash the same as another password (see {@link hash}). It never leaves the process: an
 * app that hashes a password chosen by a user answers this with its own "password not allowed".
 *
 * @since 1.0.0
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

const refusal = (password: string): PasswordError | undefined => {
  const reason = PasswordHash.refusal(password)
  return reason === undefined ? undefined : new PasswordError({ reason })
}

/**
 * Options of {@link hash} and {@link needsRehash}.
 *
 * @since 1.0.0
 * @category models
 */
export interface Options {
  /**
   * log2 of scrypt's cost `N`, from 10 to 18: 17 (OWASP's minimum) unless given. Lower it for tests; raise it when
   * the hardware allows. r = 8 and p = 1 are fixed.
   */
  readonly logN?: number | undefined
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
 * @since 1.0.0
 * @category hashing
 */
export const hash = (
  password: string | Redacted.Redacted<string>,
  options?: Options
): Effect.Effect<string, PasswordError> =>
  Effect.suspend(() => {
    // a wrong option is a bug in the caller, not a bad password: thrown (a defect in `hash`)
    const logN = PasswordHash.logNOf(options?.logN)
    const raw = reveal(password)
    const refusedBecause = refusal(raw)
    if (refusedBecause !== undefined) return Effect.fail(refusedBecause)
    const salt = PasswordHash.salt()
    const { defaultP: p, defaultR: r, keyLength } = PasswordHash
    return Effect.map(
      // valid parameters (checked above): scrypt cannot refuse them
      Effect.orDie(derive(raw.normalize("NFKC"), salt, keyLength, logN, r, p)),
      (key) => PasswordHash.format({ logN, r, p, salt, key })
    )
  })

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
 * @since 1.0.0
 * @category hashing
 */
export const verify = (
  password: string | Redacted.Redacted<string>,
  stored: string
): Effect.Effect<boolean> =>
  Effect.suspend(() => {
    const parsed = PasswordHash.parse(stored)
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
 * @since 1.0.0
 * @category hashing
 */
export const needsRehash = (stored: string, options?: Options): boolean =>
  PasswordHash.needsRehash(stored, options?.logN)

/**
 * Options of {@link Verifier}.
 *
 * @since 1.0.0
 * @category models
 */
export interface VerifierOptions {
  /** How many accepted passwords to remember: 1024 unless given; 0 remembers none. */
  readonly cacheSize?: number | undefined
  /**
   * How long an accepted password is remembered: 5 minutes unless given. A request in the last fifth of that is
   * answered from memory and re-verifies the password in the background, once, to extend it.
   */
  readonly cacheTtl?: Duration.Input | undefined
  /** How many hashes may run at once: one per core, at most the libuv thread pool's size less one, unless given. */
  readonly concurrency?: number | undefined
  /** How many checks may wait for a turn (beyond them: `ServiceUnavailable` at once): twice `concurrency` unless given. */
  readonly queue?: number | undefined
}

/**
 * @since 1.0.0
 */
export declare namespace Verifier {
  /**
   * A {@link verify} for servers: it remembers the passwords it accepted for a while, and bounds the hashing it does
   * at once.
   *
   * @since 1.0.0
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
 * What it remembers is a keyed SHA-256, under a key drawn at random when it is made and never exposed, of the
 * stored hash and the password: never the password, nor anything that can be checked offline against one. Since the
 * stored hash carries its own salt, a password change (a new stored hash) is never answered from memory. Wrong
 * passwords are not remembered, so a flood of them cannot push the right ones out; a password {@link verify} refuses
 * unread (NUL, a lone surrogate) is refused before the memory is looked at.
 *
 * A remembered password is re-verified ahead of its expiry: the first request in the last fifth of `cacheTtl` starts
 * one hash in the background and is answered from memory, as are the client's other requests meanwhile; its success
 * extends the entry, so a client that keeps coming never waits for a hash again.
 *
 * @since 1.0.0
 * @category services
 */
export class Verifier extends Context.Service<Verifier, Verifier.Service>()("effect-auth/Password/Verifier") {
  /**
   * A verifier (options are checked here: a wrong one is a defect).
   *
   * @since 1.0.0
   * @category constructors
   */
  static make(options?: VerifierOptions): Effect.Effect<Verifier.Service> {
    return Effect.suspend(() =>
      Effect.map(internal.make(verify, internal.settings(options)), (verify) => Verifier.of({ verify }))
    )
  }

  /**
   * A verifier as a Layer, to share one per process.
   *
   * @since 1.0.0
   * @category layers
   */
  static layer(options?: VerifierOptions): Layer.Layer<Verifier> {
    return Layer.effect(Verifier, Verifier.make(options))
  }
}
