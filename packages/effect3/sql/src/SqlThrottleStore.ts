/**
 * The failed-login throttle's `ThrottleStore` in SQL: one row per key, counted by an atomic upsert, so that limits
 * hold across every instance sharing the database.
 *
 * @since 0.2.0
 */
import * as SqlClient from "@effect/sql/SqlClient"
import type { Count, ThrottleStore } from "effect-auth/Throttle"
import { ThrottleStoreError } from "effect-auth/Throttle"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"

interface Row {
  readonly count: number | string | bigint
  readonly reset_at: number | string | bigint
}

const none: Count = { count: 0, resetAt: 0 }

// a database that cannot count is a store error; the guard logs it and answers 503, never a refusal of the
// credentials
const unavailable = (message: string) => (cause: unknown) => Effect.fail(new ThrottleStoreError({ message, cause }))

/**
 * The store over the `SqlClient` in context, on the tables of `Migrations`. A hit is one statement: the row is
 * inserted, or its count raised, or its window restarted when the old one has closed, and the result returned, so
 * that two instances hitting one key at once both count, and each sees its own count. A release is one statement too.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (): Effect.Effect<ThrottleStore.Service, never, SqlClient.SqlClient> =>
  Effect.map(
    SqlClient.SqlClient,
    (sql): ThrottleStore.Service => ({
      hit: (key, window) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const resetAt = now + Math.ceil(Duration.toMillis(window))
          return sql<Row>`INSERT INTO effect_auth_throttle (key, count, reset_at) VALUES (${key}, 1, ${resetAt})
            ON CONFLICT (key) DO UPDATE SET
              count = CASE WHEN effect_auth_throttle.reset_at <= ${now} THEN 1 ELSE effect_auth_throttle.count + 1 END,
              reset_at = CASE WHEN effect_auth_throttle.reset_at <= ${now} THEN ${resetAt}
                ELSE effect_auth_throttle.reset_at END
            RETURNING count, reset_at`.pipe(
            Effect.map((rows): Count => ({ count: Number(rows[0]!.count), resetAt: Number(rows[0]!.reset_at) }))
          )
        }).pipe(Effect.catchAll(unavailable("could not count a failure"))),
      // one statement: of two releases at once, each takes back one, and none goes below 0
      release: (key) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          sql`UPDATE effect_auth_throttle SET count = count - 1
            WHERE key = ${key} AND reset_at > ${now} AND count > 0`).pipe(
            Effect.asVoid,
            Effect.catchAll(unavailable("could not release an attempt"))
          ),
      get: (key) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) =>
          sql<Row>`SELECT count, reset_at FROM effect_auth_throttle WHERE key = ${key} AND reset_at > ${now}`.pipe(
            Effect.map((rows): Count =>
              rows[0] === undefined ? none : { count: Number(rows[0].count), resetAt: Number(rows[0].reset_at) }
            )
          )).pipe(Effect.catchAll(unavailable("could not read a count"))),
      reset: (key) =>
        sql`DELETE FROM effect_auth_throttle WHERE key = ${key}`.pipe(
          Effect.asVoid,
          Effect.catchAll(unavailable("could not reset a count"))
        )
    })
  )

/**
 * Deletes the rows whose window has closed (they count nothing any more): run it now and then, e.g. daily.
 *
 * @since 0.2.0
 * @category maintenance
 */
export const sweep: Effect.Effect<void, ThrottleStoreError, SqlClient.SqlClient> = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const now = yield* Clock.currentTimeMillis
  yield* sql`DELETE FROM effect_auth_throttle WHERE reset_at <= ${now}`
}).pipe(Effect.catchAll(unavailable("could not sweep counts")))
