/**
 * The throttle's reservations in SQL: `release` takes back one attempt and never goes below 0, and a guard on two
 * connections (SQLite: two connections to one file; PostgreSQL: two instances) runs at most its limit of checks for
 * many wrong passwords sent at once. PostgreSQL is skipped without `DATABASE_URL`.
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer, Option, TestClock } from "effect"
import { ThrottleStore } from "effect-auth/Throttle"
import * as Throttle from "effect-auth/Throttle"
import { randomUUID } from "node:crypto"
import { pg, skipPg, sqlite, tempFile } from "./utils/stores.js"

const window = Duration.minutes(15)

const releases = (store: ThrottleStore.Service) =>
  Effect.gen(function*() {
    const key = `u:release-${randomUUID()}`
    yield* store.release(key) // nothing to take back: no row, no error
    assert.strictEqual((yield* store.get(key)).count, 0)
    for (let i = 0; i < 3; i++) yield* store.hit(key, window)
    yield* Effect.all([store.release(key), store.release(key)], { concurrency: "unbounded" })
    assert.strictEqual((yield* store.get(key)).count, 1)
    yield* Effect.all([store.release(key), store.release(key), store.release(key)], { concurrency: "unbounded" })
    assert.strictEqual((yield* store.get(key)).count, 0)
    // the next hit counts from 0 again, in the same window
    assert.strictEqual((yield* store.hit(key, window)).count, 1)
  })

// 90 wrong passwords at once, half through each instance's guard: each check is counted as it starts
const parallelGuesses = (a: Context.Context<ThrottleStore>, b: Context.Context<ThrottleStore>) =>
  Effect.gen(function*() {
    const limit = 10
    const [guardA, guardB] = yield* Effect.all([
      Throttle.make({ username: limit }).pipe(Effect.provide(a)),
      Throttle.make({ username: limit }).pipe(Effect.provide(b))
    ])
    const username = `victim-${randomUUID()}`
    let checks = 0
    // a check that takes a while, so that the 90 overlap
    const wrong = Effect.zipRight(
      Effect.sync(() => checks++),
      Effect.as(Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20))), Option.none<string>())
    )
    const outcomes = yield* Effect.all(
      Array.from(
        { length: 90 },
        (_, i) => Effect.either((i % 2 === 0 ? guardA : guardB)(username, Option.some(`10.0.${i}.1`), wrong))
      ),
      { concurrency: "unbounded" }
    )
    assert.isAtMost(checks, limit)
    assert.strictEqual(checks, limit) // none refused early: each address is fresh, the username's budget decides
    assert.strictEqual(outcomes.filter((outcome) => outcome._tag === "Left").length, 90 - limit)
  })

describe("SqlThrottleStore in SQLite: reservations", () => {
  it.scoped("release takes back one attempt, at once too, never below 0", () =>
    Effect.gen(function*() {
      const filename = yield* tempFile
      yield* Effect.flatMap(ThrottleStore, releases).pipe(Effect.provide(sqlite(filename)))
    }))

  it.scoped("a release after the window closed changes nothing", () =>
    Effect.gen(function*() {
      const filename = yield* tempFile
      yield* Effect.gen(function*() {
        const store = yield* ThrottleStore
        yield* store.hit("k", Duration.minutes(1))
        yield* TestClock.adjust("1 minute")
        yield* store.release("k")
        assert.deepStrictEqual(yield* store.hit("k", Duration.minutes(1)), { count: 1, resetAt: 120_000 })
      }).pipe(Effect.provide(sqlite(filename)))
    }))

  it.live(
    "90 wrong passwords at once through two connections run at most the limit's checks",
    () =>
      Effect.gen(function*() {
        const filename = yield* tempFile
        const a = yield* Layer.build(sqlite(filename))
        const b = yield* Layer.build(sqlite(filename))
        yield* parallelGuesses(a, b)
      }).pipe(Effect.scoped),
    60_000
  )
})

describe.skipIf(skipPg)("SqlThrottleStore in PostgreSQL: reservations", () => {
  const channel = "effect_auth_test_throttle"

  it.scoped("release takes back one attempt, at once too, never below 0", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(pg(channel))
      yield* releases(Context.get(context, ThrottleStore))
    }))

  it.live(
    "90 wrong passwords at once through two instances run at most the limit's checks",
    () =>
      Effect.gen(function*() {
        const a = yield* Layer.build(pg(channel))
        const b = yield* Layer.build(pg(channel))
        yield* parallelGuesses(a, b)
      }).pipe(Effect.scoped),
    60_000
  )
})
