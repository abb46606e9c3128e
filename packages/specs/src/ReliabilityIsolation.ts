/**
 * Isolation under load: 2,000 concurrent requests from 200 users (and some anonymous ones), interleaved over 50
 * keep-alive connections, to handlers that read the user on other fibers. Every response names its own user and
 * scopes: nothing of one request reaches another, on the same connection or elsewhere.
 *
 * Wiring it on a line (see packages/effect3/auth/test/guarantees/ReliabilityIsolation.test.ts): behind
 * `AuthenticationMiddleware`, one `GET /<route>` per name the line passes, each answering a JSON array of what it
 * saw, `<displayName>/<scopes joined by ",">` ({@link expectedOf}), read where the route says; a backend that accepts
 * each of {@link users} with the scopes {@link scopesOf} as {@link presenters} (or the line's own) present them.
 */
import * as assert from "node:assert/strict"
import { interleaved, keepAliveAgent, send, userNames } from "./Reliability.js"

/** How many requests a run sends. */
export const requests = 2_000

/** The 200 users of a run. */
export const users = userNames(200)

// one request in ten carries no credentials: an anonymous request must not inherit a user from its connection
const anonymousEvery = 10

/** The scopes a backend grants `name`. */
export const scopesOf = (name: string): ReadonlyArray<string> => ["authenticated", `as:${name}`]

/** What a handler sees for `user` (`undefined`: anonymous). */
export const expectedOf = (user: string | undefined): string =>
  user === undefined ? "/" : `${user}/${scopesOf(user).join(",")}`

/** How a backend's request presents a user: headers, and a query string for query keys. */
export interface Presented {
  readonly headers: Record<string, string>
  readonly query?: string | undefined
}

const basicHeader = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`

/**
 * The stateless ways of presenting a user, and what the line's backend checks: Basic with the password
 * `pw-<user>` (realm `load`), Bearer `tok-<user>`, an API key `key-<user>` in the header `x-api-key`, in the
 * query `api_key`, in the cookie `key` (among others).
 */
export const presenters = {
  basic: (user: string): Presented => ({ headers: { authorization: basicHeader(user, `pw-${user}`) } }),
  bearer: (user: string): Presented => ({ headers: { authorization: `Bearer tok-${user}` } }),
  apiKeyHeader: (user: string): Presented => ({ headers: { "x-api-key": `key-${user}` } }),
  apiKeyQuery: (user: string): Presented => ({ headers: {}, query: `?page=1&api_key=key-${user}` }),
  apiKeyCookie: (user: string): Presented => ({ headers: { cookie: `theme=dark; key=key-${user}; lang=en` } }),
  session: (tokens: ReadonlyMap<string, string>) => (user: string): Presented => ({
    headers: { cookie: `session=${tokens.get(user)!}` }
  })
} as const

/**
 * Fires the requests at once (the agent queues them on its 50 connections), route after route of `routes`, and
 * checks every response names its own user and scopes, and that the connections were kept.
 */
export const underLoad = async (
  url: string,
  routes: ReadonlyArray<string>,
  present: (user: string) => Presented
): Promise<void> => {
  const agent = keepAliveAgent(50)
  try {
    const order = interleaved(users, requests)
    const replies = await Promise.all(order.map(async (name, i) => {
      const user = i % anonymousEvery === anonymousEvery - 1 ? undefined : name
      const route = routes[i % routes.length]!
      const presented: Presented = user === undefined ? { headers: {} } : present(user)
      const reply = await send(`${url}/${route}${presented.query ?? ""}`, { agent, headers: presented.headers })
      return [user, route, reply] as const
    }))
    const wrong: Array<string> = []
    const sockets = new Set<number>()
    for (const [user, route, reply] of replies) {
      sockets.add(reply.socket)
      const expected = expectedOf(user)
      const seen = reply.status === 200 ? (JSON.parse(reply.body) as ReadonlyArray<string>) : []
      if (seen.length === 0 || seen.some((s) => s !== expected)) {
        wrong.push(`${route} for ${user ?? "anonymous"}: ${reply.status} ${reply.body}`)
      }
    }
    assert.strictEqual(replies.length, requests)
    assert.deepStrictEqual(wrong, [])
    // the connections were kept: 50 of them carried the 2,000 requests
    assert.ok(sockets.size <= 50, `${sockets.size} connections`)
  } finally {
    agent.destroy()
  }
}
