import type * as Migrator from "@effect/sql/Migrator"
import type * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import { SessionStore, SessionStoreError } from "effect-auth/SessionStore"
import { ThrottleStore, ThrottleStoreError } from "effect-auth/Throttle"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as Migrations from "../Migrations.js"
import * as SqlSessionStore from "../SqlSessionStore.js"
import * as SqlThrottleStore from "../SqlThrottleStore.js"
import * as SqlUserStore from "../SqlUserStore.js"
import * as UserStore from "../UserStore.js"
import * as sessionStore from "./sessionStore.js"

/** What a dialect's layer provides, made over its client once the migrations ran. */
export type Stores = SessionStore | ThrottleStore | UserStore.UserStore

const closedMessage = "effect-auth/sql: a store was used after its layer's scope closed (the database is closed); " +
  "build the layer in the scope the server runs in (`Layer.build` it in a test's scope), not for `serve` alone"

/**
 * `service` answering, once `isOpen()` is false, with `closed()` from every method (and every effect-valued field):
 * a store used after its layer's scope closed fails as a store that is down, and says why in the log, rather than
 * with whatever the closed driver throws.
 */
const whileOpen = <S extends object, E>(service: S, isOpen: () => boolean, closed: Effect.Effect<never, E>): S => {
  const guard = (effect: () => Effect.Effect<unknown, unknown, unknown>) =>
    Effect.suspend(() => isOpen() ? effect() : Effect.zipRight(Effect.logError(closedMessage), closed))
  // every member of a store's service is a function returning an effect, or an effect: both are guarded
  return Object.fromEntries(
    Object.entries(service).map(([name, member]) => [
      name,
      typeof member === "function"
        ? (...args: ReadonlyArray<unknown>) => guard(() => member(...args))
        : Effect.isEffect(member)
        ? guard(() => member)
        : member
    ])
  ) as S
}

/** How a dialect's session cache learns of other connections' writes: one of these, or none (no cache). */
export interface Sessions {
  /** Subscribes the cache to other instances' revocations, and answers how to tell them of this one's. */
  readonly invalidation?:
    | ((cache: SqlSessionStore.Cache) => Effect.Effect<SqlSessionStore.Invalidation, never, Scope.Scope>)
    | undefined
  /** A connection of the dialect's own that reads sessions at once (opened after the migrations). */
  readonly reader?: Effect.Effect<sessionStore.Reader | undefined, never, Scope.Scope> | undefined
}

/** The three stores over the client in context, after the migrations, the sessions cached as `sessions` says. */
export const make = (
  options: { readonly logN?: number | undefined },
  sessionsOptions: Sessions = {}
): Effect.Effect<Context.Context<Stores>, Migrator.MigrationError | SqlError, SqlClient.SqlClient | Scope.Scope> =>
  Effect.gen(function*() {
    yield* Migrations.run
    const { invalidation, reader } = sessionsOptions
    // the cache first, then the subscription that reaches it, then the store given both: nothing wired afterwards
    const sessions = invalidation !== undefined
      ? yield* Effect.flatMap(
        SqlSessionStore.makeCache(),
        (cache) => Effect.flatMap(invalidation(cache), (live) => SqlSessionStore.make({ cache, invalidation: live }))
      )
      : reader !== undefined
      ? yield* Effect.flatMap(reader, (opened) => sessionStore.make({}, opened))
      : yield* SqlSessionStore.make()
    const throttle = yield* SqlThrottleStore.make()
    const users = yield* SqlUserStore.make(options).pipe(Effect.provideService(SessionStore, sessions))
    let open = true
    yield* Effect.addFinalizer(() => Effect.sync(() => (open = false)))
    const isOpen = () => open
    const unavailable = "the stores' layer is closed"
    return Context.make(
      SessionStore,
      whileOpen(sessions, isOpen, Effect.fail(new SessionStoreError({ message: unavailable })))
    ).pipe(
      Context.add(
        ThrottleStore,
        whileOpen(throttle, isOpen, Effect.fail(new ThrottleStoreError({ message: unavailable })))
      ),
      Context.add(
        UserStore.UserStore,
        whileOpen(users, isOpen, Effect.fail(new UserStore.UserStoreError({ message: unavailable })))
      )
    )
  })
