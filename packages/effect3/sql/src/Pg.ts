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
import * as listener from "./internal/listener.js"
import * as internal from "./internal/stores.js"

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
   * How often each instance pings its LISTEN connection (every 2 seconds unless given, in milliseconds): pings
   * unheard for two periods turn the cache off until one is heard; for five, the connection is replaced. A
   * connection that reports its loss turns the cache off at once, without waiting for a ping.
   */
  readonly heartbeatMillis?: number | undefined
  /**
   * The `application_name` of the instance's connections, what `pg_stat_activity` shows (`effect-auth` unless
   * given); its LISTEN connection's is this followed by ` listen`.
   */
  readonly applicationName?: string | undefined
}

const defaultApplicationName = "effect-auth"

/**
 * `SessionStore`, `ThrottleStore` and `UserStore` in PostgreSQL, tables created on first start, with the `SqlClient`
 * they use (for an app's own tables) and LISTEN/NOTIFY between instances.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options) => {
  const channel = options.channel ?? "effect_auth"
  const applicationName = options.applicationName ?? defaultApplicationName
  return Layer.scopedContext(
    Effect.flatMap(PgClient.PgClient, (client) =>
      internal.make(options, {
        invalidation: listener.make({
          url: options.url,
          channel,
          applicationName: `${applicationName} listen`,
          heartbeatMillis: options.heartbeatMillis ?? 2_000,
          // `SELECT pg_notify(…)`, not `client.notify`, whose `NOTIFY channel, $1` PostgreSQL refuses (a NOTIFY
          // payload cannot be a parameter); run by the client in context, so in the caller's transaction if any:
          // PostgreSQL sends it at the commit, and not at all on a rollback
          notify: (message) =>
            Effect.mapError(
              Effect.asVoid(client`SELECT pg_notify(${channel}, ${message})`),
              (cause) => new SessionStoreError({ message: "could not notify other instances", cause })
            )
        })
      }))
  ).pipe(Layer.provideMerge(PgClient.layer({ url: options.url, applicationName })))
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
