import * as PasswordHash from "@effect-auth/core/PasswordHash"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Exit from "effect/Exit"
import type * as Redacted from "effect/Redacted"
import * as Semaphore from "effect/Semaphore"
import { availableParallelism } from "node:os"
import { ServiceUnavailable } from "../AuthenticationError.js"
import type { VerifierOptions } from "../Password.js"
import { reveal } from "./password.js"

/**
 * What a verifier is made of, all resolved (no defaults left).
 */
export interface Settings {
  readonly cacheSize: number
  readonly cacheTtlMillis: number
  readonly concurrency: number
  readonly queue: number
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

const count = (name: string, value: number | undefined, fallback: number, min: number): number => {
  const n = value ?? fallback
  if (!Number.isInteger(n) || n < min) {
    throw new TypeError(`Password.Verifier: \`${name}\` must be an integer >= ${min}`)
  }
  return n
}

/**
 * The settings of `Password.Verifier.make(options)`, defaults filled in. Throws a `TypeError` for a count that is not
 * an integer at least its minimum (a bug in the caller: a defect where `make` runs this).
 */
export const settings = (options: VerifierOptions | undefined): Settings => {
  const concurrency = count("concurrency", options?.concurrency, defaultConcurrency, 1)
  return {
    cacheSize: count("cacheSize", options?.cacheSize, defaultCacheSize, 0),
    cacheTtlMillis: Duration.toMillis(Duration.fromInputUnsafe(options?.cacheTtl ?? defaultCacheTtl)),
    concurrency,
    queue: count("queue", options?.queue, queuePerHash * concurrency, 0)
  }
}

/**
 * An entry is re-verified ahead of its expiry once a request finds it in the last `1 / refreshFraction` of its life
 * (the last minute of the default 5): a client that comes back at least that often never waits for a hash again.
 */
export const refreshFraction = 5

/** A remembered success: until when, and the insertion count when it was last put at the back of the order. */
interface Remembered {
  expiry: number
  insertion: number
}

const accepted = Effect.succeed(true)
const refused = Effect.succeed(false)

/**
 * A password check that remembers what it accepted, and runs at most `concurrency` checks at once with at most
 * `queue` more waiting; beyond that it fails at once with `ServiceUnavailable`.
 *
 * The memory: an entry is a keyed SHA-256, under a key drawn for this verifier (`PasswordHash.memoryKey`), of the
 * stored hash and the password, so that neither a password nor anything that can be checked offline against one is
 * kept; the stored hash holds its own salt, so an entry is valid for one account and one password of it, and a new
 * stored hash (a password change) never finds the old entry. Only successes are remembered: a flood of wrong
 * passwords can neither be answered from memory nor push the right ones out. Entries live `cacheTtlMillis` and at
 * most `cacheSize` of them, the least recently used going first: a use moves an entry to the back of the order only
 * once it has fallen to the older half (see `recent`), so an entry used within the last `cacheSize / 2` insertions is
 * never the one to go, and a hit seldom reorders anything.
 *
 * Refresh ahead: the first request that finds its entry in the last `1 / refreshFraction` of its life is answered
 * from memory and starts one check of the same pair in the background; the pair's other requests are answered from
 * memory meanwhile. Its success extends the entry (from when it started), if the entry is still there: a refresh
 * never puts back an entry that went meanwhile; its refusal drops the entry. Hashing at its bound skips the refresh
 * (a later request starts it). Past the expiry, a request waits for the refresh under way, or starts a hash that the
 * pair's other requests share.
 */
export const make = (
  check: (password: string | Redacted.Redacted<string>, stored: string) => Effect.Effect<boolean>,
  settings: Settings
): Effect.Effect<
  (password: string | Redacted.Redacted<string>, stored: string) => Effect.Effect<boolean, ServiceUnavailable>
> =>
  Effect.map(Semaphore.make(settings.concurrency), (semaphore) => {
    const entryFor = PasswordHash.memoryKey() // its key is drawn here, for this verifier alone, and never leaves it
    // entry -> its expiry and when it was last put at the back; insertion order is (nearly) recency order
    const cache = new Map<string, Remembered>()
    let insertions = 0
    // an entry put back fewer than this many insertions ago is in the newer half of the order, and stays where it is:
    // moving a Map key to the back is a delete and a set, which V8's Map makes cost in proportion to its size when one
    // key churns (about 2 µs a hit with 1000 entries, measured). An entry used within the last `recent`
    // insertions is never the one to go: it can reach the front only after `cacheSize - recent + 1` more insertions
    const recent = Math.max(1, Math.floor(settings.cacheSize / 2))
    // entry -> the hash under way for that pair: a first check, or the refresh of a remembered entry
    const inflight = new Map<string, Deferred.Deferred<boolean, ServiceUnavailable>>()
    const capacity = settings.concurrency + settings.queue
    const margin = settings.cacheTtlMillis / refreshFraction
    let pending = 0 // checks running or waiting for a turn
    const busy = new ServiceUnavailable({ reason: "too many password checks at once", retryAfter: 1 })
    const release = Effect.sync(() => {
      pending--
    })

    const toBack = (entry: string, remembered: Remembered) => {
      cache.delete(entry)
      cache.set(entry, remembered)
      remembered.insertion = ++insertions
      // Map iterates in insertion order: the first key is the least recently used
      if (cache.size > settings.cacheSize) cache.delete(cache.keys().next().value!)
    }
    // a use: to the back only once it has fallen to the older half
    const use = (entry: string, remembered: Remembered) => {
      if (insertions - remembered.insertion >= recent) toBack(entry, remembered)
    }

    const hashed = (password: string | Redacted.Redacted<string>, stored: string) =>
      Effect.suspend(() => {
        if (pending >= capacity) return Effect.fail(busy)
        pending++
        return Effect.ensuring(semaphore.withPermits(1)(check(password, stored)), release)
      })

    if (settings.cacheSize === 0) return hashed

    // the end of a pair's hash, started at `startedAt`: a success is remembered from then (a refresh extends the entry
    // only if it is still there), a refusal drops the entry, a 503 or a defect changes nothing (an entry lives on
    // until its expiry, and a later request refreshes it)
    const settle = (
      entry: string,
      exit: Exit.Exit<boolean, ServiceUnavailable>,
      startedAt: number,
      refresh: boolean
    ) => {
      inflight.delete(entry)
      if (exit._tag === "Failure") return
      if (!exit.value) cache.delete(entry)
      else {
        const expiry = startedAt + settings.cacheTtlMillis
        const remembered = cache.get(entry)
        if (remembered !== undefined) {
          remembered.expiry = expiry
          use(entry, remembered)
        } else if (!refresh) toBack(entry, { expiry, insertion: 0 })
      }
    }

    // the pair's one hash, registered so that its other checks wait for it rather than start another
    const start = (
      entry: string,
      password: string | Redacted.Redacted<string>,
      stored: string,
      startedAt: number,
      refresh: boolean
    ) => {
      const done = Deferred.makeUnsafe<boolean, ServiceUnavailable>()
      inflight.set(entry, done)
      const hash = Effect.onExit(hashed(password, stored), (exit) =>
        Effect.andThen(
          Effect.sync(() => settle(entry, exit, startedAt, refresh)),
          Deferred.done(done, exit)
        ))
      // a daemon, on its own fiber: it must outlive the request that started it (a refresh answers that request at
      // once; a first check is shared by the client's other requests, which a client going away must not leave
      // waiting). The verifier has no scope to fork it in (`make` is an Effect apps run in `Layer.effect`), and the
      // fiber is bounded: one hash, at most one per pair at a time, counted in `concurrency` + `queue`
      return Effect.as(Effect.forkDetach(hash), done)
    }

    // one step per request: the clock read in place (the fiber's own Clock, so a TestClock still governs it)
    return (password, stored) =>
      Effect.clockWith((clock) => {
        const raw = reveal(password)
        // what `verify` refuses unread (NUL, a lone surrogate) is refused here too, before it can meet an entry: in
        // UTF-8 a lone surrogate reads as U+FFFD, so `pw\uD800` would find the entry of a right `pw\uFFFD`
        if (PasswordHash.refusal(raw) !== undefined) return refused
        const now = clock.currentTimeMillisUnsafe()
        const entry = entryFor(stored, raw)
        const remembered = cache.get(entry)
        if (remembered !== undefined && remembered.expiry > now) {
          use(entry, remembered) // its recency, not its lifetime
          const expiry = remembered.expiry
          // far from its expiry (nearly always): a comparison, nothing more
          if (expiry - now > margin || pending >= capacity || inflight.has(entry)) return accepted
          return Effect.as(start(entry, password, stored, now, true), true)
        }
        // the same pair already being hashed (a client's parallel first requests, or the refresh of its expired
        // entry): wait for that hash, do not start another, so that one login costs one hash however many requests
        // it comes with
        const running = inflight.get(entry)
        if (running !== undefined) return Deferred.await(running)
        if (remembered !== undefined) cache.delete(entry)
        return Effect.flatMap(start(entry, password, stored, now, false), Deferred.await)
      })
  })
