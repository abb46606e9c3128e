import type { SessionStoreError } from "effect-auth/SessionStore"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { randomUUID } from "node:crypto"
import { createRequire } from "node:module"
import type * as SqlSessionStore from "../SqlSessionStore.js"

/** What the listener uses of a `pg` Client. */
interface Client {
  connect(): Promise<void>
  query(text: string, values?: ReadonlyArray<unknown>): Promise<unknown>
  end(): Promise<void>
  escapeIdentifier(identifier: string): string
  on(event: "error", listener: (error: Error) => void): unknown
  on(event: "end", listener: () => void): unknown
  on(
    event: "notification",
    listener: (message: { readonly channel: string; readonly payload?: string }) => void
  ): unknown
  removeAllListeners(): unknown
}

interface Driver {
  readonly Client: new(config: {
    readonly connectionString: string
    readonly application_name: string
    readonly keepAlive: boolean
    readonly connectionTimeoutMillis: number
  }) => Client
}

// `pg` is @effect/sql-pg's own driver, loaded from where that package finds it: the very copy PgClient uses, with
// no dependency of ours to keep in step with it
const loadDriver = (): Driver =>
  createRequire(createRequire(import.meta.url).resolve("@effect/sql-pg/PgClient"))("pg") as Driver

// the heartbeat, the backoff and the watchdog run on the wall clock, never Effect's: a TestClock that stands still
// must not make a live connection look dead, nor keep a dead one from being replaced
const now = () => Date.now()
const sleep = (millis: number) =>
  Effect.async<void>((resume) => {
    const timer = setTimeout(() => resume(Effect.void), millis)
    return Effect.sync(() => clearTimeout(timer))
  })

// reconnection waits 100 ms after a drop, then twice as long after each failed attempt, 5 s at most
const firstRetryMillis = 100
const maxRetryMillis = 5_000
// a connection that cannot be made in this long is a failed attempt
const connectTimeoutMillis = 5_000
// pings unheard for 2 periods turn the cache off; for 5, the connection is taken for dead and replaced (a connection
// merely slow, or a process too busy to read it, is not worth a new one at the first late ping)
const replaceAfterPeriods = 5
// how long closing a connection may take before it is left to the operating system
const endTimeoutMillis = 1_000

const end = (client: Client): Promise<void> => {
  client.removeAllListeners()
  client.on("error", () => {}) // an error after the end is of no interest, and must not be thrown
  return Promise.race([
    client.end().catch(() => {}),
    new Promise<void>((resolve) => setTimeout(resolve, endTimeoutMillis).unref())
  ])
}

/** How the listener is set up. */
export interface Options {
  readonly url: Redacted.Redacted<string>
  readonly channel: string
  /** The LISTEN connection's `application_name` (what `pg_stat_activity` shows). */
  readonly applicationName: string
  readonly heartbeatMillis: number
  /** Sends a message on the channel (in the caller's transaction, if any). */
  readonly notify: (message: string) => Effect.Effect<void, SessionStoreError>
}

/**
 * Wires the session cache to LISTEN on a connection of its own (not the pool's, not the driver's `listen`, whose
 * stream never reports a lost connection). The cache is trusted only while that connection is known to listen:
 *
 * - its `error` or `end` event turns the cache off at once and clears it (notifications sent meanwhile are lost);
 * - it is pinged every `heartbeatMillis` (a NOTIFY sent on it, which it hears itself): a ping unheard for two periods
 *   turns the cache off and clears it until one is heard again; for five, the connection is replaced (one that died
 *   without a word);
 * - a new connection is made after 100 ms, then with a doubling wait up to 5 s; once its LISTEN is answered, the
 *   cache is cleared again (a row read before could be older than a revocation it did not hear) and trusted.
 */
export const make =
  (options: Options) =>
  (cache: SqlSessionStore.Cache): Effect.Effect<SqlSessionStore.Invalidation, never, Scope.Scope> =>
    Effect.gen(function*() {
      const driver = loadDriver()
      const { channel, heartbeatMillis } = options
      const ping = `p:${randomUUID()}`
      // the connection that listens now, or undefined: the cache is off
      let listening: { readonly client: Client; readonly drop: (error: Error) => void } | undefined
      let heard = -Infinity
      // false while pings go unheard (a slow connection, or a busy process): the cache is off until one is heard
      let trusted = false
      let failures = 0
      const ready = yield* Deferred.make<void>()

      const live = (): boolean => {
        if (listening === undefined) return false
        const silent = now() - heard
        if (silent < 2 * heartbeatMillis) {
          // a ping heard again: every notification sent before it was heard before it
          trusted = true
          return true
        }
        if (trusted) {
          trusted = false
          cache.invalidate("*")
        }
        if (silent >= replaceAfterPeriods * heartbeatMillis) {
          listening.drop(new Error(`no ping heard for ${silent} ms`))
        }
        return false
      }

      // one connection, from connect to its loss: fails with the reason it was lost
      const connection = Effect.async<never, Error>((resume) => {
        const client = new driver.Client({
          connectionString: Redacted.value(options.url),
          application_name: options.applicationName,
          keepAlive: true,
          connectionTimeoutMillis: connectTimeoutMillis
        })
        let lost = false
        const self = {
          client,
          drop: (error: Error) => {
            if (lost) return
            lost = true
            if (listening === self) {
              // at once, in the event's own turn: no request may read the cache from now on
              listening = undefined
              cache.invalidate("*")
            }
            void end(client)
            resume(Effect.fail(error))
          }
        }
        client.on("error", self.drop)
        client.on("end", () => self.drop(new Error("the connection ended")))
        client.on("notification", (message) => {
          if (message.channel !== channel || message.payload === undefined) return
          if (message.payload === ping) heard = now()
          else if (!message.payload.startsWith("p:")) cache.invalidate(message.payload)
        })
        client.connect().then(() => client.query(`LISTEN ${client.escapeIdentifier(channel)}`)).then(() => {
          if (lost) return
          // what was read before this LISTEN may predate a revocation not heard: forget it, and let no read that
          // started before now fill the cache
          cache.invalidate("*")
          heard = now()
          trusted = true
          failures = 0
          listening = self
          Deferred.unsafeDone(ready, Effect.void)
        }, self.drop)
        return Effect.promise(() => {
          lost = true
          if (listening === self) listening = undefined
          return end(client)
        })
      })

      yield* connection.pipe(
        Effect.catchAll((error) =>
          Effect.zipRight(
            Deferred.succeed(ready, undefined),
            failures === 0
              ? Effect.logWarning(
                "effect-auth/sql: the LISTEN connection is lost; sessions are read from the database until it is back",
                error.message
              )
              : Effect.logDebug("effect-auth/sql: the LISTEN connection could not be made again", error.message)
          )
        ),
        Effect.zipRight(Effect.suspend(() => sleep(Math.min(firstRetryMillis * 2 ** failures++, maxRetryMillis)))),
        Effect.forever,
        Effect.forkScoped
      )
      yield* Effect.suspend(() => {
        // `live` turns the cache off, or drops the connection, when pings go unheard, requests or none; a ping's own
        // failure is reported by the client's events
        live()
        listening?.client.query("SELECT pg_notify($1, $2)", [channel, ping]).catch(() => {})
        return sleep(heartbeatMillis)
      }).pipe(Effect.forever, Effect.forkScoped)

      // the first attempt decides how the instance starts: with the cache on, or off until a connection is made
      yield* Deferred.await(ready)
      return { live, publish: options.notify } satisfies SqlSessionStore.Invalidation
    })
