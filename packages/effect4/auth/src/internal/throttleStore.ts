import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { Count, ThrottleStore } from "../Throttle.js"

const none: Count = { count: 0, resetAt: 0 }

// 100,000 keys of about 100 bytes: about 10 MB at most, whatever number of usernames and addresses a flood uses
const defaultMaxKeys = 100_000

/** The throttle store in this process's memory (see `ThrottleStore.makeMemory`). */
export const make = (options?: ThrottleStore.MemoryOptions): Effect.Effect<ThrottleStore.Service> =>
  Effect.sync(() => {
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
    const service: ThrottleStore.Service = {
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
      release: (key) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          const current = open(key, now)
          if (current === undefined) return
          if (current.count <= 1) counts.delete(key)
          else counts.set(key, { count: current.count - 1, resetAt: current.resetAt })
        }),
      get: (key) => Effect.map(Clock.currentTimeMillis, (now) => open(key, now) ?? none),
      reset: (key) =>
        Effect.sync(() => {
          counts.delete(key)
        })
    }
    return service
  })
