import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as FiberId from "effect/FiberId"
import * as Redacted from "effect/Redacted"
import { createHmac, randomBytes } from "node:crypto"
import { ServiceUnavailable } from "../AuthenticationError.js"

/**
 * What a verifier is made of, all resolved (no defaults left).
 */
export interface Settings {
  readonly cacheSize: number
  readonly cacheTtlMillis: number
  readonly concurrency: number
  readonly queue: number
}

/**
 * A password check that remembers what it accepted, and runs at most `concurrency` checks at once with at most
 * `queue` more waiting; beyond that it fails at once with `ServiceUnavailable`.
 *
 * The memory: an entry is the HMAC, under a key drawn for this verifier, of the stored hash and the password, so
 * that neither a password nor anything that can be checked offline against one is kept; the stored hash holds its
 * own salt, so an entry is valid for one account and one password of it, and a new stored hash (a password change)
 * never finds the old entry. Only successes are remembered: a flood of wrong passwords can neither be answered from
 * memory nor push the right ones out. Entries live `cacheTtlMillis` and at most `cacheSize` of them, the least
 * recently used going first.
 */
export const make = (
  check: (password: string | Redacted.Redacted<string>, stored: string) => Effect.Effect<boolean>,
  settings: Settings
): Effect.Effect<
  (password: string | Redacted.Redacted<string>, stored: string) => Effect.Effect<boolean, ServiceUnavailable>
> =>
  Effect.map(Effect.makeSemaphore(settings.concurrency), (semaphore) => {
    const key = randomBytes(32)
    const cache = new Map<string, number>() // HMAC -> expiry (epoch ms); insertion order is recency order
    const inflight = new Map<string, Deferred.Deferred<boolean, ServiceUnavailable>>() // HMAC -> the hash under way
    const capacity = settings.concurrency + settings.queue
    let pending = 0 // checks running or waiting for a turn
    const busy = new ServiceUnavailable({ reason: "too many password checks at once", retryAfter: 1 })
    const release = Effect.sync(() => {
      pending--
    })

    const entryFor = (password: string | Redacted.Redacted<string>, stored: string): string =>
      createHmac("sha256", key)
        // the stored hash has no NUL and a fixed shape: the separator keeps (stored, password) pairs apart
        .update(stored).update("\0")
        .update(typeof password === "string" ? password : Redacted.value(password), "utf8")
        .digest("base64")

    const put = (entry: string, expiry: number) => {
      cache.delete(entry)
      cache.set(entry, expiry)
      // Map iterates in insertion order: the first key is the least recently used
      if (cache.size > settings.cacheSize) cache.delete(cache.keys().next().value!)
    }

    const hashed = (password: string | Redacted.Redacted<string>, stored: string) =>
      Effect.suspend(() => {
        if (pending >= capacity) return Effect.fail(busy)
        pending++
        return Effect.ensuring(semaphore.withPermits(1)(check(password, stored)), release)
      })

    if (settings.cacheSize === 0) return hashed

    return (password, stored) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const entry = entryFor(password, stored)
        const expiry = cache.get(entry)
        if (expiry !== undefined) {
          if (expiry > now) {
            put(entry, expiry) // refreshes its recency, not its lifetime
            return Effect.succeed(true)
          }
          cache.delete(entry)
        }
        // the same pair already being hashed (a client's parallel first requests): wait for that hash, do not start
        // another, so that one login costs one hash however many requests it comes with
        const running = inflight.get(entry)
        if (running !== undefined) return Deferred.await(running)
        const done = Deferred.unsafeMake<boolean, ServiceUnavailable>(FiberId.none)
        inflight.set(entry, done)
        const hash = Effect.onExit(hashed(password, stored), (exit) =>
          Effect.zipRight(
            Effect.sync(() => {
              inflight.delete(entry)
              if (exit._tag === "Success" && exit.value) put(entry, now + settings.cacheTtlMillis)
            }),
            Deferred.done(done, exit)
          ))
        // on its own fiber, so that a client that goes away does not leave the others waiting
        return Effect.zipRight(Effect.forkDaemon(hash), Deferred.await(done))
      })
  })
