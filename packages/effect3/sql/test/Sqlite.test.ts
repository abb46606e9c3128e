/**
 * The stores in SQLite (a file in a temporary folder): users, sessions and throttles as stored, and bad input.
 */
import { InvalidUsername, UsernameTaken, UserNotFound, UserStore } from "@effect-auth/sql/UserStore"
import * as SqlClient from "@effect/sql/SqlClient"
import { assert, describe, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer, Option, Redacted, TestClock } from "effect"
import { SessionStore } from "effect-auth/SessionStore"
import { ThrottleStore } from "effect-auth/Throttle"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { sqlite, statementCounter, tempFile } from "./utils/stores.js"

// another process's connection to the file, as the command line would open it: better-sqlite3, the driver the
// SQLite client uses
const Database = createRequire(createRequire(import.meta.url).resolve("@effect/sql-sqlite-node/SqliteClient"))(
  "better-sqlite3"
) as new(filename: string) => {
  prepare(sql: string): { run(...parameters: ReadonlyArray<unknown>): unknown }
  close(): void
}

const withStores = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(tempFile, (filename) => Effect.provide(effect, sqlite(filename)))

const password = Redacted.make("correct horse battery staple")
const session = (userId: string) => ({
  userId,
  scopes: ["authenticated"],
  idleTimeout: 60_000,
  absoluteTimeout: 600_000
})

describe("Sqlite.layer", () => {
  it.scoped("creates the file and its folder on first start, and keeps what is stored across restarts", () =>
    Effect.gen(function*() {
      const filename = yield* tempFile
      assert.isFalse(fs.existsSync(filename))
      const token = yield* Effect.gen(function*() {
        yield* Effect.flatMap(UserStore, (users) => users.add({ username: "alice", password }))
        const [token] = yield* Effect.flatMap(SessionStore, (store) => store.create(session("alice")))
        return token
      }).pipe(Effect.provide(sqlite(filename)))
      assert.isTrue(fs.existsSync(filename))
      // a second start: migrations are not run twice, the user and the session are there
      yield* Effect.gen(function*() {
        assert.isTrue(Option.isSome(yield* Effect.flatMap(UserStore, (users) => users.find("ALICE"))))
        const found = yield* Effect.flatMap(SessionStore, (store) => store.authenticate(Redacted.value(token)))
        assert.deepStrictEqual(Option.map(found, (s) => s.userId), Option.some("alice"))
      }).pipe(Effect.provide(sqlite(filename)))
    }))

  it.scoped("makes the folder 0700 and the database, its -wal and its -shm 0600, under the usual umask", () =>
    Effect.gen(function*() {
      const filename = yield* tempFile
      const modeOf = (file: string) => (fs.statSync(file).mode & 0o777).toString(8)
      // the usual umask, which leaves files readable by all (0644) unless made otherwise
      const umask = process.umask(0o022)
      yield* Effect.addFinalizer(() => Effect.sync(() => process.umask(umask)))
      yield* Effect.gen(function*() {
        // a write, so that SQLite has made its -wal and -shm files
        yield* Effect.flatMap(UserStore, (users) => users.add({ username: "alice", password }))
        assert.deepStrictEqual(
          ["", "-wal", "-shm"].map((suffix) => [suffix, modeOf(`${filename}${suffix}`)]),
          [["", "600"], ["-wal", "600"], ["-shm", "600"]]
        )
        assert.strictEqual(modeOf(path.dirname(filename)), "700")
      }).pipe(Effect.provide(sqlite(filename)))
    }))
})

describe("UserStore in SQLite", () => {
  it.scoped("usernames keep their case, are compared without it, and are unique that way", () =>
    withStores(Effect.gen(function*() {
      const users = yield* UserStore
      const alice = yield* users.add({ username: "Alice", password, scopes: ["admin"] })
      assert.strictEqual(alice.displayName, "Alice")
      assert.strictEqual(alice.identity, alice.id)
      for (const same of ["alice", "ALICE", "Ａｌｉｃｅ"]) {
        const taken = yield* Effect.flip(users.add({ username: same, password }))
        assert.instanceOf(taken, UsernameTaken, same)
        assert.deepStrictEqual(Option.map(yield* users.find(same), (u) => u.username), Option.some("Alice"))
      }
      assert.deepStrictEqual((yield* users.list).map((u) => [u.username, u.scopes]), [["Alice", ["admin"]]])
    })))

  it.scoped("SQL metacharacters and unicode are names like any other; control characters are refused", () =>
    withStores(Effect.gen(function*() {
      const users = yield* UserStore
      const names = ["o'brien", "x\"; DROP TABLE effect_auth_users; --", "%_\\", "Zoë", "名前", "🦊 fox"]
      for (const username of names) yield* users.add({ username, password })
      assert.sameMembers((yield* users.list).map((u) => u.username), names)
      for (const username of names) {
        assert.isTrue(Option.isSome(yield* users.authenticate(username, password)), username)
      }
      assert.isTrue(Option.isNone(yield* users.find("%")), "LIKE patterns mean nothing")
      for (const username of ["", " alice", "alice ", "a\nb", "a\u0000b", "a\u202eb", "x".repeat(65)]) {
        assert.instanceOf(
          yield* Effect.flip(users.add({ username, password })),
          InvalidUsername,
          JSON.stringify(username)
        )
      }
      assert.strictEqual((yield* users.list).length, names.length, "nothing written for a refused name")
    })))

  it.scoped("authenticate: the right password of an enabled user only; the hash is scrypt, never the password", () =>
    withStores(Effect.gen(function*() {
      const users = yield* UserStore
      const sql = yield* SqlClient.SqlClient
      yield* users.add({ username: "alice", password })
      const rows = yield* sql<{ password_hash: string }>`SELECT password_hash FROM effect_auth_users`
      assert.match(rows[0]!.password_hash, /^\$scrypt\$ln=10,r=8,p=1\$/)
      assert.isTrue(Option.isSome(yield* users.authenticate("ALICE", password)))
      assert.isTrue(Option.isNone(yield* users.authenticate("alice", Redacted.make("wrong"))))
      assert.isTrue(Option.isNone(yield* users.authenticate("nobody", password)))
      yield* users.setDisabled("alice", true)
      assert.isTrue(Option.isNone(yield* users.authenticate("alice", password)))
      yield* users.setDisabled("alice", false)
      assert.isTrue(Option.isSome(yield* users.authenticate("alice", password)))
      assert.instanceOf(yield* Effect.flip(users.setDisabled("nobody", true)), UserNotFound)
    })))

  it.scoped("a password change revokes the user's other sessions; disabling revokes all", () =>
    withStores(Effect.gen(function*() {
      const users = yield* UserStore
      const store = yield* SessionStore
      const alice = yield* users.add({ username: "alice", password })
      const bob = yield* users.add({ username: "bob", password })
      const [a1] = yield* store.create(session(alice.id))
      const [a2, current] = yield* store.create(session(alice.id))
      const [b1] = yield* store.create(session(bob.id))
      const live = (token: Redacted.Redacted<string>) =>
        Effect.map(store.authenticate(Redacted.value(token)), Option.isSome)
      yield* users.setPassword("alice", Redacted.make("a new password"), current.id)
      assert.deepStrictEqual(yield* Effect.all([live(a1), live(a2), live(b1)]), [false, true, true])
      assert.isTrue(Option.isNone(yield* users.authenticate("alice", password)))
      assert.isTrue(Option.isSome(yield* users.authenticate("alice", Redacted.make("a new password"))))
      yield* users.setDisabled("alice", true)
      assert.deepStrictEqual(yield* Effect.all([live(a2), live(b1)]), [false, true])
    })))
})

describe("SqlSessionStore in SQLite", () => {
  it.scoped("the table holds the secret's SHA-256 only: a leaked row opens no session", () =>
    withStores(Effect.gen(function*() {
      const store = yield* SessionStore
      const sql = yield* SqlClient.SqlClient
      const [token, created] = yield* store.create(session("alice"))
      const secret = Redacted.value(token).slice(23)
      const rows = yield* sql<Record<string, unknown>>`SELECT * FROM effect_auth_sessions`
      assert.strictEqual(rows.length, 1)
      const row = rows[0]!
      assert.strictEqual(row["id"], created.id)
      assert.notInclude(JSON.stringify(row), secret)
      assert.strictEqual(row["secret_hash"], SessionStore.hashSecret(secret))
      // what a thief could try with the row: the id with the hash, or any part of it, as the secret
      const hash = String(row["secret_hash"])
      for (const guess of [hash.slice(0, 43), Buffer.from(hash, "hex").toString("base64url")]) {
        assert.isTrue(Option.isNone(yield* store.authenticate(`${created.id}.${guess}`)))
      }
      assert.isTrue(Option.isSome(yield* store.authenticate(Redacted.value(token))))
    })))

  it.scoped("malformed tokens ask nothing and write nothing; expired rows are swept at the next login", () =>
    withStores(Effect.gen(function*() {
      const store = yield* SessionStore
      const sql = yield* SqlClient.SqlClient
      for (const bad of ["", "x", "' OR 1=1 --", `${"A".repeat(22)}.${"B".repeat(43)}`]) {
        assert.isTrue(Option.isNone(yield* store.authenticate(bad)))
      }
      yield* store.create(session("alice"))
      yield* TestClock.adjust("10 minutes")
      yield* store.create(session("bob"))
      const rows = yield* sql<{ user_id: string }>`SELECT user_id FROM effect_auth_sessions`
      assert.deepStrictEqual(rows.map((r) => r.user_id), ["bob"])
    })))
})

describe("SqlSessionStore in SQLite: the cache and other connections", () => {
  const live = (store: SessionStore.Service, token: Redacted.Redacted<string>) =>
    Effect.map(store.authenticate(Redacted.value(token)), Option.isSome)

  it.scoped("two instances on one file: revoked through B, or by another process, A refuses it at its next request", () =>
    Effect.gen(function*() {
      const filename = yield* tempFile
      const a = Context.get(yield* Layer.build(sqlite(filename)), SessionStore)
      const b = Context.get(yield* Layer.build(sqlite(filename)), SessionStore)
      const [t1, s1] = yield* b.create(session("alice"))
      const [t2] = yield* b.create(session("alice"))
      const [t3, s3] = yield* a.create(session("bob"))
      const [t4] = yield* a.create(session("carol"))
      // read, then cached on A: each asked twice
      for (const token of [t1, t2, t3, t4, t1, t2, t3, t4]) assert.isTrue(yield* live(a, token))
      yield* b.revoke(s1.id)
      assert.deepStrictEqual(yield* Effect.all([live(a, t1), live(a, t2)]), [false, true])
      yield* b.revokeUser("alice")
      assert.isFalse(yield* live(a, t2))
      // another process (the command line) deletes a row: A refuses it at once too
      const other = new Database(filename)
      yield* Effect.addFinalizer(() => Effect.sync(() => other.close()))
      other.prepare("DELETE FROM effect_auth_sessions WHERE id = ?").run(s3.id)
      assert.deepStrictEqual(yield* Effect.all([live(a, t3), live(a, t4)]), [false, true])
      // and B, which never cached them, agrees
      assert.deepStrictEqual(yield* Effect.all([live(b, t1), live(b, t2), live(b, t3), live(b, t4)]), [
        false,
        false,
        false,
        true
      ])
    }))

  it.scoped("a cached session costs no query through the client; a write by another connection makes A read again", () =>
    Effect.gen(function*() {
      const filename = yield* tempFile
      const a = Context.get(yield* Layer.build(sqlite(filename)), SessionStore)
      const b = Context.get(yield* Layer.build(sqlite(filename)), SessionStore)
      const [token, created] = yield* a.create(session("alice"))
      const counter = statementCounter()
      for (let i = 0; i < 100; i++) assert.isTrue(yield* live(a, token).pipe(counter.counting))
      assert.strictEqual(counter.count(), 0, "read through the store's own connection, then cached")
      // another connection changes the row (here its scopes, as no store would): A answers the row as it is now
      const other = new Database(filename)
      yield* Effect.addFinalizer(() => Effect.sync(() => other.close()))
      other.prepare("UPDATE effect_auth_sessions SET scopes = '[\"changed\"]' WHERE id = ?").run(created.id)
      const found = yield* a.authenticate(Redacted.value(token))
      assert.deepStrictEqual(Option.map(found, (s) => s.scopes), Option.some(["changed"]))
      yield* b.create(session("bob"))
      assert.isTrue(yield* live(a, token))
    }))

  it.scoped("idle and absolute expiry hold for cached sessions, by Effect's Clock", () =>
    Effect.gen(function*() {
      const store = Context.get(yield* Layer.build(sqlite(yield* tempFile)), SessionStore)
      // idle 1 minute, absolute 10: one session left alone, one used every 30 seconds
      const [idle] = yield* store.create(session("alice"))
      const [used] = yield* store.create(session("bob"))
      assert.deepStrictEqual(yield* Effect.all([live(store, idle), live(store, used)]), [true, true])
      yield* TestClock.adjust("30 seconds")
      assert.isTrue(yield* live(store, used))
      yield* TestClock.adjust("30 seconds")
      assert.deepStrictEqual(yield* Effect.all([live(store, idle), live(store, used)]), [false, true])
      for (let elapsed = 60_000; elapsed < 600_000 - 30_000; elapsed += 30_000) {
        yield* TestClock.adjust("30 seconds")
        assert.isTrue(yield* live(store, used), `in use at ${elapsed + 30_000} ms`)
      }
      yield* TestClock.adjust("30 seconds")
      assert.isFalse(yield* live(store, used), "past its absolute expiry")
    }))
})

describe("SqlThrottleStore in SQLite", () => {
  it.scoped("counts per key in a fixed window, restarts after it, resets", () =>
    withStores(Effect.gen(function*() {
      const throttle = yield* ThrottleStore
      assert.deepStrictEqual(yield* throttle.get("u:alice"), { count: 0, resetAt: 0 })
      assert.deepStrictEqual(yield* throttle.hit("u:alice", Duration.minutes(1)), { count: 1, resetAt: 60_000 })
      yield* TestClock.adjust("30 seconds")
      assert.deepStrictEqual(yield* throttle.hit("u:alice", Duration.minutes(1)), { count: 2, resetAt: 60_000 })
      assert.deepStrictEqual(yield* throttle.get("u:alice"), { count: 2, resetAt: 60_000 })
      assert.deepStrictEqual(yield* throttle.get("a:127.0.0.1"), { count: 0, resetAt: 0 })
      yield* TestClock.adjust("30 seconds")
      assert.deepStrictEqual(yield* throttle.get("u:alice"), { count: 0, resetAt: 0 })
      assert.deepStrictEqual(yield* throttle.hit("u:alice", Duration.minutes(1)), { count: 1, resetAt: 120_000 })
      yield* throttle.reset("u:alice")
      assert.deepStrictEqual(yield* throttle.get("u:alice"), { count: 0, resetAt: 0 })
      // keys are data, never SQL
      assert.strictEqual(
        (yield* throttle.hit("u:'); DROP TABLE effect_auth_throttle; --", Duration.minutes(1))).count,
        1
      )
    })))

  it.scoped("two connections to one file count together", () =>
    Effect.gen(function*() {
      const filename = yield* tempFile
      const a = yield* Layer.build(sqlite(filename))
      const b = yield* Layer.build(sqlite(filename))
      const hit = (context: typeof a) =>
        Effect.flatMap(ThrottleStore, (t) => t.hit("k", Duration.minutes(1))).pipe(Effect.provide(context))
      yield* Effect.all([hit(a), hit(b), hit(a), hit(b)], { concurrency: "unbounded" })
      assert.strictEqual((yield* Effect.flatMap(ThrottleStore, (t) => t.get("k")).pipe(Effect.provide(a))).count, 4)
    }))
})
