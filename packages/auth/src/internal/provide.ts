import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Scope from "effect/Scope"
import type { Authentication, CurrentCredentials, CurrentUser } from "../CurrentUser.js"
import { CurrentAuthentication } from "../CurrentUser.js"

/**
 * `self` with the request's one authentication entry in its context, for the time `self` runs: the fiber's context
 * is copied once, the entry added to the copy, and the copy installed (the context the caller had is never written
 * to, and is back when `self` is done, however it ends).
 */
export const provideAuthentication = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  authentication: Authentication
): Effect.Effect<A, E, Exclude<R, CurrentUser | CurrentCredentials>> =>
  Effect.provideService(self, CurrentAuthentication, authentication)

const buildOnly: ReadonlySet<string> = new Set([Scope.Scope.key, "effect/Layer/CurrentMemoMap"])

/**
 * What a backend's `verify` needs, given per request: the context captured when the backend was built. Nothing is
 * provided when the request's context already holds every one of those services as they are (the usual case: the
 * backend's Layer and the server are built from the same services), so that only a backend whose services are not
 * the app's pays for a context copy.
 */
export const withContext = <Args extends ReadonlyArray<any>, A, E, R>(
  f: (...args: Args) => Effect.Effect<A, E, R>,
  context: Context.Context<R>
): (...args: Args) => Effect.Effect<A, E> => {
  // a Layer is built with its own Scope and memo map in its context: those belong to the build, never to a request
  const entries = Array.from(context.unsafeMap).filter(([key]) => !buildOnly.has(key))
  if (entries.length === 0) return f as (...args: Args) => Effect.Effect<A, E>
  const given = Context.unsafeMake(new Map(entries)) as Context.Context<R>
  return (...args) =>
    Effect.withFiberRuntime((fiber) => {
      const current = fiber.currentContext.unsafeMap
      for (let i = 0; i < entries.length; i++) {
        const [key, service] = entries[i]!
        if (current.get(key) !== service) return Effect.provide(f(...args), given)
      }
      return f(...args) as Effect.Effect<A, E>
    })
}
