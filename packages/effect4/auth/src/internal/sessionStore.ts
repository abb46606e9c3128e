import * as SessionLifetime from "@effect-auth/core/SessionLifetime"
import * as SessionToken from "@effect-auth/core/SessionToken"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { NewSession, SessionStore, StoredSession } from "../SessionStore.js"

// --- the token (its format is @effect-auth/core's) ------------------------------------------------------------------

export const makeToken = (): readonly [id: string, secret: string, token: Redacted.Redacted<string>] => {
  const [id, secret, token] = SessionToken.make()
  return [id, secret, Redacted.make(token)]
}

export const parseToken: (token: string) => readonly [id: string, secret: string] | undefined = SessionToken.parse

export const hashSecret: (secret: string) => string = SessionToken.hashSecret

export const secretMatches: (secret: string, storedHash: string) => boolean = SessionToken.secretMatches

// --- lifetimes (their rules are @effect-auth/core's) ----------------------------------------------------------------

export const touchInterval: (idleTimeout: number) => number = SessionLifetime.touchInterval

export const isLive: (session: StoredSession, now: number) => boolean = SessionLifetime.isLive

export const touch = (session: StoredSession, now: number): Option.Option<StoredSession> =>
  SessionLifetime.isTouchDue(session, now) ? Option.some({ ...session, lastSeenAt: now }) : Option.none()

// a new session from what `create` is given: its token (the cookie's value), the hash to store, and the record
export const newSession = (
  input: NewSession,
  now: number
): readonly [token: Redacted.Redacted<string>, secretHash: string, session: StoredSession] => {
  const [id, secret, token] = makeToken()
  return [token, hashSecret(secret), {
    id,
    userId: input.userId,
    scopes: Object.freeze(Array.from(input.scopes)),
    createdAt: now,
    lastSeenAt: now,
    idleTimeout: input.idleTimeout,
    expiresAt: now + input.absoluteTimeout
  }]
}

export const checkLifetimes: (idleTimeout: number, absoluteTimeout: number) => void = SessionLifetime.checkLifetimes

// --- the store in memory --------------------------------------------------------------------------------------------

interface Entry {
  readonly hash: string
  session: StoredSession
  // the answer for `session`, made when it is
  answer: Effect.Effect<Option.Option<StoredSession>>
}

export const makeMemory = (options?: SessionStore.MemoryOptions): Effect.Effect<SessionStore.Service> =>
  Effect.sync(() => {
    // insertion order is creation order, which `list` answers in
    const sessions = new Map<string, Entry>()
    const sweepInterval = options?.sweepIntervalMillis ?? 60_000
    let lastSweep = -Infinity
    return {
      create: (input) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          checkLifetimes(input.idleTimeout, input.absoluteTimeout)
          if (now - lastSweep >= sweepInterval) {
            lastSweep = now
            for (const [id, entry] of sessions) {
              if (!isLive(entry.session, now)) sessions.delete(id)
            }
          }
          const [token, hash, session] = newSession(input, now)
          sessions.set(session.id, { hash, session, answer: Effect.succeedSome(session) })
          return [token, session] as const
        }),
      // one step: the clock read where it is given, nothing allocated for a live session that needs no write
      authenticate: (token) =>
        Effect.clockWith((clock) => {
          const parsed = parseToken(token)
          if (parsed === undefined) return Effect.succeedNone
          const entry = sessions.get(parsed[0])
          if (entry === undefined || !secretMatches(parsed[1], entry.hash)) return Effect.succeedNone
          const now = clock.currentTimeMillisUnsafe()
          if (!isLive(entry.session, now)) {
            sessions.delete(parsed[0])
            return Effect.succeedNone
          }
          const touched = touch(entry.session, now)
          if (touched._tag === "Some") {
            entry.session = touched.value
            entry.answer = Effect.succeedSome(touched.value)
          }
          return entry.answer
        }),
      revoke: (id) => Effect.sync(() => void sessions.delete(id)),
      revokeUser: (userId, except) =>
        Effect.sync(() => {
          for (const [id, entry] of sessions) {
            if (entry.session.userId === userId && id !== except) sessions.delete(id)
          }
        }),
      list: (userId) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          const out: Array<StoredSession> = []
          for (const entry of sessions.values()) {
            if (entry.session.userId === userId && isLive(entry.session, now)) out.push(entry.session)
          }
          return out
        })
    }
  })
