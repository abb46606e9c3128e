import * as Context from "effect/Context"
import * as Effect from "effect/Effect"

/**
 * The fiber's context, read as `HttpRouter` reads it per request (`Effect.withFiber`): one step of the runtime, where
 * `Effect.flatMap(key, f)` takes more.
 */
export const readContext = <A, E, R>(
  f: (context: Context.Context<never>) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => Effect.withFiber<A, E, R>((fiber) => f(fiber.context as Context.Context<never>))

/** `Effect.flatMap(key, f)` in one step (see {@link readContext}). */
export const readService = <I, S, A, E, R>(
  key: Context.Key<I, S>,
  f: (service: S) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R | I> => readContext((context) => f(Context.getUnsafe(context as Context.Context<I>, key)))
