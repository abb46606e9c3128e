/**
 * Faults, mixed with healthy traffic on one server: a backend that refuses, cannot decide, dies (an Error, a thrown
 * exception, a string), interrupts itself or hangs; a session store that fails, dies or hangs. Each request gets a
 * clean response (its status, a fixed body, no stack, no secret), the healthy requests beside them are answered as
 * usual, and the server serves the next one.
 *
 * Wiring it on a line (see packages/effect3/auth/test/guarantees/ReliabilityFaults.test.ts):
 * - {@link mixed}: `AuthenticationMiddleware.make({ timeout: "300 millis" })` around `GET /` answering the user's
 *   display name (or `"anonymous"`), with a backend (challenge `Bearer`) that reads {@link faultHeader}: absent, the
 *   request is `SimpleUser(x-user)` with no scopes (anonymous without `x-user`); else the {@link Fault} it names,
 *   each carrying {@link secret} in its message (`unavailable` with `retryAfter: 7`).
 * - {@link storeFailsOrDies}, {@link storeHangs}, {@link storeFails}: the same route behind a session backend whose
 *   store's `authenticate` fails, dies or hangs while the `setMode` the line passes says so, and a session `token`
 *   of `alice`; `storeHangs` with the middleware's timeout of 200 ms, its logs silenced.
 * The log lines a fault writes are read through the line's logger: the line checks them.
 */
import * as assert from "node:assert/strict"
import { keepAliveAgent, send } from "./Reliability.js"

/** What every fault carries in its message or cause, and no answer may hold. */
export const secret = "hunter2-the-db-password"

/** The request header naming the fault the backend commits. */
export const faultHeader = "x-fault"

/** The faults a backend commits. */
export type Fault = "refuse" | "unavailable" | "die" | "throw" | "die-string" | "interrupt" | "hang"

/** What each kind of request answers: the status, the body, and Retry-After when there is one. */
export const expected: Record<Fault | "user" | "anonymous", readonly [number, string, string | undefined]> = {
  user: [200, "alice", undefined],
  anonymous: [200, "anonymous", undefined],
  refuse: [400, "Invalid credentials", undefined],
  unavailable: [503, "Service Unavailable", "7"],
  die: [500, "Internal Server Error", undefined],
  throw: [500, "Internal Server Error", undefined],
  "die-string": [500, "Internal Server Error", undefined],
  // the platform's answer for an app that was interrupted (and no client that went away): 503, no body
  interrupt: [503, "", undefined],
  hang: [503, "Service Unavailable", "1"]
}

/** What a clean answer is not: a stack frame, an error's name, the secret. */
export const assertClean = (body: string, label: string): void => {
  assert.doesNotMatch(body, /\n\s+at |Error:|FiberFailure|hunter2/, label)
}

/** The message the middleware logs a defect with, once per defect, at error level. */
export const defectMessage = "AuthenticationBackend failed unexpectedly"

/**
 * 180 requests at once over 8 kept connections, every kind of {@link expected} in turn: each is answered as
 * expected and cleanly (no secret in its headers either), and the server serves on. Answers how many defects were
 * sent (each logged once, in full, as an error: the line counts its log lines).
 */
export const mixed = async (url: string): Promise<number> => {
  const agent = keepAliveAgent(8)
  try {
    const kinds = Object.keys(expected) as ReadonlyArray<keyof typeof expected>
    const plan = Array.from({ length: 180 }, (_, i) => kinds[i % kinds.length]!)
    const replies = await Promise.all(plan.map(async (kind) => {
      const headers = kind === "user" ? { "x-user": "alice" } : kind === "anonymous" ? {} : { [faultHeader]: kind }
      return [kind, await send(url, { agent, headers })] as const
    }))
    for (const [kind, reply] of replies) {
      const [status, body, retryAfter] = expected[kind]
      assert.deepStrictEqual([reply.status, reply.body, reply.headers["retry-after"]], [status, body, retryAfter], kind)
      assertClean(reply.body, kind)
      assert.ok(!JSON.stringify(reply.headers).includes(secret), kind)
    }
    // the server serves on
    assert.strictEqual((await send(url, { agent, headers: { "x-user": "bob" } })).body, "bob")
    return plan.filter((kind) => kind === "die" || kind === "throw" || kind === "die-string").length
  } finally {
    agent.destroy()
  }
}

// --- a session store that is down -------------------------------------------------------------------------------

/** What the line's session store does when asked to authenticate. */
export type StoreMode = "up" | "fail" | "die" | "hang"

const sessionHeaders = (token: string) => ({ headers: { cookie: `session=${token}` } })

/** Fails: 503 with Retry-After; dies: a generic 500 (no stack, no secret); no cookie: anonymous; back up, the user. */
export const storeFailsOrDies = async (
  url: string,
  token: string,
  setMode: (mode: StoreMode) => void
): Promise<void> => {
  assert.strictEqual((await send(url, sessionHeaders(token))).body, "alice")
  for (
    const [mode, status, body] of [["fail", 503, "Service Unavailable"], ["die", 500, "Internal Server Error"]] as const
  ) {
    setMode(mode)
    const reply = await send(url, sessionHeaders(token))
    assert.deepStrictEqual([reply.status, reply.body], [status, body], mode)
    assertClean(reply.body, mode)
    // a request without a cookie never asks the store
    assert.deepStrictEqual((await send(url)).body, "anonymous")
  }
  setMode("up")
  assert.strictEqual((await send(url, sessionHeaders(token))).body, "alice")
}

/** Hangs: with the middleware's timeout, 503 with Retry-After, two at once; back up, the user. */
export const storeHangs = async (url: string, token: string, setMode: (mode: StoreMode) => void): Promise<void> => {
  setMode("hang")
  const replies = await Promise.all([send(url, sessionHeaders(token)), send(url, sessionHeaders(token))])
  for (const reply of replies) {
    assert.deepStrictEqual([reply.status, reply.body, reply.headers["retry-after"]], [503, "Service Unavailable", "1"])
  }
  setMode("up")
  assert.strictEqual((await send(url, sessionHeaders(token))).body, "alice")
}

/** Fails: 503 with Retry-After, as an unreachable key set is (a server fault the client can retry). */
export const storeFails = async (url: string, token: string, setMode: (mode: StoreMode) => void): Promise<void> => {
  setMode("fail")
  const reply = await send(url, sessionHeaders(token))
  assert.deepStrictEqual([reply.status, reply.headers["retry-after"]], [503, "1"])
}
