/**
 * Sessions in SQLite under load, through a real server: 2,000 concurrent requests from 200 logged-in users (and some
 * anonymous ones) over 50 keep-alive connections, to handlers that read the user on forked and raced fibers. Every
 * response names its own user: the store answers each request's own row.
 */
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Redacted } from "effect"
import { AuthenticationMiddleware, CurrentCredentials, CurrentUser, Session } from "effect-auth"
import { serve } from "effect-auth/NodeTesting"
import { SessionStore } from "effect-auth/SessionStore"
import { Agent, request as httpRequest } from "node:http"
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

const get = (agent: Agent, url: string, headers: Record<string, string>) =>
  Effect.async<{ readonly status: number; readonly body: string }>((resume) => {
    const outgoing = httpRequest(url, { agent, headers }, (response) => {
      let body = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => (body += chunk))
      response.on("end", () => resume(Effect.succeed({ status: response.statusCode ?? 0, body })))
    })
    outgoing.on("error", (error) => resume(Effect.die(error)))
    outgoing.end()
    return Effect.sync(() => outgoing.destroy())
  })

describe("sessions in SQLite under load", () => {
  it.scopedLive("2,000 requests from 200 users over 50 keep-alive connections: each names its own user", () =>
    Effect.gen(function*() {
      const users = Array.from({ length: 200 }, (_, i) => `user-${String(i).padStart(3, "0")}`)
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
      const agent = yield* Effect.acquireRelease(
        Effect.sync(() => new Agent({ keepAlive: true, maxSockets: 50 })),
        (agent) => Effect.sync(() => agent.destroy())
      )
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
    }))
})
