/**
 * Throttling failed logins, with OWASP's device cookies: a client that logged in as a user before (it holds a device
 * cookie for that username) has a budget of its own, which nobody else's failures touch; every other client shares a
 * per-username budget, however many addresses it uses, and per-address budgets (IPv6 by /64, /56 and /48). Past a
 * budget, attempts are refused with 429 before any password is hashed. Basic's `throttle` option and a login form's
 * handler ({@link make}) count in the same `ThrottleStore`, so a guesser gains nothing by switching from one to the
 * other.
 *
 * @since 1.0.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Layer from "effect/Layer"
import type * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"
import type { ServiceUnavailable, TooManyRequests } from "./AuthenticationError.js"
import * as internal from "./internal/throttle.js"
import * as memory from "./internal/throttleStore.js"
import { StoreError } from "./StoreError.js"

/**
 * The attempts counted against a key in its current window, and when that window ends (epoch milliseconds).
 *
 * @since 1.0.0
 * @category models
 */
export interface Count {
  readonly count: number
  readonly resetAt: number
}

/**
 * A throttle store could not be read or written (a database down, a query refused). It carries no HTTP status: the
 * guard logs it and answers `ServiceUnavailable` (503, `Retry-After`), never a refusal of the credentials.
 *
 * @since 1.0.0
 * @category errors
 */
export class ThrottleStoreError extends StoreError("ThrottleStoreError") {}

/**
 * @since 1.0.0
 */
export declare namespace ThrottleStore {
  /**
   * Where failures are counted: in memory for one process, or in a database shared by several.
   *
   * @since 1.0.0
   * @category models
   */
  export interface Service {
    /**
     * Counts one attempt against `key`, before it is checked: a window of `window` opens at the first attempt after
     * the last one closed (a fixed window). Answers the count in the window, this attempt included, and when the
     * window ends. Atomic, if shared: of N attempts at once, each sees a different count.
     */
    readonly hit: (key: string, window: Duration.Duration) => Effect.Effect<Count, ThrottleStoreError>
    /**
     * Takes back one attempt counted by `hit` that turned out not to be a failure (a success, a server fault, an
     * attempt refused by another key): the count goes down by one in the open window, never below 0. Atomic too.
     *
     * @since 1.0.0
     */
    readonly release: (key: string) => Effect.Effect<void, ThrottleStoreError>
    /** The attempts counted against `key` in its open window: `{ count: 0 }` when none is open. */
    readonly get: (key: string) => Effect.Effect<Count, ThrottleStoreError>
    /** Forgets `key`'s count (a device's failures, once it logs in). */
    readonly reset: (key: string) => Effect.Effect<void, ThrottleStoreError>
  }

  /**
   * @since 1.0.0
   * @category models
   */
  export interface MemoryOptions {
    /** The keys kept at most (100,000 unless given): beyond, the key hit least recently is forgotten first. */
    readonly maxKeys?: number | undefined
  }
}

/**
 * The store of failure counts the throttle uses.
 *
 * @since 1.0.0
 * @category services
 */
export class ThrottleStore
  extends Context.Service<ThrottleStore, ThrottleStore.Service>()("effect-auth/ThrottleStore")
{
  /**
   * A store in this process's memory, holding at most `maxKeys` keys (100,000 unless given): beyond, the key hit
   * least recently is forgotten first. For one process: several instances behind a load balancer each count their
   * own.
   *
   * @since 1.0.0
   * @category constructors
   */
  static makeMemory(options?: ThrottleStore.MemoryOptions): Effect.Effect<ThrottleStore.Service> {
    return memory.make(options)
  }

  /**
   * {@link ThrottleStore.makeMemory} as a Layer.
   *
   * @since 1.0.0
   * @category layers
   */
  static layerMemory(options?: ThrottleStore.MemoryOptions): Layer.Layer<ThrottleStore> {
    return Layer.effect(ThrottleStore, ThrottleStore.makeMemory(options))
  }
}

/**
 * The device cookie a successful form login sets (`Login.throttled`): a signed, username-bound proof that this
 * browser logged in as that user before, which gives it a failure budget of its own.
 *
 * @since 1.0.0
 * @category models
 */
export interface DeviceCookieOptions {
  /**
   * The key its HMAC-SHA256 is signed with, 32 bytes or more (fewer throws when the guard is made): random per
   * process unless given. Instances behind one site, and Basic's `throttle` beside a form's guard, share one.
   */
  readonly secret?: Redacted.Redacted<string> | undefined
  /** The cookie's name (default `"device"`); over HTTPS it gets the `__Host-` prefix (`Secure`, `Path=/`). */
  readonly cookieName?: string | undefined
  /** How long a device cookie is honoured (default 90 days): each successful login sets a new one. */
  readonly maxAge?: Duration.Input | undefined
  /** `Secure` and `__Host-`: `"auto"` (the default) over HTTPS only, or always, or never. */
  readonly secure?: boolean | "auto" | undefined
}

/**
 * How many failures are allowed before attempts are refused. Every attempt is counted before it is checked (and
 * taken back when it succeeds), so that N attempts at once run at most the limit's checks.
 *
 * @since 1.0.0
 * @category models
 */
export interface Options {
  /**
   * Failures allowed per username, in a window, to clients without a valid device cookie for it: 10 unless given.
   * Beyond, the name is locked for all of them, from any address (a guesser gains nothing from more addresses);
   * a client with a device cookie for the name keeps its own budget ({@link Options.device}).
   */
  readonly username?: number | undefined
  /**
   * Failures allowed per client address in a window, to clients without a valid device cookie: 50 unless given
   * (several users may share an address behind a NAT). IPv4 counts per address, IPv6 per /64, the block one host
   * usually holds; the wider IPv6 blocks have their own limits ({@link Options.prefix56}, {@link Options.prefix48}).
   */
  readonly address?: number | undefined
  /**
   * Failures allowed per IPv6 /56 (the block a subscriber is often given whole, 256 /64s), to clients without a
   * valid device cookie: 100 unless given.
   *
   * @since 1.0.0
   */
  readonly prefix56?: number | undefined
  /**
   * Failures allowed per IPv6 /48 (a site's block, 65,536 /64s), to clients without a valid device cookie: 200
   * unless given.
   *
   * @since 1.0.0
   */
  readonly prefix48?: number | undefined
  /**
   * Failures allowed per device cookie in a window: 10 unless given. Beyond, that cookie counts as none until the
   * window ends; its successful login forgets its failures.
   *
   * @since 1.0.0
   */
  readonly device?: number | undefined
  /** The window: 15 minutes unless given, from the first failure. */
  readonly window?: Duration.Input | undefined
  /**
   * The device cookies the guard honours (and `Login.throttled` sets): on unless `false`, with a key random per
   * process unless given.
   *
   * @since 1.0.0
   */
  readonly deviceCookie?: DeviceCookieOptions | false | undefined
}

/**
 * Who makes a login attempt: the client's address (`request.remoteAddress`; `None` counts against no address) and
 * the device cookie it presented, as sent (the guard checks it: a forged, expired or other user's cookie is none).
 *
 * @since 1.0.0
 * @category models
 */
export interface Client {
  readonly address: Option.Option<string>
  readonly deviceCookie?: string | undefined
}

/**
 * A guard's device cookies, for the code that sees the request (`Login.throttled`, Basic).
 *
 * @since 1.0.0
 * @category models
 */
export interface DeviceCookie {
  /** The device cookie the request presents, unchecked. */
  readonly read: (request: HttpServerRequest.HttpServerRequest) => Option.Option<string>
  /** `response` with a new device cookie for `username`, named and flagged for the request (HTTPS or not). */
  readonly set: (
    request: HttpServerRequest.HttpServerRequest,
    response: HttpServerResponse.HttpServerResponse,
    username: string
  ) => Effect.Effect<HttpServerResponse.HttpServerResponse>
}

/**
 * One login attempt through the throttle. A client with a valid device cookie for `username` counts against that
 * cookie only, and is never refused because of failures by others, or from its address. Any other client counts
 * against the username and its address (IPv6: its /64, /56 and /48). The attempt is counted before it runs and
 * refused with `TooManyRequests` (429, `Retry-After`) when that goes past a limit, before `attempt` runs; it stays
 * counted when `attempt` fails (`None`, or an `AuthenticationError`), and is taken back when it succeeds or a
 * `ServiceUnavailable` (the store or the password check is down) or another error ends it. A success with a device
 * cookie forgets that cookie's failures; it never forgets others' failures for the username. The second argument
 * may be the address alone.
 *
 * @since 1.0.0
 * @category models
 */
export interface Guard {
  <A, E, R>(
    username: string,
    client: Client | Option.Option<string>,
    attempt: Effect.Effect<Option.Option<A>, E, R>
  ): Effect.Effect<Option.Option<A>, E | TooManyRequests | ServiceUnavailable, R>
  /**
   * The device cookies this guard honours, `None` with `deviceCookie: false`.
   *
   * @since 1.0.0
   */
  readonly deviceCookie: Option.Option<DeviceCookie>
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
 * @since 1.0.0
 * @category constructors
 */
export const make = (options?: Options): Effect.Effect<Guard, never, ThrottleStore> =>
  ThrottleStore.useSync((store) => internal.make(options, store))
