/**
 * Two instances on one PostgreSQL database (two store layers in this process, one pool and one LISTEN connection
 * each): sessions, revocations, disabled users and throttles are shared, and a cached session costs no query.
 * Skipped, with a message, when `DATABASE_URL` is not set.
 */
import * as Pg from "@effect-auth/sql/Pg"
import { UserStore } from "@effect-auth/sql/UserStore"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Statement from "@effect/sql/Statement"
import { assert, describe, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer, Option, Redacted } from "effect"
import { SessionStore } from "effect-auth/SessionStore"
import { ThrottleStore } from "effect-auth/Throttle"
import { randomUUID } from "node:crypto"
import { databaseUrl, logN, pg, skipPg, statementCounter } from "./utils/stores.js"

const channel = "effect_auth_test_pg"
const session = (userId: string) => ({
  userId,
  scopes: ["authenticated"],
  idleTimeout: 3_600_000,
  absoluteTimeout: 7_200_000
})

// the wall clock: how long the other instance takes to hear of a revocation
const sinceMillis = (start: number) => Number(process.hrtime.bigint() - BigInt(start)) / 1e6
const nowNanos = () => Number(process.hrtime.bigint())

/** Polls `refused` on the other instance until it holds (2 s at most); answers the milliseconds it took. */
const timeUntil = (refused: Effect.Effect<boolean, unknown>) =>
  Effect.gen(function*() {
    const start = nowNanos()
    while (!(yield* refused)) {
      // the test's budget, not a bound on the delay: nothing but the notification refuses a cached session
      if (sinceMillis(start) > 30_000) return Infinity
      yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
    }
    return sinceMillis(start)
  })

describe.skipIf(skipPg)("two instances on one PostgreSQL", () => {
  const instances = Effect.gen(function*() {
    const a = yield* Layer.build(pg(channel))
    const b = yield* Layer.build(pg(channel))
    return [a, b] as const
  })

  it.scoped("a session made on A is valid on B; revoked on A, B refuses it at once; B's cached path asks nothing", () =>
    Effect.gen(function*() {
      const [a, b] = yield* instances
      const storeA = Context.get(a, SessionStore)
      const storeB = Context.get(b, SessionStore)
      const latencies: Array<number> = []
      let queries = 0
      const requests = 1_000
      for (let round = 0; round < 5; round++) {
        const [token] = yield* storeA.create(session(`pg-${randomUUID()}`))
        const value = Redacted.value(token)
        const first = statementCounter()
        assert.isTrue(Option.isSome(yield* storeB.authenticate(value).pipe(first.counting)), "valid on B")
        assert.strictEqual(first.count(), 1, "read once from the database (the counter counts), then cached")
        const counter = statementCounter()
        for (let i = 0; i < requests; i++) {
          assert.isTrue(Option.isSome(yield* storeB.authenticate(value).pipe(counter.counting)))
        }
        queries += counter.count()
        const [id] = SessionStore.parseToken(value)!
        const start = nowNanos()
        yield* storeA.revoke(id)
        const revokedOnA = sinceMillis(start)
        const heard = yield* timeUntil(Effect.map(storeB.authenticate(value), Option.isNone))
        latencies.push(revokedOnA + heard)
      }
      console.log(
        `revocation seen on B after ${latencies.map((ms) => ms.toFixed(1)).join(", ")} ms (from the call on A); ` +
          `${queries / (5 * requests)} queries per cached request on B`
      )
      assert.strictEqual(queries, 0, "a cached session costs no query")
      // the cache has no expiry and the heartbeat is a minute away: only the notification can have refused the
      // session, every time (how soon is the machine's speed: printed above, measured by the bench)
      assert.isTrue(latencies.every(Number.isFinite), `seen on B every time: ${latencies.join(", ")}`)
    }))

  it.scoped("a user disabled, or a password changed, on A: B refuses the sessions at once", () =>
    Effect.gen(function*() {
      const [a, b] = yield* instances
      const usersA = Context.get(a, UserStore)
      const storeB = Context.get(b, SessionStore)
      const username = `pg-user-${randomUUID()}`
      const user = yield* usersA.add({ username, password: Redacted.make("a password") })
      const [t1] = yield* storeB.create(session(user.id))
      const [t2, kept] = yield* storeB.create(session(user.id))
      for (const token of [t1, t2]) assert.isTrue(Option.isSome(yield* storeB.authenticate(Redacted.value(token))))
      yield* usersA.setPassword(username, Redacted.make("another password"), kept.id)
      assert.isFinite(yield* timeUntil(Effect.map(storeB.authenticate(Redacted.value(t1)), Option.isNone)))
      assert.isTrue(Option.isSome(yield* storeB.authenticate(Redacted.value(t2))), "the session kept lives on")
      yield* usersA.setDisabled(username, true)
      assert.isFinite(yield* timeUntil(Effect.map(storeB.authenticate(Redacted.value(t2)), Option.isNone)))
      assert.isTrue(
        Option.isNone(yield* Context.get(b, UserStore).authenticate(username, Redacted.make("another password")))
      )
    }))

  it.scoped("a revocation whose NOTIFY fails is undone: the session stays valid everywhere, the caller gets the error", () =>
    Effect.gen(function*() {
      const [a, b] = yield* instances
      const storeA = Context.get(a, SessionStore)
      const storeB = Context.get(b, SessionStore)
      const sql = Context.get(a, SqlClient.SqlClient)
      const usersA = Context.get(a, UserStore)
      const username = `pg-user-${randomUUID()}`
      const userId = (yield* usersA.add({ username, password: Redacted.make("a password") })).id
      const [token] = yield* storeA.create(session(userId))
      const value = Redacted.value(token)
      const [id] = SessionStore.parseToken(value)!
      assert.isTrue(Option.isSome(yield* storeB.authenticate(value)), "valid on B, and cached there")
      // the fault, between the DELETE and the NOTIFY: the NOTIFY replaced by one that PostgreSQL refuses (its payload
      // is too long)
      const notifyFails = Statement.withTransformer((statement, sql) =>
        Effect.succeed(
          statement.compile()[0].includes("pg_notify")
            ? sql`SELECT pg_notify(${channel}, repeat('x', 9000))` as Statement.Statement<unknown>
            : statement
        )
      )
      const rows = sql`SELECT id FROM effect_auth_sessions WHERE id = ${id}`
      for (const revoke of [storeA.revoke(id), storeA.revokeUser(userId)]) {
        const error = yield* Effect.flip(revoke.pipe(notifyFails))
        assert.strictEqual(error._tag, "SessionStoreError")
        // undone: the row is there, so A (which reads it) and B (which cached it) agree that it is valid
        assert.strictEqual((yield* rows).length, 1, "the DELETE was rolled back")
        assert.isTrue(Option.isSome(yield* storeA.authenticate(value)), "valid on A")
        assert.isTrue(Option.isSome(yield* storeB.authenticate(value)), "valid on B")
      }
      // a password change is undone too: the old password still works, and the session still lives
      const changed = yield* Effect.flip(usersA.setPassword(username, Redacted.make("a new one")).pipe(notifyFails))
      assert.strictEqual(changed._tag, "UserStoreError")
      assert.isTrue(Option.isSome(yield* usersA.authenticate(username, Redacted.make("a password"))))
      assert.isTrue(Option.isSome(yield* storeB.authenticate(value)), "valid on B")
      // without the fault, both refuse it
      yield* storeA.revoke(id)
      assert.isTrue(Option.isNone(yield* storeA.authenticate(value)))
      assert.isFinite(yield* timeUntil(Effect.map(storeB.authenticate(value), Option.isNone)))
    }))

  it.scopedLive(
    "B's LISTEN connection killed: B refuses a session revoked on A at once, listens again, and caches again",
    () =>
      Effect.gen(function*() {
        const applicationName = `effect-auth-test-${randomUUID().slice(0, 8)}`
        const a = yield* Layer.build(pg(channel))
        // pings so rare that in this test only the connection's own report of its loss can turn B's cache off
        const b = yield* Layer.build(
          Pg.layer({ url: Redacted.make(databaseUrl!), logN, channel, heartbeatMillis: 600_000, applicationName })
        )
        const storeA = Context.get(a, SessionStore)
        const storeB = Context.get(b, SessionStore)
        const sql = Context.get(a, SqlClient.SqlClient)
        const wait = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))
        const newSession = Effect.map(storeA.create(session(`pg-${randomUUID()}`)), ([token]) => Redacted.value(token))
        // whether B answers `token` from its cache: read once (the first read may fill the cache), then counted
        const cachedOnB = (token: string) =>
          Effect.gen(function*() {
            assert.isTrue(Option.isSome(yield* storeB.authenticate(token)))
            const counter = statementCounter()
            assert.isTrue(Option.isSome(yield* storeB.authenticate(token).pipe(counter.counting)))
            return counter.count() === 0
          })

        const token = yield* newSession
        assert.isTrue(yield* cachedOnB(token), "cached on B")
        const listeners = yield* sql<{ readonly pid: number }>`SELECT pid FROM pg_stat_activity
          WHERE application_name = ${`${applicationName} listen`}`
        assert.strictEqual(listeners.length, 1, "B's LISTEN connection, by its application_name")
        const pid = listeners[0]!.pid
        // as the application's own role: a role may end its own connections
        yield* sql`SELECT pg_terminate_backend(${pid})`
        // gone from pg_stat_activity: its last word, the error, was sent to B before
        while ((yield* sql`SELECT 1 FROM pg_stat_activity WHERE pid = ${pid}`).length > 0) yield* wait(10)

        yield* storeA.revoke(SessionStore.parseToken(token)![0])
        assert.isTrue(Option.isNone(yield* storeB.authenticate(token)), "refused on B at once, without waiting")

        // listening again within seconds: a new session is read once, then answered from B's cache
        const again = yield* newSession
        let back = false
        for (let i = 0; i < 200 && !back; i++) {
          back = yield* cachedOnB(again)
          if (!back) yield* wait(50)
        }
        assert.isTrue(back, "B caches again")
        const relistened = yield* sql<{ readonly pid: number }>`SELECT pid FROM pg_stat_activity
          WHERE application_name = ${`${applicationName} listen`}`
        assert.strictEqual(relistened.length, 1)
        assert.notStrictEqual(relistened[0]!.pid, pid, "on a new connection")
        // and hears revocations again
        yield* storeA.revoke(SessionStore.parseToken(again)![0])
        assert.isFinite(yield* timeUntil(Effect.map(storeB.authenticate(again), Option.isNone)))
      }),
    { timeout: 60_000 }
  )

  it.scoped("the throttle counts attempts across both, at once too", () =>
    Effect.gen(function*() {
      const [a, b] = yield* instances
      const key = `u:pg-${randomUUID()}`
      const hit = (context: typeof a) => Context.get(context, ThrottleStore).hit(key, Duration.minutes(15))
      const counts = yield* Effect.all(Array.from({ length: 10 }, (_, i) => hit(i % 2 === 0 ? a : b)), {
        concurrency: "unbounded"
      })
      assert.sameMembers(counts.map((c) => c.count), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
      assert.strictEqual((yield* Context.get(b, ThrottleStore).get(key)).count, 10)
      yield* Context.get(a, ThrottleStore).reset(key)
      assert.strictEqual((yield* Context.get(b, ThrottleStore).get(key)).count, 0)
    }))

  it.scoped("usernames are unique across instances, even added at once", () =>
    Effect.gen(function*() {
      const [a, b] = yield* instances
      const username = `pg-twin-${randomUUID()}`
      const results = yield* Effect.all(
        [a, b, a, b].map((context, i) =>
          Effect.either(
            Context.get(context, UserStore).add({
              username: i % 2 === 0 ? username : username.toUpperCase(),
              password: Redacted.make("pw")
            })
          )
        ),
        { concurrency: "unbounded" }
      )
      assert.strictEqual(results.filter((r) => r._tag === "Right").length, 1)
      const sql = Context.get(a, SqlClient.SqlClient)
      const rows = yield* sql`SELECT id FROM effect_auth_users WHERE username_key = ${username.toLowerCase()}`
      assert.strictEqual(rows.length, 1)
    }))
})
