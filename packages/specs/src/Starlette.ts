/**
 * Starlette's own authentication tests (`tests/test_authentication.py`), as data both Effect lines run against their
 * own server: the seed app's routes, and the cases (request → status, body, headers) with a runner per case.
 *
 * Wiring it on a line (see packages/effect3/auth/test/guarantees/Starlette.test.ts):
 * - the backend: `Basic` whose `verify` accepts any credentials as `SimpleUser(username)` with the scopes
 *   {@link scopes} (Starlette's `BasicAuth` test backend);
 * - the apps of {@link apps}: each route of `apps.main.routes` behind `AuthenticationMiddleware`, and those of
 *   `apps.controlPanel.routes` behind `AuthenticationMiddleware.make({ onError })` answering
 *   `apps.controlPanel.onError` (a JSON body built from the error's message, with its status);
 * - a route's handler: `"whoami"` answers {@link whoami} as JSON; `"websocket"` upgrades and sends it as one text
 *   message (then the client closes). `requires` guards it with `requires(scopes, { redirect })` (one scope as a
 *   string, several as an array); `additional`, Starlette's decorator stacked over `requires`, is a value provided
 *   OUTSIDE the guard that the handler reads and answers as `additional`;
 * - then, per case, its own test: serve `apps[testCase.app]` on 127.0.0.1 port 0 and `await run(testCase)(baseUrl)`.
 *
 * On a line, wired as:
 * ```ts
 * for (const suite of suites) {
 *   describe(suite.name, () => {
 *     for (const testCase of suite.cases) {
 *       it.scoped(testCase.name, () => Effect.flatMap(serve(apps[testCase.app]), (url) => promise(run(testCase)(url))))
 *     }
 *   })
 * }
 * ```
 */
import * as assert from "node:assert/strict"
import { basic, request } from "./Http.js"
import { connect } from "./WebSocket.js"

/** The scopes the test backend grants to any Basic credentials. */
export const scopes: ReadonlyArray<string> = ["authenticated"]

/** One route of a seed app. */
export interface Route {
  readonly method: "GET" | "POST"
  readonly path: `/${string}`
  readonly handler: "whoami" | "websocket"
  /** The scopes `requires` asks for; the route is open when absent. */
  readonly requires?: string | ReadonlyArray<string>
  /** Where `requires` sends a refused request (`303`, `?next=` the path and query), instead of a 403. */
  readonly redirect?: string
  /** A value provided around the guarded handler, which the handler answers as `additional`. */
  readonly additional?: string
}

/** What a `"whoami"` handler answers (and a `"websocket"` handler sends): who the request is made by. */
export const whoami = (
  user: { readonly isAuthenticated: boolean; readonly displayName: string },
  additional?: string
): Record<string, unknown> => ({
  authenticated: user.isAuthenticated,
  user: user.displayName,
  ...(additional === undefined ? {} : { additional })
})

/** The seed apps: which routes each serves, and the `onError` of the one that has its own. */
export const apps = {
  main: {
    routes: [
      { method: "GET", path: "/", handler: "whoami" },
      { method: "GET", path: "/dashboard", handler: "whoami", requires: "authenticated" },
      { method: "GET", path: "/admin", handler: "whoami", requires: "authenticated", redirect: "/" },
      // Starlette's HTTPEndpoint: one guard per method handler
      { method: "GET", path: "/dashboard/class", handler: "whoami", requires: "authenticated" },
      { method: "POST", path: "/dashboard/class", handler: "whoami", requires: ["authenticated", "admin"] },
      {
        method: "GET",
        path: "/dashboard/decorated",
        handler: "whoami",
        requires: "authenticated",
        additional: "payload"
      },
      { method: "GET", path: "/ws", handler: "websocket", requires: "authenticated" },
      { method: "GET", path: "/ws/decorated", handler: "websocket", requires: "authenticated", additional: "payload" }
    ]
  },
  controlPanel: {
    routes: [{ method: "GET", path: "/control-panel", handler: "whoami", requires: "authenticated" }],
    onError: { status: 401, json: (message: string): Record<string, unknown> => ({ error: message }) }
  }
} as const satisfies Record<string, { readonly routes: ReadonlyArray<Route>; readonly onError?: unknown }>

/** Which seed app a case is sent to. */
export type App = keyof typeof apps

/** Who a case's request comes from: the headers each sends. */
export const senders = {
  anonymous: {},
  tomchristie: basic("tomchristie", "example"),
  tom: basic("tom", "x"),
  "a malformed header": { authorization: "basic foobar" }
} as const satisfies Record<string, Readonly<Record<string, string>>>

/** Who a case's request comes from. */
export type Sender = keyof typeof senders

/**
 * An HTTP case: the request, then the status and, when given, the body as JSON or as exact text, and headers (a
 * string is the exact value, a RegExp must match it).
 */
export interface HttpCase {
  readonly _tag: "Http"
  readonly name: string
  readonly app: App
  readonly method: "GET" | "POST"
  readonly path: string
  readonly from: Sender
  readonly status: number
  readonly json?: unknown
  readonly body?: string
  readonly headers?: Readonly<Record<string, string | RegExp>>
}

/** A websocket case: the handshake refused with a status, or the socket opened and the JSON messages it sent. */
export interface SocketCase {
  readonly _tag: "WebSocket"
  readonly name: string
  readonly app: App
  readonly path: string
  readonly from: Sender
  readonly outcome:
    | { readonly _tag: "Rejected"; readonly status: number }
    | { readonly _tag: "Closed"; readonly messages: ReadonlyArray<unknown> }
}

/** One case of the port. */
export type Case = HttpCase | SocketCase

type Expected = Omit<HttpCase, "_tag" | "name" | "app" | "method" | "path" | "from">

const http = (
  from: Sender,
  target: `${"GET" | "POST"} ${string}`,
  expected: Expected,
  app: App = "main"
): HttpCase => {
  const [method, path] = target.split(" ") as ["GET" | "POST", string]
  return { _tag: "Http", name: `${target} from ${from}: ${expected.status}`, app, method, path, from, ...expected }
}

const socket = (from: Sender, path: string, outcome: SocketCase["outcome"]): SocketCase => ({
  _tag: "WebSocket",
  name: `websocket ${path} from ${from}: ${outcome._tag === "Rejected" ? outcome.status : "opened"}`,
  app: "main",
  path,
  from,
  outcome
})

const tom = whoami({ isAuthenticated: true, displayName: "tomchristie" })
const tomWithPayload = whoami({ isAuthenticated: true, displayName: "tomchristie" }, "payload")
const invalid = "Invalid basic auth credentials"
const next = (pathAndQuery: string) => `/?next=${encodeURIComponent(pathAndQuery)}`

/** The cases, grouped as Starlette's test functions are. */
export const suites: ReadonlyArray<{ readonly name: string; readonly cases: ReadonlyArray<Case> }> = [
  {
    name: "user interface",
    cases: [
      http("anonymous", "GET /", { status: 200, json: whoami({ isAuthenticated: false, displayName: "" }) }),
      http("tomchristie", "GET /", { status: 200, json: tom })
    ]
  },
  {
    name: "authentication required",
    cases: [
      ...["/dashboard", "/dashboard/class"].flatMap((path) => [
        http("anonymous", `GET ${path}`, { status: 403 }),
        http("tomchristie", `GET ${path}`, { status: 200, json: tom })
      ]),
      http("tomchristie", "GET /dashboard/decorated", { status: 200, json: tomWithPayload }),
      http("anonymous", "GET /dashboard/decorated", { status: 403 }),
      http("a malformed header", "GET /dashboard", {
        status: 400,
        body: invalid,
        headers: { "content-type": /^text\/plain/ }
      })
    ]
  },
  {
    name: "per-method guards are independent",
    cases: [
      http("tomchristie", "GET /dashboard/class", { status: 200 }),
      http("tomchristie", "POST /dashboard/class", { status: 403 })
    ]
  },
  {
    name: "websocket authentication required",
    cases: [
      ...["/ws", "/ws/decorated"].flatMap((path) => [
        socket("anonymous", path, { _tag: "Rejected", status: 403 }),
        socket("a malformed header", path, { _tag: "Rejected", status: 400 })
      ]),
      socket("tomchristie", "/ws", { _tag: "Closed", messages: [tom] }),
      socket("tomchristie", "/ws/decorated", { _tag: "Closed", messages: [tomWithPayload] })
    ]
  },
  {
    name: "authentication redirect",
    cases: [
      http("anonymous", "GET /admin", { status: 303, headers: { location: next("/admin") } }),
      http("anonymous", "GET /admin?tab=users&x=1", {
        status: 303,
        headers: { location: next("/admin?tab=users&x=1") }
      }),
      http("tomchristie", "GET /admin", { status: 200, json: tom })
    ]
  },
  {
    name: "custom on_error",
    cases: [
      http("tomchristie", "GET /control-panel", { status: 200, json: tom }, "controlPanel"),
      http("a malformed header", "GET /control-panel", {
        status: 401,
        body: JSON.stringify(apps.controlPanel.onError.json(invalid))
      }, "controlPanel")
    ]
  },
  {
    name: "unknown paths still authenticate first: a bad header is 400, a good one 404",
    cases: [
      http("a malformed header", "GET /nowhere", { status: 400 }),
      http("tom", "GET /nowhere", { status: 404 })
    ]
  }
]

/** Every case, in order. */
export const cases: ReadonlyArray<Case> = suites.flatMap((suite) => suite.cases)

/** Sends `testCase` to the server at `baseUrl` (`http://host:port`, serving `apps[testCase.app]`) and checks it. */
export const run = (testCase: Case) => async (baseUrl: string): Promise<void> => {
  const headers = senders[testCase.from]
  if (testCase._tag === "WebSocket") {
    const outcome = await connect(`${baseUrl}${testCase.path}`, headers)
    if (testCase.outcome._tag === "Rejected") {
      assert.deepStrictEqual(outcome, testCase.outcome, testCase.name)
      return
    }
    assert.strictEqual(outcome._tag, "Closed", testCase.name)
    if (outcome._tag === "Closed") {
      assert.deepStrictEqual(outcome.messages.map((m) => JSON.parse(m)), testCase.outcome.messages, testCase.name)
    }
    return
  }
  const reply = await request(`${baseUrl}${testCase.path}`, { method: testCase.method, headers })
  assert.strictEqual(reply.status, testCase.status, `${testCase.name} (${reply.body})`)
  if (testCase.json !== undefined) assert.deepStrictEqual(JSON.parse(reply.body), testCase.json, testCase.name)
  if (testCase.body !== undefined) assert.strictEqual(reply.body, testCase.body, testCase.name)
  for (const [name, expected] of Object.entries(testCase.headers ?? {})) {
    const actual = reply.headers.get(name)
    if (typeof expected === "string") assert.strictEqual(actual, expected, `${testCase.name}: ${name}`)
    else assert.match(actual ?? "", expected, `${testCase.name}: ${name}`)
  }
}
