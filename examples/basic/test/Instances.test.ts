/**
 * Several instances: two example servers (`pnpm start`, each in its own process, on ports of their choosing) sharing
 * one PostgreSQL database, in a schema of their own, and the command line on the same database. A login on one is
 * valid on the other; a session revoked or a user disabled through the command line is refused by both, and how long
 * that takes is printed; failed logins are counted across both. Skipped, with a message, without `DATABASE_URL`.
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { request } from "effect-auth/NodeTesting"
import { randomBytes } from "node:crypto"
import { cli, environment, server } from "./utils/processes.js"

const databaseUrl = process.env["DATABASE_URL"]

// a browser: one cookie jar for both instances (cookies ignore the port), pages of the site it is on
const makeBrowser = () => {
  const jar = new Map<string, string>()
  const send = (url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    Effect.map(
      request(url, {
        ...init,
        headers: {
          accept: "text/html",
          "sec-fetch-site": "same-origin",
          origin: new URL(url).origin,
          cookie: Array.from(jar, ([name, value]) => `${name}=${value}`).join("; "),
          ...init.headers
        }
      }),
      (reply) => {
        for (const line of reply.headers.getSetCookie()) {
          const [pair] = line.split(";")
          const equals = pair!.indexOf("=")
          if (/Max-Age=0/.test(line)) jar.delete(pair!.slice(0, equals))
          else jar.set(pair!.slice(0, equals), pair!.slice(equals + 1))
        }
        return reply
      }
    )
  // the form of one instance, posted to the other (their CSRF key is shared)
  const login = (form: string, to: string, username: string, password: string) =>
    Effect.gen(function*() {
      const page = yield* send(`${form}/login`)
      const token = /name="csrf_token" value="([^"]+)"/.exec(page.body)![1]!
      return yield* send(`${to}/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrf_token: token, username, password }).toString()
      })
    })
  const text = (url: string) => Effect.map(send(url, { headers: { accept: "*/*" } }), (reply) => reply.body)
  return { jar, send, login, text }
}

const sinceMillis = (start: number) => performance.now() - start

/**
 * Asks `url` again and again (a cached session costs no query) until `refused` holds, for 60 s at most; answers when
 * it first held (`performance.now()`).
 */
const until = (ask: Effect.Effect<string>, refused: (body: string) => boolean) =>
  Effect.gen(function*() {
    const start = performance.now()
    while (sinceMillis(start) < 60_000) {
      if (refused(yield* ask)) return performance.now()
      yield* Effect.sleep("2 millis")
    }
    return Infinity
  })

// a schema of the test's own, dropped after: other tests on the database keep their users
const schema = Effect.acquireRelease(
  Effect.gen(function*() {
    const sql = yield* PgClient.PgClient
    const name = `example_instances_${randomBytes(6).toString("hex")}`
    yield* sql`CREATE SCHEMA ${sql(name)}`
    return name
  }),
  (name) => Effect.orDie(Effect.flatMap(PgClient.PgClient, (sql) => sql`DROP SCHEMA ${sql(name)} CASCADE`))
)

describe("two instances on one PostgreSQL", () => {
  if (databaseUrl === undefined) {
    const reason = "skipped: DATABASE_URL is not set (see docs/sessions.md to start PostgreSQL)"
    console.warn(`Instances test ${reason}`)
    it.skip(reason, () => {})
    return
  }

  it.scopedLive(
    "a login on A holds on B; a revocation or a disabled user through the command line is refused by both; " +
      "failures count across both",
    () =>
      Effect.gen(function*() {
        // the client lives as long as the test: the schema is dropped with it open, after the servers stopped
        const admin = yield* Layer.build(PgClient.layer({ url: Redacted.make(databaseUrl) }))
        const name = yield* schema.pipe(Effect.provide(admin))
        const url = `${databaseUrl}${databaseUrl.includes("?") ? "&" : "?"}options=${
          encodeURIComponent(`-c search_path=${name}`)
        }`
        const env = environment({ DATABASE_URL: url, SQLITE_FILE: undefined })
        env["CSRF_SECRET"] = randomBytes(32).toString("hex")
        // started together: they race to migrate and to add the demo users, and one of each wins
        const [a, b] = yield* Effect.all([server(env), server(env)], { concurrency: 2 })
        assert.notStrictEqual(a.url, b.url)
        assert.include(a.output(), "PostgreSQL (DATABASE_URL)")

        // alice logs in on A (with B's form): her session is valid on both
        const alice = makeBrowser()
        const loggedIn = yield* alice.login(b.url, a.url, "alice", "wonderland")
        assert.strictEqual(loggedIn.status, 303)
        for (const instance of [a, b]) {
          assert.strictEqual(yield* alice.text(`${instance.url}/dashboard`), "dashboard of alice")
        }

        // revoked through the command line: both refuse it; from the command's answer to the refusal on each
        const id = alice.jar.get("session")!.split(".")[0]!
        const anonymous = (body: string) => body === "hello, you"
        const [revoked, refusedOnA, refusedOnB] = yield* Effect.all([
          cli(["sessions", "revoke", id], { env }),
          until(alice.text(`${a.url}/`), anonymous),
          until(alice.text(`${b.url}/`), anonymous)
        ], { concurrency: 3 })
        assert.strictEqual(revoked.code, 0, revoked.stderr)
        const revocation = [refusedOnA - revoked.doneAt, refusedOnB - revoked.doneAt]

        // bob, disabled through the command line: his session is refused by both, and so is his password
        const bob = makeBrowser()
        assert.strictEqual((yield* bob.login(a.url, b.url, "bob", "builder")).status, 303)
        for (const instance of [a, b]) assert.strictEqual(yield* bob.text(`${instance.url}/`), "hello, bob")
        const [disabled, disabledOnA, disabledOnB] = yield* Effect.all([
          cli(["users", "disable", "bob"], { env }),
          until(bob.text(`${a.url}/`), anonymous),
          until(bob.text(`${b.url}/`), anonymous)
        ], { concurrency: 3 })
        assert.strictEqual(disabled.code, 0, disabled.stderr)
        const disabling = [disabledOnA - disabled.doneAt, disabledOnB - disabled.doneAt]
        for (const instance of [a, b]) {
          const basic = yield* request(`${instance.url}/`, {
            headers: { authorization: `Basic ${Buffer.from("bob:builder").toString("base64")}` }
          })
          assert.strictEqual(basic.body, "hello, you")
        }

        console.log(
          `refused by A and B after the command line said it was done: revoked session ${
            revocation.map((ms) => ms.toFixed(1)).join(" and ")
          } ms, disabled user ${disabling.map((ms) => ms.toFixed(1)).join(" and ")} ms`
        )
        // a generous bound: the command's output and the instances' answers race; a lost notification would take
        // until the next heartbeat or for ever
        for (const ms of [...revocation, ...disabling]) assert.isBelow(ms, 2_000)

        // failed logins for one name, half on A and half on B: the tenth locks it on both, for the form and Basic
        const guesser = makeBrowser()
        for (let i = 0; i < 10; i++) {
          const [form, to] = i % 2 === 0 ? [a.url, b.url] : [b.url, a.url]
          assert.strictEqual((yield* guesser.login(form, to, "alice", `guess${i}`)).status, 400)
        }
        for (const instance of [a, b]) {
          const refused = yield* guesser.login(instance.url, instance.url, "alice", "wonderland")
          assert.strictEqual(refused.status, 429)
          assert.isAtLeast(Number(refused.headers.get("retry-after")), 1)
          const basic = yield* request(`${instance.url}/dashboard`, {
            headers: { authorization: `Basic ${Buffer.from("alice:wonderland").toString("base64")}` }
          })
          assert.strictEqual(basic.status, 429)
        }
      }),
    { timeout: 360_000 }
  )
})
