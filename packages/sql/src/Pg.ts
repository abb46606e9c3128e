/**
 * The stores in PostgreSQL, for several instances: each keeps the sessions it has seen in memory (no query per
 * request) and hears every revocation through LISTEN/NOTIFY, so a revoked session is refused everywhere at once.
 *
 * @since 0.2.0
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import { SessionStoreError } from "effect-auth/SessionStore"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { randomUUID } from "node:crypto"
import * as internal from "./internal/stores.js"
import type * as SqlSessionStore from "./SqlSessionStore.js"

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** The database, as a `postgres://` URL (`DATABASE_URL` in {@link layerConfig}). */
  readonly url: Redacted.Redacted<string>
  /** scrypt's cost for new password hashes (see `Password.hash`); lower it in tests only. */
  readonly logN?: number | undefined
  /** The notification channel (`effect_auth` unless given): one per set of instances sharing sessions. */
  readonly channel?: string | undefined
  /**
   * How often each instance checks that it still hears notifications (every 2 seconds unless given, in
   * milliseconds): a check unanswered for two periods turns the cache off until one is answered again.
   */
  readonly heartbeatMillis?: number | undefined
}

const sleep = (millis: number) => Effect.promise(() => new Promise<void>((resolve) => setTimeout(resolve, millis)))

// the heartbeat and its watchdog run on the wall clock, never Effect's: a TestClock that stands still must not make
// a live connection look dead, nor a dead one look live
const now = () => Date.now()

/**
 * Wires the session cache to LISTEN/NOTIFY on `channel`: every message, ours too, reaches the cache; our own pings,
 * echoed back, prove the connection listens. While no ping came back for two periods the cache is bypassed and
 * cleared, so a lost connection costs queries, never a stale session.
 */
const listen =
  (client: PgClient.PgClient, channel: string, heartbeatMillis: number) => (cache: SqlSessionStore.Cache) =>
    Effect.gen(function*() {
      // `SELECT pg_notify(…)`, not `client.notify`, whose `NOTIFY channel, $1` PostgreSQL refuses (a NOTIFY payload
      // cannot be a parameter)
      const notify = (message: string) => Effect.asVoid(client`SELECT pg_notify(${channel}, ${message})`)
      const instance = randomUUID()
      const ping = `p:${instance}`
      let heard = -Infinity
      let wasLive = false
      const live = () => {
        const isLive = now() - heard < 2 * heartbeatMillis
        if (wasLive && !isLive) cache.invalidate("*")
        wasLive = isLive
        return isLive
      }
      const onMessage = (message: string) => {
        if (message === ping) heard = now()
        else if (!message.startsWith("p:")) cache.invalidate(message)
      }
      yield* client.listen(channel).pipe(
        Stream.runForEach((message) => Effect.sync(() => onMessage(message))),
        Effect.catchAllCause((cause) => Effect.logWarning("effect-auth: LISTEN failed; retrying", cause)),
        Effect.zipRight(Effect.sync(() => cache.invalidate("*"))),
        Effect.zipRight(sleep(heartbeatMillis)),
        Effect.forever,
        Effect.forkScoped
      )
      yield* notify(ping).pipe(
        Effect.catchAllCause((cause) => Effect.logWarning("effect-auth: NOTIFY failed", cause)),
        Effect.zipRight(sleep(heartbeatMillis)),
        Effect.forever,
        Effect.forkScoped
      )
      // wait (a bounded while) for the first ping to come back, so the cache starts on at once when all is well
      for (let i = 0; i < 50 && now() - heard >= 2 * heartbeatMillis; i++) {
        yield* sleep(20)
        if (i % 10 === 9) yield* Effect.ignore(notify(ping))
      }
      return {
        live,
        publish: (message: string) =>
          Effect.mapError(
            notify(message),
            (cause) => new SessionStoreError({ message: "could not notify other instances", cause })
          )
      } satisfies SqlSessionStore.Invalidation
    })

/**
 * `SessionStore`, `ThrottleStore` and `UserStore` in PostgreSQL, tables created on first start, with the `SqlClient`
 * they use (for an app's own tables) and LISTEN/NOTIFY between instances.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options) => {
  const channel = options.channel ?? "effect_auth"
  const heartbeatMillis = options.heartbeatMillis ?? 2_000
  return Layer.scopedContext(
    Effect.flatMap(PgClient.PgClient, (client) => internal.make(options, listen(client, channel, heartbeatMillis)))
  ).pipe(Layer.provideMerge(PgClient.layer({ url: options.url })))
}

/**
 * {@link layer}, the database's URL read from configuration: `DATABASE_URL` unless given (a `Config.redacted`, so
 * that its password is never logged).
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfig = (
  options: Omit<Options, "url"> & { readonly url?: Config.Config<Redacted.Redacted<string>> | undefined } = {}
) =>
  Layer.unwrapEffect(
    Effect.map(options.url ?? Config.redacted("DATABASE_URL"), (url) => layer({ ...options, url }))
  ) as Layer.Layer<
    Layer.Layer.Success<ReturnType<typeof layer>>,
    Layer.Layer.Error<ReturnType<typeof layer>> | ConfigError.ConfigError
  >

/**
 * The URL in `DATABASE_URL`, if set: what an app reads to choose PostgreSQL over SQLite.
 *
 * @since 0.2.0
 * @category constructors
 */
export const databaseUrl: Effect.Effect<Redacted.Redacted<string> | undefined> = Effect.orElseSucceed(
  Effect.map(Config.option(Config.redacted("DATABASE_URL")), (url) => url._tag === "Some" ? url.value : undefined),
  () => undefined
)
