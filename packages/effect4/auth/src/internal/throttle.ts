import * as deviceCookie from "@effect-auth/core/DeviceCookie"
import * as Signing from "@effect-auth/core/Signing"
import type { Prefix } from "@effect-auth/core/ThrottleKey"
import { addressKeys, usernameKey } from "@effect-auth/core/ThrottleKey"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import type { KeyObject } from "node:crypto"
import type { ServiceUnavailable } from "../AuthenticationError.js"
import { isAuthenticationError, TooManyRequests } from "../AuthenticationError.js"
import type { Client, Count, DeviceCookie, Guard, Options, ThrottleStore } from "../Throttle.js"
import * as cookieJar from "./cookieJar.js"
import { storeFailure } from "./storeFailure.js"

// OWASP's Authentication Cheat Sheet leaves the numbers to the app; these let a person mistype a password several
// times, and a few people behind one NAT do so, while a guesser gets 10 tries per name per quarter hour, whatever
// number of addresses it has, and 50 per address. An IPv6 guesser with a whole /48 (65,536 /64s) gets 200 across
// it, and a known device (a device cookie) 10 of its own
const defaultUsername = 10
const defaultAddress = 50
const defaultPrefix56 = 100
const defaultPrefix48 = 200
const defaultDevice = 10
const defaultWindow = Duration.minutes(15)
// a device that logs in now and then stays known; each login sets a new cookie
const defaultMaxAge = Duration.days(90)

// the key of guards made without a secret: one per process, so that Basic's guard and a form's honour each other's
// cookies (instances behind one site need a secret of their own)
let processKey: KeyObject | undefined
const keyOf = (secret: Redacted.Redacted<string> | undefined): KeyObject =>
  secret === undefined
    ? processKey ??= Signing.randomKey()
    : Signing.secretKey(Redacted.value(secret), "Throttle: the device cookie's secret")

const positive = (name: string, n: number): number => {
  if (!Number.isInteger(n) || n < 1) throw new TypeError(`Throttle: \`${name}\` must be a positive integer`)
  return n
}

interface Budget {
  readonly key: string
  readonly limit: number
  readonly what: string
}

const refusal = (budget: Budget, count: Count, now: number) =>
  new TooManyRequests({
    reason: `too many failed attempts for this ${budget.what}`,
    // from the clock and the window's end alone: the same answer on a busy machine
    retryAfter: Math.max(1, Math.ceil((count.resetAt - now) / 1000))
  })

const makeDeviceCookie = (options: Exclude<Options["deviceCookie"], false>, now: Effect.Effect<number>) => {
  const key = keyOf(options?.secret)
  const maxAge = Duration.fromInputUnsafe(options?.maxAge ?? defaultMaxAge)
  const maxAgeMillis = Duration.toMillis(maxAge)
  if (!(maxAgeMillis > 0) || !Number.isFinite(maxAgeMillis)) throw new TypeError("Throttle: `maxAge` must be finite")
  const jar = cookieJar.make({
    owner: "Throttle",
    name: options?.cookieName ?? "device",
    hostPrefix: true,
    secure: options?.secure ?? "auto",
    // the cookie is read by the login form's POST alone, a request of this site: `Strict` costs nothing
    sameSite: "strict",
    path: "/",
    maxAge
  })
  const cookie: DeviceCookie = {
    read: (request) => Option.fromNullishOr(jar.read(request)),
    set: (request, response, username) =>
      Effect.map(now, (millis) => jar.set(request, response, deviceCookie.sign(key, username, millis + maxAgeMillis)))
  }
  return { key, cookie }
}

/**
 * Wraps one login attempt (see `Throttle.Guard`): its budgets reserved before it runs, refused when one is spent,
 * kept as failures when it fails, taken back otherwise. Options are checked here, once.
 */
export const make = (options: Options | undefined, store: ThrottleStore.Service): Guard => {
  const username = positive("username", options?.username ?? defaultUsername)
  const limits: Record<Prefix, number> = {
    32: positive("address", options?.address ?? defaultAddress),
    64: positive("address", options?.address ?? defaultAddress),
    56: positive("prefix56", options?.prefix56 ?? defaultPrefix56),
    48: positive("prefix48", options?.prefix48 ?? defaultPrefix48)
  }
  const device = positive("device", options?.device ?? defaultDevice)
  const window = Duration.fromInputUnsafe(options?.window ?? defaultWindow)
  const devices = options?.deviceCookie === false
    ? undefined
    : makeDeviceCookie(options?.deviceCookie, Clock.currentTimeMillis)

  // the budgets an attempt spends: its device cookie's alone, or the username's and its address's
  const budgetsOf = (name: string, client: Client, now: number): ReadonlyArray<Budget> => {
    if (devices !== undefined && client.deviceCookie !== undefined) {
      const verified = deviceCookie.verify(devices.key, name, client.deviceCookie, now)
      if (verified._tag === "Valid") return [{ key: `d:${verified.nonce}`, limit: device, what: "device" }]
    }
    const user: Budget = { key: usernameKey(name), limit: username, what: "username" }
    if (client.address._tag === "None") return [user]
    return [
      ...addressKeys(client.address.value).map(({ key, prefix }) => ({ key, limit: limits[prefix], what: "address" })),
      user
    ]
  }
  // the store's own error is logged and answered 503 here, at the edge; made once
  const unavailable = storeFailure("ThrottleStore")
  const releaseAll = (budgets: ReadonlyArray<Budget>) =>
    Effect.forEach(budgets, (budget) => store.release(budget.key), { discard: true })

  const guard = <A, E, R>(
    name: string,
    from: Client | Option.Option<string>,
    attempt: Effect.Effect<Option.Option<A>, E, R>
  ): Effect.Effect<Option.Option<A>, E | TooManyRequests | ServiceUnavailable, R> =>
    Effect.uninterruptibleMask((restore) =>
      Effect.gen(function*() {
        const client: Client = Option.isOption(from) ? { address: from } : from
        const now = yield* Clock.currentTimeMillis
        const budgets = budgetsOf(name, client, now)
        // reserved first, atomically in the store: of N attempts at once, only those within the limits go on
        const counts = yield* restore(
          Effect.forEach(budgets, (budget) => Effect.result(store.hit(budget.key, window)))
        )
        const failed = counts.find(Result.isFailure)
        if (failed !== undefined) {
          yield* Effect.ignore(releaseAll(budgets.filter((_, i) => Result.isSuccess(counts[i]!))))
          return yield* unavailable(failed.failure)
        }
        const spent = budgets.findIndex((budget, i) => Result.getOrThrow(counts[i]!).count > budget.limit)
        if (spent !== -1) {
          // the other budgets are not spent by an attempt that never ran (a locked address must not lock names)
          yield* Effect.ignore(releaseAll(budgets.filter((_, i) => i !== spent)))
          return yield* Effect.fail(refusal(budgets[spent]!, Result.getOrThrow(counts[spent]!), now))
        }
        const result = yield* restore(attempt).pipe(
          Effect.onExit((exit) =>
            // a refused credential is a failure; a server fault, another error or an interruption is nobody's
            exit._tag === "Success" || Option.exists(Cause.findErrorOption(exit.cause), isAuthenticationError)
              ? Effect.void
              : Effect.ignore(releaseAll(budgets))
          )
        )
        if (result._tag === "Some") {
          // a success is no failure; with a device cookie it also forgets the device's failures (its holder knows
          // the password), never the failures others made against the username
          // (a store that fails now costs the user nothing: the count stays, the login stands)
          yield* Effect.ignore(
            budgets.length === 1 && budgets[0]!.what === "device" ? store.reset(budgets[0]!.key) : releaseAll(budgets)
          )
        }
        return result
      })
    )
  return Object.assign(guard, { deviceCookie: Option.fromNullishOr(devices?.cookie) })
}
