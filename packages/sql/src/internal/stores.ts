import type * as Migrator from "@effect/sql/Migrator"
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import { SessionStore } from "effect-auth/SessionStore"
import { ThrottleStore } from "effect-auth/Throttle"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Migrations from "../Migrations.js"
import * as SqlSessionStore from "../SqlSessionStore.js"
import * as SqlThrottleStore from "../SqlThrottleStore.js"
import * as UserStore from "../UserStore.js"

/** What a dialect's layer provides, made over its client once the migrations ran. */
export type Stores = SessionStore | ThrottleStore | UserStore.UserStore

/** The three stores over the client in context, after the migrations; `invalidation` wires the session cache. */
export const make = (
  options: { readonly logN?: number | undefined },
  invalidation?: (cache: SqlSessionStore.Cache) => Effect.Effect<SqlSessionStore.Invalidation, never, Scope.Scope>
): Effect.Effect<Context.Context<Stores>, Migrator.MigrationError | SqlError, SqlClient.SqlClient | Scope.Scope> =>
  Effect.gen(function*() {
    yield* Migrations.run
    let sessions: SessionStore["Type"]
    if (invalidation === undefined) {
      sessions = yield* SqlSessionStore.make()
    } else {
      // the cache exists before the subscription, which needs it; the store reads `live` through `wired`
      const wired: { current?: SqlSessionStore.Invalidation } = {}
      const [service, cache] = yield* SqlSessionStore.makeWithCache({
        invalidation: {
          publish: (message) => wired.current === undefined ? Effect.void : wired.current.publish(message),
          live: () => wired.current !== undefined && wired.current.live()
        }
      })
      wired.current = yield* invalidation(cache)
      sessions = service
    }
    const throttle = yield* SqlThrottleStore.make
    const users = yield* UserStore.UserStore.make(options).pipe(Effect.provideService(SessionStore, sessions))
    return Context.make(SessionStore, sessions).pipe(
      Context.add(ThrottleStore, throttle),
      Context.add(UserStore.UserStore, users)
    )
  })
