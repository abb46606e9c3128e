import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type { RejectedCredentials, ServiceUnavailable } from "effect-auth"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Ref from "effect/Ref"
import type { CryptoKey, JSONWebKeySet, JWSHeaderParameters } from "jose"
import { createLocalJWKSet, errors } from "jose"
import { invalidToken, keysUnavailable } from "./errors.js"

type KeySet = ReturnType<typeof createLocalJWKSet>

interface State {
  /** The last key set fetched, kept (even past its max age) until a fetch replaces it. */
  readonly keys: KeySet | undefined
  readonly fetchedAt: number
  /** When the last fetch started, whatever its outcome: the cooldown counts from here. */
  readonly attemptedAt: number
  /** The fetch under way, for every request that needs it to wait on (one fetch, however many wait). */
  readonly pending: Deferred.Deferred<void> | undefined
}

/** @internal */
export interface RemoteKeySetOptions {
  readonly url: URL
  readonly cacheMaxAge: Duration.Duration
  readonly cooldown: Duration.Duration
  readonly timeout: Duration.Duration
}

/** @internal */
export type GetKey = (header: JWSHeaderParameters) => Effect.Effect<CryptoKey, RejectedCredentials | ServiceUnavailable>

/**
 * A JSON Web Key Set fetched from `url`, cached for `cacheMaxAge`, fetched again early when a token names a key it
 * does not hold (key rotation), but never more than once per `cooldown`: a flood of tokens with made-up `kid`s costs
 * at most one fetch per cooldown. Time is Effect's `Clock`. A failed fetch keeps the keys held so far.
 *
 * @internal
 */
export const make = (options: RemoteKeySetOptions): Effect.Effect<GetKey, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const client = HttpClient.filterStatusOk(yield* HttpClient.HttpClient)
    const cacheMaxAge = Duration.toMillis(options.cacheMaxAge)
    const cooldown = Duration.toMillis(options.cooldown)
    const request = HttpClientRequest.get(options.url).pipe(
      HttpClientRequest.setHeader("accept", "application/json, application/jwk-set+json")
    )
    const fetchKeys = client.execute(request).pipe(
      Effect.flatMap((response) => response.json),
      Effect.flatMap((json) => Effect.try(() => createLocalJWKSet(json as JSONWebKeySet))),
      Effect.timeout(options.timeout)
    )
    const state = yield* Ref.make<State>({
      keys: undefined,
      fetchedAt: Number.NEGATIVE_INFINITY,
      attemptedAt: Number.NEGATIVE_INFINITY,
      pending: undefined
    })

    // Joins the fetch under way, or starts one. The fetch runs on its own fiber, so a request that goes away
    // (a client that disconnects) does not cut it short for the others.
    const refresh = (now: number): Effect.Effect<State> =>
      Effect.gen(function*() {
        const next = yield* Deferred.make<void>()
        const [pending, start] = yield* Ref.modify(state, (s): [readonly [Deferred.Deferred<void>, boolean], State] =>
          s.pending === undefined
            ? [[next, true], { ...s, pending: next, attemptedAt: now }]
            : [[s.pending, false], s])
        if (start) {
          yield* fetchKeys.pipe(
            Effect.flatMap((keys) =>
              Effect.flatMap(Clock.currentTimeMillis, (fetchedAt) =>
                Ref.update(state, (s) => ({ ...s, keys, fetchedAt })))
            ),
            Effect.catchAllCause((cause) =>
              Effect.logWarning("JWKS fetch failed", cause)
            ),
            Effect.annotateLogs("jwksUrl", options.url.href),
            Effect.onExit(() =>
              Effect.zipRight(
                Ref.update(state, (s) =>
                  s.pending === next ? { ...s, pending: undefined } : s),
                Deferred.done(next, Exit.void)
              )
            ),
            Effect.forkDaemon
          )
        }
        yield* Deferred.await(pending)
        return yield* Ref.get(state)
      })

    const lookup = (keys: KeySet, header: JWSHeaderParameters) =>
      Effect.tryPromise({ try: () => keys(header), catch: (error) => error })

    return (header: JWSHeaderParameters): Effect.Effect<CryptoKey, RejectedCredentials | ServiceUnavailable> =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        let current = yield* Ref.get(state)
        let refreshed = false
        const expired = current.keys === undefined || now - current.fetchedAt >= cacheMaxAge
        if (expired && (current.pending !== undefined || now - current.attemptedAt >= cooldown)) {
          current = yield* refresh(now)
          refreshed = true
        }
        if (current.keys === undefined) return yield* keysUnavailable
        const found = yield* Effect.either(lookup(current.keys, header))
        if (found._tag === "Right") return found.right
        if (refreshed || !(found.left instanceof errors.JWKSNoMatchingKey)) return yield* invalidToken
        // A key we do not hold: the set may have been rotated. Fetch it again, at most once per cooldown.
        const later = yield* Clock.currentTimeMillis
        current = yield* Ref.get(state)
        if (current.pending === undefined && later - current.attemptedAt < cooldown) return yield* invalidToken
        current = yield* refresh(later)
        if (current.keys === undefined) return yield* keysUnavailable
        return yield* Effect.orElse(lookup(current.keys, header), () => invalidToken)
      })
  })
