/**
 * Isolation under load: for each backend, 2,000 concurrent requests from 200 users (and some anonymous ones),
 * interleaved over 50 keep-alive connections, to handlers that read the user on forked fibers, on concurrent
 * `forEach` fibers, on both sides of a race and after an event-loop turn. Every response names its own user and
 * scopes: nothing of one request reaches another, on the same connection or elsewhere.
 */
import { assert, describe, it } from "@effect/vitest"
import type { Scope } from "effect"
import { Effect, Fiber, Layer, Option, Redacted } from "effect"
import {
  ApiKey,
  AuthCredentials,
  AuthenticationBackend,
  AuthenticationMiddleware,
  Basic,
  Bearer,
  CurrentCredentials,
  CurrentUser,
  Password,
  Session,
  SimpleUser
} from "effect-auth"
import { SessionStore } from "effect-auth/SessionStore"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import type { KeptReply } from "../utils/reliability.js"
import { get, interleaved, keepAliveAgent, userNames } from "../utils/reliability.js"
import { serve } from "../utils/server.js"

const requests = 2_000
const users = userNames(200)
// one request in ten carries no credentials: an anonymous request must not inherit a user from its connection
const anonymousEvery = 10

const credentialsOf = (name: string) => new AuthCredentials(["authenticated", `as:${name}`])
const accept = (name: string) => Option.some([credentialsOf(name), new SimpleUser(name)] as const)

// what a handler saw: `<displayName>/<scopes>`, read where the handler says
const who = Effect.zipWith(
  CurrentUser,
  CurrentCredentials,
  (user, credentials) => `${user.displayName}/${credentials.scopes.join(",")}`
)
// a turn of the event loop: other requests' fibers run in between
const turn = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
const later = Effect.andThen(turn, who)

const routes: ReadonlyArray<
  readonly [string, Effect.Effect<ReadonlyArray<string>, never, CurrentUser | CurrentCredentials>]
> = [
  ["plain", Effect.map(Effect.andThen(Effect.yieldNow, who), (seen) => [seen])],
  ["fork", Effect.map(Effect.flatMap(Effect.forkChild(later), Fiber.join), (seen) => [seen])],
  [
    "forEach",
    Effect.forEach([0, 1, 2, 3, 4], (i) => (i % 2 === 0 ? later : Effect.andThen(Effect.yieldNow, who)), {
      concurrency: "unbounded"
    })
  ],
  [
    "race",
    Effect.map(
      Effect.all([Effect.race(later, Effect.andThen(Effect.yieldNow, who)), Effect.raceFirst(later, later)]),
      (seen) => [...seen]
    )
  ],
  [
    "detached",
    Effect.map(
      Effect.flatMap(Effect.forkDetach(later), Fiber.join),
      (seen) => [seen]
    )
  ]
]

const [first, ...rest] = routes.map(([name, handler]) =>
  HttpRouter.add("GET", `/${name}`, Effect.map(handler, (seen) => HttpServerResponse.jsonUnsafe(seen)))
)
// the function form, around the router's app
const app = Effect.map(HttpRouter.toHttpEffect(Layer.mergeAll(first!, ...rest)), AuthenticationMiddleware)

/** How a backend's request presents a user: headers, and a query string for query keys. */
interface Presented {
  readonly headers: Record<string, string>
  readonly query?: string | undefined
}

interface Case {
  readonly name: string
  readonly setup: Effect.Effect<
    { readonly layer: Layer.Layer<AuthenticationBackend>; readonly present: (user: string) => Presented },
    never,
    Scope.Scope
  >
}

const basicHeader = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`

// a cheap lookup per user, compared in constant time as an app would
const byKey = (prefix: string) => (key: Redacted.Redacted<string>) => {
  const value = Redacted.value(key)
  const name = value.slice(prefix.length)
  return Effect.succeed(
    value.startsWith(prefix) && users.includes(name) && Password.equals(key, `${prefix}${name}`)
      ? accept(name)
      : Option.none()
  )
}

const cases: ReadonlyArray<Case> = [
  {
    name: "Basic",
    setup: Effect.succeed({
      layer: Basic.layer({
        realm: "load",
        verify: (username, password) =>
          Effect.succeed(Password.equals(password, `pw-${username}`) ? accept(username) : Option.none())
      }),
      present: (user) => ({ headers: { authorization: basicHeader(user, `pw-${user}`) } })
    })
  },
  {
    name: "Bearer",
    setup: Effect.succeed({
      layer: Bearer.layer({ verify: byKey("tok-") }),
      present: (user) => ({ headers: { authorization: `Bearer tok-${user}` } })
    })
  },
  {
    name: "ApiKey in a header",
    setup: Effect.succeed({
      layer: ApiKey.layer({ in: "header", name: "x-api-key", verify: byKey("key-") }),
      present: (user) => ({ headers: { "x-api-key": `key-${user}` } })
    })
  },
  {
    name: "ApiKey in the query",
    setup: Effect.succeed({
      layer: ApiKey.layer({ in: "query", name: "api_key", verify: byKey("key-") }),
      present: (user) => ({ headers: {}, query: `?page=1&api_key=key-${user}` })
    })
  },
  {
    name: "ApiKey in a cookie",
    setup: Effect.succeed({
      layer: ApiKey.layer({ in: "cookie", name: "key", verify: byKey("key-") }),
      present: (user) => ({ headers: { cookie: `theme=dark; key=key-${user}; lang=en` } })
    })
  },
  {
    name: "Session (memory store)",
    setup: Effect.gen(function*() {
      const store = yield* SessionStore.makeMemory()
      const tokens = new Map<string, string>()
      for (const user of users) {
        const [token] = yield* Effect.orDie(store.create({
          userId: user,
          scopes: credentialsOf(user).scopes,
          idleTimeout: 60_000,
          absoluteTimeout: 600_000
        }))
        tokens.set(user, Redacted.value(token))
      }
      const session = yield* Session.make().pipe(Effect.provideService(SessionStore, store))
      return {
        layer: AuthenticationBackend.layer(session.backend),
        present: (user: string) => ({ headers: { cookie: `session=${tokens.get(user)!}` } })
      }
    })
  }
]

/** Fires the requests at once (the agent queues them on its connections) and answers each with whom it was for. */
const load = (url: string, present: (user: string) => Presented) =>
  Effect.gen(function*() {
    const agent = yield* keepAliveAgent(50)
    const order = interleaved(users, requests)
    return yield* Effect.forEach(
      order,
      (name, i): Effect.Effect<readonly [string | undefined, string, KeptReply]> => {
        const user = i % anonymousEvery === anonymousEvery - 1 ? undefined : name
        const route = routes[i % routes.length]![0]
        const presented: Presented = user === undefined ? { headers: {} } : present(user)
        return Effect.map(
          get(agent, `${url}/${route}${presented.query ?? ""}`, presented.headers),
          (reply) => [user, route, reply] as const
        )
      },
      { concurrency: "unbounded" }
    )
  })

describe("isolation under load: every response names its own user", () => {
  for (const { name, setup } of cases) {
    it.live(
      `${name}: ${requests} requests from ${users.length} users over 50 keep-alive connections`,
      () =>
        Effect.gen(function*() {
          const { layer, present } = yield* setup
          const url = yield* Effect.flatMap(app, (handler) => serve(handler)).pipe(Effect.provide(layer))
          const replies = yield* load(url, present)
          const wrong: Array<string> = []
          const sockets = new Set<number>()
          for (const [user, route, reply] of replies) {
            sockets.add(reply.socket)
            const expected = user === undefined ? "/" : `${user}/authenticated,as:${user}`
            const seen = reply.status === 200 ? (JSON.parse(reply.body) as ReadonlyArray<string>) : []
            if (seen.length === 0 || seen.some((s) => s !== expected)) {
              wrong.push(`${route} for ${user ?? "anonymous"}: ${reply.status} ${reply.body}`)
            }
          }
          assert.strictEqual(replies.length, requests)
          assert.deepStrictEqual(wrong, [])
          // the connections were kept: 50 of them carried the 2,000 requests
          assert.isAtMost(sockets.size, 50)
        }),
      // 2,000 requests: a few seconds on a quiet machine, several times that with both cores busy
      120_000
    )
  }
})
