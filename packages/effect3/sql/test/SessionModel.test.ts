/**
 * A model-based test of the session lifecycle (fast-check commands): login, request, logout, revoke everywhere,
 * password change (revoking the user's other sessions) and the clock moving past idle and absolute expiries, run
 * against the memory store, SQLite and PostgreSQL (when `DATABASE_URL` is set). After every command the real store
 * agrees with a model of a few lines.
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Option, Redacted, Runtime, TestClock } from "effect"
import { SessionStore } from "effect-auth/SessionStore"
import * as FastCheck from "effect/FastCheck"
import { randomUUID } from "node:crypto"
import { pg, skipPg, sqlite, tempFile } from "./utils/stores.js"

// idle 10 minutes (written at most every 2.5 minutes), absolute 1 hour; the clock moves by up to 20 minutes
const idleTimeout = 10 * 60_000
const absoluteTimeout = 60 * 60_000
const touchInterval = idleTimeout / 4

interface ModelSession {
  readonly userId: string
  readonly createdAt: number
  lastSeenAt: number
  alive: boolean
}

interface Model {
  now: number
  readonly users: ReadonlyArray<string>
  readonly tokens: Array<{ readonly token: string; readonly session: ModelSession }>
}

interface Real {
  readonly store: SessionStore.Service
  readonly run: <A, E>(effect: Effect.Effect<A, E>) => Promise<A>
}

const liveAt = (session: ModelSession, now: number) =>
  session.alive && now < session.createdAt + absoluteTimeout && now < session.lastSeenAt + idleTimeout

type Command = FastCheck.AsyncCommand<Model, Real>

class Login implements Command {
  constructor(readonly user: number) {}
  check = () => true
  async run(model: Model, real: Real) {
    const userId = model.users[this.user]!
    const [token, session] = await real.run(real.store.create({ userId, scopes: ["a"], idleTimeout, absoluteTimeout }))
    assert.strictEqual(session.createdAt, model.now)
    model.tokens.push({
      token: Redacted.value(token),
      session: { userId, createdAt: model.now, lastSeenAt: model.now, alive: true }
    })
  }
  toString = () => `login(${this.user})`
}

class Request implements Command {
  constructor(readonly index: number) {}
  check = (model: Readonly<Model>) => model.tokens.length > 0
  async run(model: Model, real: Real) {
    const { session, token } = model.tokens[this.index % model.tokens.length]!
    const answer = await real.run(real.store.authenticate(token))
    const expected = liveAt(session, model.now)
    assert.strictEqual(Option.isSome(answer), expected, `request at ${model.now}`)
    if (expected) {
      if (model.now - session.lastSeenAt >= touchInterval) session.lastSeenAt = model.now
      assert.strictEqual(Option.getOrThrow(answer).userId, session.userId)
      assert.strictEqual(Option.getOrThrow(answer).lastSeenAt, session.lastSeenAt)
    } else {
      session.alive = false
    }
  }
  toString = () => `request(${this.index})`
}

class Logout implements Command {
  constructor(readonly index: number) {}
  check = (model: Readonly<Model>) => model.tokens.length > 0
  async run(model: Model, real: Real) {
    const { session, token } = model.tokens[this.index % model.tokens.length]!
    await real.run(real.store.revoke(SessionStore.parseToken(token)![0]))
    session.alive = false
  }
  toString = () => `logout(${this.index})`
}

class RevokeUser implements Command {
  // keep: the index of a session to keep (a password change from that session), or undefined (log out everywhere)
  constructor(readonly user: number, readonly keep: number | undefined) {}
  check = () => true
  async run(model: Model, real: Real) {
    const userId = model.users[this.user]!
    const kept = this.keep === undefined || model.tokens.length === 0
      ? undefined
      : model.tokens[this.keep % model.tokens.length]!
    await real.run(
      real.store.revokeUser(userId, kept === undefined ? undefined : SessionStore.parseToken(kept.token)![0])
    )
    for (const { session } of model.tokens) {
      if (session.userId === userId && session !== kept?.session) session.alive = false
    }
    const listed = await real.run(real.store.list(userId))
    const expected = model.tokens.filter(({ session }) => session.userId === userId && liveAt(session, model.now))
    assert.strictEqual(listed.length, expected.length, "list agrees")
  }
  toString = () => `revokeUser(${this.user}, ${this.keep})`
}

class Advance implements Command {
  constructor(readonly millis: number) {}
  check = () => true
  async run(model: Model, real: Real) {
    await real.run(TestClock.adjust(this.millis))
    model.now += this.millis
  }
  toString = () => `advance(${this.millis})`
}

const commands = [
  FastCheck.integer({ min: 0, max: 1 }).map((user) => new Login(user)),
  FastCheck.nat().map((index) => new Request(index)),
  FastCheck.nat().map((index) => new Request(index)),
  FastCheck.nat().map((index) => new Logout(index)),
  FastCheck.tuple(FastCheck.integer({ min: 0, max: 1 }), FastCheck.option(FastCheck.nat(), { nil: undefined }))
    .map(([user, keep]) => new RevokeUser(user, keep)),
  // the boundaries often: a write due, an idle expiry just missed or just reached, the absolute one
  FastCheck.oneof(
    { arbitrary: FastCheck.integer({ min: 1, max: 20 * 60_000 }), weight: 1 },
    {
      arbitrary: FastCheck.constantFrom(
        touchInterval - 1,
        touchInterval,
        idleTimeout - 1,
        idleTimeout,
        absoluteTimeout
      ),
      weight: 3
    }
  ).map((millis) => new Advance(millis))
]

/** Runs the commands against stores from `layer`, each run with users of its own, under the test's TestClock. */
const modelTest = <E>(layer: Layer.Layer<SessionStore, E>, numRuns: number) =>
  Effect.gen(function*() {
    const context = yield* Layer.build(layer)
    const store = Context.get(context, SessionStore)
    const runtime = yield* Effect.runtime<never>()
    const run = <A, E>(effect: Effect.Effect<A, E>) => Runtime.runPromise(runtime)(effect)
    yield* Effect.promise(() =>
      FastCheck.assert(
        FastCheck.asyncProperty(FastCheck.commands(commands, { maxCommands: 40 }), async (cmds) => {
          const now = await run(TestClock.currentTimeMillis)
          const users = [`model-${randomUUID()}`, `model-${randomUUID()}`]
          await FastCheck.asyncModelRun(() => ({ model: { now, users, tokens: [] }, real: { store, run } }), cmds)
        }),
        { numRuns }
      )
    )
  })

describe("the session lifecycle agrees with its model", () => {
  it.scoped("in memory", () => modelTest(SessionStore.layerMemory(), 200))

  it.scoped("in SQLite", () => Effect.flatMap(tempFile, (filename) => modelTest(sqlite(filename), 50)))

  it.scoped.skipIf(skipPg)(
    "in PostgreSQL (with its cache and LISTEN/NOTIFY)",
    () => modelTest(pg("effect_auth_test_model"), 25)
  )
})
