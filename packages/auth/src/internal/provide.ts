import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type { AuthCredentials } from "../AuthCredentials.js"
import { CurrentCredentials, CurrentUser } from "../CurrentUser.js"

/** @internal */
export const provideAuth = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  credentials: AuthCredentials,
  user: Context.Tag.Service<CurrentUser>
): Effect.Effect<A, E, Exclude<R, CurrentUser | CurrentCredentials>> =>
  Effect.mapInputContext(self, (context: Context.Context<Exclude<R, CurrentUser | CurrentCredentials>>) => {
    // one copy of the context for both services, not one per service
    const map = new Map(context.unsafeMap)
    map.set(CurrentCredentials.key, credentials)
    map.set(CurrentUser.key, user)
    return Context.unsafeMake(map)
  })
