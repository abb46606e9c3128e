import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { AuthenticationBackend } from "../AuthenticationBackend.js"
import type { Authentication, CurrentCredentials, CurrentUser } from "../CurrentUser.js"
import { CurrentAuthentication } from "../CurrentUser.js"
import { readService } from "./context.js"

/**
 * The one reader of the request's authentication entry, and the one place that knows what its absence means.
 *
 * An anonymous request has no `CurrentAuthentication` entry: an entry costs a copy of the request's context, so the
 * middleware installs one only for an authenticated user, or over an outer middleware's user (which the inner
 * middleware's anonymous request must not see). Reading without an entry gives the anonymous `Authentication` that
 * `CurrentAuthentication` defaults to, which carries no challenge: the challenge of such a request is that of the
 * backend in the request's context.
 */

/**
 * `f` of what the request's handlers read: its entry, or the anonymous `Authentication` where it has none (one step
 * of the runtime, see `readService`).
 */
export const withAuthentication = <A, E, R>(
  f: (authentication: Authentication) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, R | CurrentUser | CurrentCredentials> => readService(CurrentAuthentication, f)

/**
 * Whether the request has an entry of its own (`CurrentAuthentication` itself never reads as missing): a raw look-up
 * that resolves no default and allocates nothing (a context's `mapUnsafe` would copy every service into a new Map).
 */
export const hasEntry = (context: Context.Context<never>): boolean =>
  Context.getOrUndefined(context, CurrentAuthentication) !== undefined

/** The challenge of an anonymous request without an entry: that of the backend in its context, if any. */
export const backendChallenge: Effect.Effect<string | undefined> = Effect.map(
  Effect.serviceOption(AuthenticationBackend),
  (backend) => Option.isSome(backend) ? backend.value.anonymous.challenge : undefined
)

/** The `WWW-Authenticate` challenge an anonymous denial answers with: the entry's, or else the backend's. */
export const challengeOf = (authentication: Authentication): Effect.Effect<string | undefined> =>
  authentication.challenge !== undefined || authentication.user.isAuthenticated
    ? Effect.succeed(authentication.challenge)
    : backendChallenge
