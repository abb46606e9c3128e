import { assert, describe, it } from "@effect/vitest"
import { Effect, Option, Redacted } from "effect"
import type { NewSession, StoredSession } from "effect-auth/SessionStore"
import { SessionStore } from "effect-auth/SessionStore"
import * as TestClock from "effect/testing/TestClock"

const session = (userId: string, idleTimeout = 60_000, absoluteTimeout = 600_000): NewSession => ({
  userId,
  scopes: ["authenticated"],
  idleTimeout,
  absoluteTimeout
})

describe("SessionStore tokens", () => {
  it("makeToken: a 22-character id and a 43-character secret, the token `<id>.<secret>`, parsed back", () => {
    const [id, secret, token] = SessionStore.makeToken()
    assert.match(id, /^[A-Za-z0-9_-]{22}$/)
    assert.match(secret, /^[A-Za-z0-9_-]{43}$/)
    assert.strictEqual(Redacted.value(token), `${id}.${secret}`)
    assert.deepStrictEqual(SessionStore.parseToken(Redacted.value(token)), [id, secret])
    assert.notStrictEqual(SessionStore.makeToken()[0], id)
  })

  it("parseToken: anything not shaped like a token is undefined", () => {
    const [id, secret] = SessionStore.makeToken()
    for (const bad of ["", id, `${id}.`, `.${secret}`, `${id}.${secret}.x`, `${id}!${secret}`, `${id}.${secret}=`]) {
      assert.isUndefined(SessionStore.parseToken(bad), bad)
    }
  })

  it("hashSecret: 64 hex digits, which the secret matches and another does not", () => {
    const [, secret] = SessionStore.makeToken()
    const stored = SessionStore.hashSecret(secret)
    assert.match(stored, /^[0-9a-f]{64}$/)
    assert.isTrue(SessionStore.secretMatches(secret, stored))
    assert.isFalse(SessionStore.secretMatches(SessionStore.makeToken()[1], stored))
  })
})

describe("SessionStore lifetimes", () => {
  const stored: StoredSession = {
    id: "id",
    userId: "alice",
    scopes: [],
    createdAt: 0,
    lastSeenAt: 0,
    idleTimeout: 60_000,
    expiresAt: 100_000
  }

  it("isLive: before the idle expiry and before the absolute one", () => {
    assert.isTrue(SessionStore.isLive(stored, 59_999))
    assert.isFalse(SessionStore.isLive(stored, 60_000))
    assert.isTrue(SessionStore.isLive({ ...stored, lastSeenAt: 50_000 }, 99_999))
    assert.isFalse(SessionStore.isLive({ ...stored, lastSeenAt: 50_000 }, 100_000))
  })

  it("touch: a write only once a touch interval has passed", () => {
    assert.strictEqual(SessionStore.touchInterval(60_000), 15_000)
    assert.isTrue(Option.isNone(SessionStore.touch(stored, 14_999)))
    assert.deepStrictEqual(SessionStore.touch(stored, 15_000), Option.some({ ...stored, lastSeenAt: 15_000 }))
  })

  it("checkLifetimes: whole milliseconds, 4 or more, the idle one within the absolute one", () => {
    SessionStore.checkLifetimes(4, 4)
    SessionStore.checkLifetimes(60_000, 600_000)
    for (const [idle, absolute] of [[3, 10], [10, 3.5], [Number.NaN, 10], [20, 10], [10, Infinity]] as const) {
      assert.throws(() => SessionStore.checkLifetimes(idle, absolute), RangeError, undefined, `${idle}, ${absolute}`)
    }
  })

  it("newSession: a record at `now` and the hash of the token's secret", () => {
    const [token, secretHash, record] = SessionStore.newSession(session("alice", 60_000, 100_000), 5_000)
    const [id, secret] = SessionStore.parseToken(Redacted.value(token))!
    assert.deepStrictEqual(record, {
      id,
      userId: "alice",
      scopes: ["authenticated"],
      createdAt: 5_000,
      lastSeenAt: 5_000,
      idleTimeout: 60_000,
      expiresAt: 105_000
    })
    assert.isTrue(SessionStore.secretMatches(secret, secretHash))
  })
})

describe("SessionStore.makeMemory", () => {
  it.effect("list: a user's live sessions, oldest first", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore.makeMemory()
      const [, first] = yield* store.create(session("alice"))
      yield* TestClock.adjust("1 second")
      const [, second] = yield* store.create(session("alice"))
      yield* store.create(session("bob"))
      assert.deepStrictEqual((yield* store.list("alice")).map((s) => s.id), [first.id, second.id])
      yield* store.revoke(first.id)
      assert.deepStrictEqual((yield* store.list("alice")).map((s) => s.id), [second.id])
    }))

  it.effect("a session past its lifetime is not answered, nor listed", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore.makeMemory()
      const [token] = yield* store.create(session("alice", 10_000, 20_000))
      yield* TestClock.adjust("10 seconds")
      assert.isTrue(Option.isNone(yield* store.authenticate(Redacted.value(token))))
      assert.deepStrictEqual(yield* store.list("alice"), [])
    }))

  it.effect("a token for another store's session, or a garbled one, opens nothing", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore.makeMemory()
      const other = yield* SessionStore.makeMemory()
      const [token] = yield* other.create(session("alice"))
      assert.isTrue(Option.isNone(yield* store.authenticate(Redacted.value(token))))
      assert.isTrue(Option.isNone(yield* store.authenticate("garbage")))
    }))

  it.effect("layerMemory provides one", () =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      const [token, created] = yield* store.create(session("alice"))
      assert.deepStrictEqual(yield* store.authenticate(Redacted.value(token)), Option.some(created))
    }).pipe(Effect.provide(SessionStore.layerMemory())))
})
