/**
 * Throttling failed logins: after too many failures for a username or from a client address in a window, further
 * attempts are refused with 429 before any password is hashed. Basic's `throttle` option and a login form's handler
 * ({@link make}) count in the same `ThrottleStore`, so a guesser gains nothing by switching from one to the other.
 *
 * @since 0.2.0
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type { ServiceUnavailable, TooManyRequests } from "./AuthenticationError.js"
import * as internal from "./internal/throttle.js"

/**
 * Too many failed attempts lately: 429 with `Retry-After` (defined with the other errors, in `effect-auth`).
 *
 * @since 0.2.0
 * @category errors
 */
export { isTooManyRequests, TooManyRequests } from "./AuthenticationError.js"

/**
 * The failures counted against a key in its current window, and when that window ends (epoch milliseconds).
 *
 * @since 0.2.0
 * @category models
 */
export interface Count {
  readonly count: number
  readonly resetAt: number
}

/**
 * @since 0.2.0
 */
export declare namespace ThrottleStore {
  /**
   * Where failures are counted: in memory for one process, or in a database shared by several.
   *
   * @since 0.2.0
   * @category models
   */
  export interface Service {
    /**
     * Counts one failure against `key`: a window of `window` opens at the first failure after the last one closed
     * (a fixed window). Answers the count so far in the window and when it ends. Atomic, if shared.
     */
    readonly hit: (key: string, window: Duration.Duration) => Effect.Effect<Count, ServiceUnavailable>
    /** The failures counted against `key` in its open window: `{ count: 0 }` when none is open. */
    readonly get: (key: string) => Effect.Effect<Count, ServiceUnavailable>
    /** Forgets `key`'s failures (a successful login). */
    readonly reset: (key: string) => Effect.Effect<void, ServiceUnavailable>
  }
}

const none: Count = { count: 0, resetAt: 0 }

// 100,000 keys of about 100 bytes: about 10 MB at most, whatever number of usernames and addresses a flood uses
const defaultMaxKeys = 100_000

/**
 * The store of failure counts the throttle uses.
 *
 * @since 0.2.0
 * @category tags
 */
export class ThrottleStore extends Context.Tag("effect-auth/ThrottleStore")<ThrottleStore, ThrottleStore.Service>() {
  /**
   * A store in this process's memory, holding at most `maxKeys` keys (100,000 unless given): beyond, the key hit
   * least recently is forgotten first. For one process: several instances behind a load balancer each count their
   * own.
   *
   * @since 0.2.0
   * @category constructors
   */
  static makeMemory(options?: { readonly maxKeys?: number | undefined }): Effect.Effect<ThrottleStore.Service> {
    return Effect.sync(() => {
      const maxKeys = options?.maxKeys ?? defaultMaxKeys
      if (!Number.isInteger(maxKeys) || maxKeys < 1) {
        throw new TypeError("ThrottleStore.makeMemory: `maxKeys` must be a positive integer")
      }
      // insertion order is recency order: a hit moves its key last, so the first key is the least recently hit
      const counts = new Map<string, Count>()
      const open = (key: string, now: number): Count | undefined => {
        const current = counts.get(key)
        if (current === undefined) return undefined
        if (current.resetAt > now) return current
        counts.delete(key)
        return undefined
      }
      return ThrottleStore.of({
        hit: (key, window) =>
          Effect.map(Clock.currentTimeMillis, (now) => {
            const current = open(key, now)
            const next: Count = current === undefined
              ? { count: 1, resetAt: now + Duration.toMillis(window) }
              : { count: current.count + 1, resetAt: current.resetAt }
            counts.delete(key)
            counts.set(key, next)
            if (counts.size > maxKeys) counts.delete(counts.keys().next().value!)
            return next
          }),
        get: (key) => Effect.map(Clock.currentTimeMillis, (now) => open(key, now) ?? none),
        reset: (key) =>
          Effect.sync(() => {
            counts.delete(key)
          })
      })
    })
  }

  /**
   * {@link ThrottleStore.makeMemory} as a Layer.
   *
   * @since 0.2.0
   * @category layers
   */
  static layerMemory(options?: { readonly maxKeys?: number | undefined }): Layer.Layer<ThrottleStore> {
    return Layer.effect(ThrottleStore, ThrottleStore.makeMemory(options))
  }
}

/**
 * How many failures are allowed before attempts are refused.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /**
   * Failures allowed per username in a window: 10 unless given. Beyond, the username's attempts are refused from
   * every address that has failed in the window; an address without failures may still try, so that nobody can
   * lock a user out by failing on purpose, while guessing from many addresses gets one try per address.
   */
  readonly username?: number | undefined
  /**
   * Failures allowed per client address in a window: 50 unless given (several users may share an address behind a
   * NAT). IPv6 addresses count per /64, the block one host usually holds.
   */
  readonly address?: number | undefined
  /** The window: 15 minutes unless given, from the first failure. */
  readonly window?: Duration.DurationInput | undefined
}

/**
 * One login attempt through the throttle: refused with `TooManyRequests` before `attempt` runs when the username or
 * the client address has failed too often in the window; counted against both when `attempt` fails (`None`, or an
 * `AuthenticationError`); the username's failures forgotten when it succeeds. A `ServiceUnavailable` (the store or
 * the password check is down) counts against nobody. `address` is the client's (`request.remoteAddress`): `None`
 * counts against the username only.
 *
 * @since 0.2.0
 * @category models
 */
export interface Guard {
  <A, E, R>(
    username: string,
    address: Option.Option<string>,
    attempt: Effect.Effect<Option.Option<A>, E, R>
  ): Effect.Effect<Option.Option<A>, E | TooManyRequests | ServiceUnavailable, R>
}

/**
 * A {@link Guard} counting in the `ThrottleStore` in context: what Basic's `throttle` option does to `verify`, for
 * a login form's handler (see `Login.throttled`). Options are checked here (a wrong one is a defect); make it once,
 * with the app's layers, not per request.
 *
 * @example
 * ```ts
 * import { Throttle } from "effect-auth"
 * import { Effect, Option } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const guard = yield* Throttle.make({ username: 5 })
 *   // a wrong password: None, counted against "alice" and the address
 *   return yield* guard("alice", Option.some("127.0.0.1"), Effect.succeedNone)
 * }).pipe(Effect.provide(Throttle.ThrottleStore.layerMemory()))
 * ```
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options?: Options): Effect.Effect<Guard, never, ThrottleStore> =>
  Effect.map(ThrottleStore, (store) => internal.make(options, store))
