/**
 * The stores behind a real server. Sessions in SQLite under load: 2,000 concurrent requests from 200 logged-in users
 * (and some anonymous ones) over 50 keep-alive connections, to handlers that read the user on forked and raced
 * fibers; every response names its own user: the store answers each request's own row. And the stores' layer closed
 * under a running server (provided to `serve` alone): logins answer 503 and the log says why.
 */
import { UserStore } from "@effect-auth/sql/UserStore"
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, FiberRef, HashSet, Layer, Logger, Option, Redacted } from "effect"
import { AuthenticationMiddleware, CurrentCredentials, CurrentUser, Session } from "effect-auth"
import { request, serve } from "effect-auth/NodeTesting"
import { SessionStore } from "effect-auth/SessionStore"
import { get, keepAliveAgent, userNames } from "../../auth/test/utils/reliability.js"
import { sqlite, tempFile } from "./utils/stores.js"

const who = Effect.zipWith(
  CurrentUser,
  CurrentCredentials,
  (user, credentials) => `${user.displayName}/${credentials.scopes.join(",")}`
)
const later = Effect.zipRight(Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve))), who)

const app = AuthenticationMiddleware(HttpRouter.empty.pipe(
  HttpRouter.get("/", Effect.map(who, (seen) => HttpServerResponse.text(seen))),
  HttpRouter.get(
    "/fork",
    Effect.map(
      Effect.all([Effect.flatMap(Effect.fork(later), Fiber.join), Effect.race(later, later)], {
        concurrency: "unbounded"
      }),
      ([forked, raced]) => HttpServerResponse.text(forked === raced ? forked : `mixed: ${forked} | ${raced}`)
    )
  )
))

describe("sessions in SQLite under load", () => {
  it.scopedLive(
    "2,000 requests from 200 users over 50 keep-alive connections: each names its own user",
    () =>
      Effect.gen(function*() {
        const users = userNames(200)
        const stores = sqlite(yield* tempFile)
        const context = yield* Layer.build(Layer.merge(stores, Session.layer().pipe(Layer.provide(stores))))
        const store = context.unsafeMap.get(SessionStore.key) as SessionStore["Type"]
        const cookies = yield* Effect.forEach(users, (user) =>
          Effect.map(
            Effect.orDie(store.create({
              userId: user,
              scopes: ["authenticated", `as:${user}`],
              idleTimeout: 60_000,
              absoluteTimeout: 600_000
            })),
            ([token]) => `session=${Redacted.value(token)}`
          ))
        const url = yield* serve(app).pipe(Effect.provide(context))
        const agent = yield* keepAliveAgent(50)
        const wrong: Array<string> = []
        yield* Effect.forEach(Array.from({ length: 2_000 }, (_, i) => i), (i) => {
          const n = (i * 7919) % users.length
          const anonymous = i % 10 === 9
          return Effect.map(
            get(agent, `${url}${i % 2 === 0 ? "/" : "/fork"}`, anonymous ? {} : { cookie: cookies[n]! }),
            (reply) => {
              const expected = anonymous ? "/" : `${users[n]}/authenticated,as:${users[n]}`
              if (reply.status !== 200 || reply.body !== expected) wrong.push(`${i}: ${reply.status} ${reply.body}`)
            }
          )
        }, { concurrency: "unbounded", discard: true })
        assert.deepStrictEqual(wrong, [])
      }),
    // 2,000 requests: a few seconds on a quiet machine, several times that with both cores busy
    120_000
  )
})

describe("the stores' layer closed under a running server", () => {
  // a login: the password checked by the UserStore, then a session made
  const loginApp = AuthenticationMiddleware(HttpRouter.empty.pipe(
    HttpRouter.post(
      "/login",
      Effect.gen(function*() {
        const users = yield* UserStore
        const user = yield* users.authenticate("alice", Redacted.make("wonderland"))
        if (Option.isNone(user)) return HttpServerResponse.empty({ status: 401 })
        return yield* Session.login(HttpServerResponse.empty({ status: 204 }), user.value, user.value.scopes)
      })
    ),
    HttpRouter.get("/", Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName)))
  ))

  it.scoped("provided to `serve` alone: logins and session requests answer 503 with Retry-After, and are logged", () =>
    Effect.gen(function*() {
      const filename = yield* tempFile
      const logged: Array<string> = []
      yield* Effect.locallyScopedWith(
        FiberRef.currentLoggers,
        HashSet.add(Logger.make(({ logLevel, message }) => {
          logged.push(`${logLevel.label} ${Array.isArray(message) ? message.join(" ") : String(message)}`)
        }))
      )
      // a session made while the stores are open, to send afterwards
      const cookie = yield* Effect.gen(function*() {
        const users = yield* UserStore
        const user = yield* users.add({ username: "alice", password: Redacted.make("wonderland") })
        const [token] = yield* Effect.flatMap(
          SessionStore,
          (store) => store.create({ userId: user.id, scopes: [], idleTimeout: 60_000, absoluteTimeout: 600_000 })
        )
        return `session=${Redacted.value(token)}`
      }).pipe(Effect.provide(sqlite(filename)))

      // the mistake: the stores provided to `serve` alone, so their scope (and the database) closes once it returns
      const stores = sqlite(filename)
      const url = yield* serve(loginApp).pipe(
        Effect.provide(Layer.merge(stores, Session.layer().pipe(Layer.provide(stores))))
      )
      const login = yield* request(`${url}/login`, { method: "POST" })
      const withSession = yield* request(url, { headers: { cookie } })
      for (const reply of [login, withSession]) {
        assert.deepStrictEqual(
          [reply.status, reply.headers.get("retry-after"), reply.body],
          [503, "1", "Service Unavailable"]
        )
      }
      assert.isTrue(
        logged.some((line) => line.startsWith("ERROR") && line.includes("after its layer's scope closed")),
        logged.join("\n")
      )
    }))

  it.scoped("built in the test's scope: the same login succeeds", () =>
    Effect.gen(function*() {
      const filename = yield* tempFile
      const stores = sqlite(filename)
      // built in the test's scope: the stores (and the database) stay open as long as the server runs
      const context = yield* Layer.build(Layer.merge(stores, Session.layer().pipe(Layer.provide(stores))))
      const url = yield* serve(loginApp).pipe(Effect.provide(context))
      const alice = yield* Effect.flatMap(
        UserStore,
        (users) => users.add({ username: "alice", password: Redacted.make("wonderland") })
      ).pipe(Effect.provide(context))
      const reply = yield* request(`${url}/login`, { method: "POST" })
      assert.strictEqual(reply.status, 204)
      const cookie = reply.headers.getSetCookie()[0]!.split(";")[0]!
      // the session's user, by the id it records
      assert.strictEqual((yield* request(url, { headers: { cookie } })).body, alice.id)
    }))
})
