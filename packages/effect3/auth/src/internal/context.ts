import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"

/**
 * The fiber's context, read as `HttpRouter` reads it per request: one step of the runtime, where
 * `Effect.flatMap(tag, f)` takes three (the tag, the sync read it becomes, the continuation).
 */
export const readContext = <A, E, R>(
  f: (context: Context.Context<never>) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => Effect.withFiberRuntime<A, E, R>((fiber) => f(fiber.getFiberRef(FiberRef.currentContext)))

/** `Effect.flatMap(tag, f)` in one step (see {@link readContext}). */
export const readService = <I, S, A, E, R>(
  tag: Context.Tag<I, S>,
  f: (service: S) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R | I> => readContext((context) => f(Context.unsafeGet(context as Context.Context<I>, tag)))
