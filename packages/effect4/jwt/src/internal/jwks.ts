import type { RejectedCredentials, ServiceUnavailable } from "effect-auth"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type { CryptoKey, JSONWebKeySet, JWSHeaderParameters } from "jose"
import { createLocalJWKSet, errors } from "jose"
import { invalidToken, keysUnavailable } from "./errors.js"

type LocalKeySet = ReturnType<typeof createLocalJWKSet>

interface State {
  /** The last key set fetched, kept (even past its max age) until a fetch replaces it. */
  readonly keys: LocalKeySet | undefined
  readonly fetchedAt: number
  /** Counts the sets fetched: what a verified-token cache entry was checked against, so that a new set misses. */
  readonly generation: number
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

/** A key of the set, and the set's generation. @internal */
export interface Found {
  readonly key: CryptoKey
  readonly generation: number
}

/** @internal */
export interface KeySet {
  /** The key a token's header names, fetching the set when it has to. */
  readonly lookup: (header: JWSHeaderParameters) => Effect.Effect<Found, RejectedCredentials | ServiceUnavailable>
  /** The generation of the set held, when it is fresh (fetched less than `cacheMaxAge` ago); else `undefined`. */
  readonly current: (now: number) => number | undefined
}

/**
 * A JSON Web Key Set fetched from `url`, cached for `cacheMaxAge`, fetched again early when a token names a key it
 * does not hold (key rotation), but never more than once per `cooldown`: a flood of tokens with made-up `kid`s costs
 * at most one fetch per cooldown. Time is Effect's `Clock`. A failed fetch keeps the keys held so far.
 *
 * @internal
 */
export const make = (options: RemoteKeySetOptions): Effect.Effect<KeySet, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    // the client owns the request and its body for the fetch's scope: a timeout aborts it, body included
    const client = HttpClient.withScope(HttpClient.filterStatusOk(yield* HttpClient.HttpClient))
    const cacheMaxAge = Duration.toMillis(options.cacheMaxAge)
    const cooldown = Duration.toMillis(options.cooldown)
    const request = HttpClientRequest.get(options.url).pipe(
      HttpClientRequest.setHeader("accept", "application/json, application/jwk-set+json")
    )
    const fetchKeys = client.execute(request).pipe(
      Effect.flatMap((response) => response.json),
      Effect.flatMap((json) => Effect.try(() => createLocalJWKSet(json as unknown as JSONWebKeySet))),
      Effect.timeout(options.timeout),
      Effect.scoped
    )
    // a plain cell, read and written in synchronous steps only (so each step is atomic): a cached token's check
    // reads it without a step of its own
    let state: State = {
      keys: undefined,
      fetchedAt: Number.NEGATIVE_INFINITY,
      generation: 0,
      attemptedAt: Number.NEGATIVE_INFINITY,
      pending: undefined
    }
    const get = Effect.sync(() => state)
    const update = (f: (s: State) => State) =>
      Effect.sync(() => {
        state = f(state)
      })
    const modify = <B>(f: (s: State) => readonly [B, State]) =>
      Effect.sync(() => {
        const [b, next] = f(state)
        state = next
        return b
      })

    // Joins the fetch under way, or starts one. The fetch runs on its own fiber, so a request that goes away
    // (a client that disconnects) does not cut it short for the others.
    const refresh = (now: number): Effect.Effect<State> =>
      Effect.gen(function*() {
        const next = yield* Deferred.make<void>()
        const [pending, start] = yield* modify((s): [readonly [Deferred.Deferred<void>, boolean], State] =>
          s.pending === undefined
            ? [[next, true], { ...s, pending: next, attemptedAt: now }]
            : [[s.pending, false], s]
        )
        if (start) {
          yield* fetchKeys.pipe(
            Effect.flatMap((keys) =>
              Effect.flatMap(Clock.currentTimeMillis, (fetchedAt) =>
                update((s) => ({ ...s, keys, fetchedAt, generation: s.generation + 1 })))
            ),
            Effect.catchCause((cause) =>
              Effect.logWarning("JWKS fetch failed", cause)
            ),
            Effect.annotateLogs("jwksUrl", options.url.href),
            Effect.onExit(() =>
              Effect.andThen(
                update((s) => s.pending === next ? { ...s, pending: undefined } : s),
                Deferred.done(next, Exit.void)
              )
            ),
            Effect.forkDetach
          )
        }
        yield* Deferred.await(pending)
        return yield* get
      })

    const find = (current: State, header: JWSHeaderParameters) =>
      Effect.tryPromise({
        try: () => current.keys!(header).then((key): Found => ({ key, generation: current.generation })),
        catch: (error) => error
      })

    const freshGeneration = (now: number): number | undefined =>
      state.keys !== undefined && now - state.fetchedAt < cacheMaxAge ? state.generation : undefined

    const lookup = (header: JWSHeaderParameters): Effect.Effect<Found, RejectedCredentials | ServiceUnavailable> =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        let current = yield* get
        let refreshed = false
        const expired = current.keys === undefined || now - current.fetchedAt >= cacheMaxAge
        if (expired && (current.pending !== undefined || now - current.attemptedAt >= cooldown)) {
          current = yield* refresh(now)
          refreshed = true
        }
        if (current.keys === undefined) return yield* keysUnavailable
        const found = yield* Effect.result(find(current, header))
        if (found._tag === "Success") return found.success
        if (refreshed || !(found.failure instanceof errors.JWKSNoMatchingKey)) return yield* invalidToken
        // A key we do not hold: the set may have been rotated. Fetch it again, at most once per cooldown.
        const later = yield* Clock.currentTimeMillis
        current = yield* get
        if (current.pending === undefined && later - current.attemptedAt < cooldown) return yield* invalidToken
        current = yield* refresh(later)
        if (current.keys === undefined) return yield* keysUnavailable
        return yield* Effect.catch(find(current, header), () => invalidToken)
      })

    return { lookup, current: freshGeneration } satisfies KeySet
  })
