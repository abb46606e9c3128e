/**
 * Oversized and malformed input, through a real server: headers of 16 KB and 64 KB (Node refuses headers over its
 * 16 KiB limit with 431 before any of the app runs), a 1 MB login or form body (413 from its `Content-Length`, or as
 * soon as a body without one passes the limit), 1,000 cookies, malformed credentials of every kind; each is answered
 * with its own status, the server serves the next request, and repeating them leaves the heap where it was.
 *
 * Wiring it on a line (see packages/effect3/auth/test/guarantees/ReliabilityInput.test.ts): behind
 * `Csrf.middleware({ exempt: /login })` around `AuthenticationMiddleware`, with `Csrf.layer()` and a backend that is
 * the first of Basic (`alice` / `wonderland`), Bearer (`t0ken` is `robot`), an API key in the cookie `key` (`k-1` is
 * `browser`) and a session (a session of `carol`), a router with `GET /` answering the user's display name (or
 * `"anonymous"`), `POST /login` reading `Login.readForm()` and answering `form of <username>`, `POST /form`
 * answering `accepted`; its logs silenced.
 */
import * as assert from "node:assert/strict"
import { forEachLimited, heapAfterGc, outcome, send } from "./Reliability.js"

const kb = (n: number) => "a".repeat(n * 1024)
const megabyteForm = `username=alice&password=${"x".repeat(1024 * 1024)}`

// a body sent without a length is cut as it passes the limit: the platform closes the connection to stop it, so
// a client still sending sees it reset rather than the 413 (which it may also read first)
const cut = (status: number | string) => status === 413 || status === "ECONNRESET" || status === "EPIPE" ? 413 : status

/** A 1 MB login form sent without a length: 413, or the connection cut as it passes the limit. */
export const chunkedForm = (url: string): Promise<number | string> =>
  outcome(`${url}/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "transfer-encoding": "chunked" },
    body: megabyteForm
  }).then(cut)

/** Every oversized or malformed request, with what it must answer. */
export const hostile = (url: string): ReadonlyArray<readonly [string, () => Promise<number | string>, number]> => [
  ["a 16 KB header", () => outcome(url, { headers: { "x-junk": kb(16) } }), 431],
  ["a 64 KB header", () => outcome(url, { headers: { "x-junk": kb(64) } }), 431],
  ["a 64 KB Authorization", () => outcome(url, { headers: { authorization: `Basic ${kb(64)}` } }), 431],
  [
    "a 1 MB login form",
    () =>
      outcome(`${url}/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: megabyteForm
      }),
    413
  ],
  ["a 1 MB login form sent without a length", () => chunkedForm(url), 413],
  // without the CSRF cookie, refused before the body is read; with one, the form that should hold the token is
  // too large to read
  [
    "a 1 MB form to a CSRF-checked route, without the CSRF cookie",
    () =>
      outcome(`${url}/form`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: megabyteForm
      }),
    403
  ],
  [
    "a 1 MB form to a CSRF-checked route",
    () =>
      outcome(`${url}/form`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: `csrf=${"n".repeat(43)}` },
        body: megabyteForm
      }),
    413
  ],
  [
    "a Content-Length that is no number",
    () =>
      outcome(`${url}/login`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "content-length": "1e9" }
      }),
    400
  ],
  ["Basic of 8 KB that is no base64", () => outcome(url, { headers: { authorization: `Basic ${kb(8)}!` } }), 400],
  ["Bearer of 8 KB with a space", () => outcome(url, { headers: { authorization: `Bearer ${kb(8)} x` } }), 400],
  [
    "Basic of 8 KB, well formed: a wrong password, anonymous",
    () => outcome(url, { headers: { authorization: `Basic ${Buffer.from(`alice:${kb(6)}`).toString("base64")}` } }),
    200
  ]
]

const assertServes = async (url: string, label?: string): Promise<void> => {
  assert.strictEqual((await send(url)).body, "anonymous", label)
}

/** Each hostile request is answered with its own status, and the server serves the next request. */
export const eachAnswered = async (url: string): Promise<void> => {
  for (const [name, attempt, status] of hostile(url)) {
    assert.strictEqual(await attempt(), status, name)
    await assertServes(url, `after ${name}`)
  }
}

/** 1,000 cookies within Node's header limit: the session (`cookie`, of `carol`) and key cookies are found. */
export const manyCookies = async (url: string, cookie: string): Promise<void> => {
  const many = Array.from({ length: 1_000 }, (_, i) => `c${i}=${i}`)
  const jar = (own: string) => [...many.slice(0, 500), own, ...many.slice(500)].join("; ")
  assert.ok(jar(cookie).length < 16 * 1024, `${jar(cookie).length} below ${16 * 1024}`)
  const session = await send(url, { headers: { cookie: jar(cookie) } })
  assert.deepStrictEqual([session.status, session.body], [200, "carol"])
  const key = await send(url, { headers: { cookie: jar("key=k-1") } })
  assert.deepStrictEqual([key.status, key.body], [200, "browser"])
  // the same cookie twice: the first one counts, as browsers send the most specific first
  const twice = await send(url, { headers: { cookie: jar(`key=k-1; key=k-2`) } })
  assert.strictEqual(twice.body, "browser")
  // 1,000 cookies of 20 bytes each pass Node's limit: 431 before any of them is parsed
  const large = Array.from({ length: 1_000 }, (_, i) => `cookie${i}=${"v".repeat(12)}`).join("; ")
  assert.strictEqual(await outcome(url, { headers: { cookie: large } }), 431)
  await assertServes(url)
}

/** Whether the heap checks can run here (V8's `gc` reached at run time); the lines skip them where not. */
export const canMeasureHeap = (): boolean => heapAfterGc() !== undefined

const assertGrewLessThan = (before: number, after: number, bound: number) =>
  assert.ok(after - before < bound, `heap grew from ${before} to ${after}`)

/**
 * 200 forms of 1 MB sent without a length, cut at the limit, leave the heap where it was (within 4 MB). The platform
 * cut such a body short by destroying the connection, then waited for good for the response to be written to it:
 * every such request kept its fiber and ~100 KB of body in memory (19 MB for these 200) until the 413 had no body.
 */
export const chunkedFormsHeap = async (url: string): Promise<void> => {
  await chunkedForm(url)
  const before = heapAfterGc()!
  const statuses = await forEachLimited(Array.from({ length: 200 }), 4, () => chunkedForm(url))
  const after = heapAfterGc()!
  assert.deepStrictEqual(new Set(statuses), new Set([413]))
  assertGrewLessThan(before, after, 4 * 1024 * 1024)
  await assertServes(url)
}

/** 100 rounds of all the hostile requests leave the heap where it was (within 8 MB): about 2,000 requests. */
export const roundsHeap = async (url: string): Promise<void> => {
  const round = () => forEachLimited(hostile(url), 4, ([, attempt]) => attempt())
  // a first round warms up what is built once (parsers, code, the server's pools)
  await round()
  const before = heapAfterGc()!
  for (let i = 0; i < 100; i++) await round()
  const after = heapAfterGc()!
  assertGrewLessThan(before, after, 8 * 1024 * 1024)
}
