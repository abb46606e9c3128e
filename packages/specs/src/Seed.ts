/**
 * The seed app, the first app a reader writes (README, "In your own app"), as data both Effect lines run against their
 * own server: what each of its routes answers to anonymous, bob and alice. The upgrade guide builds it on each line
 * (packages/effect3/auth/test/Upgrade.test.ts, packages/effect4/auth/test/Upgrade.test.ts), the install tests from
 * the packed packages; all of them pass every case here.
 *
 * The app: a Basic backend, realm {@link realm}, checking the users of {@link users} with `Password.equals` (a wrong
 * password leaves the request anonymous), behind `AuthenticationMiddleware`, and five `GET` routes:
 * - `GET /` greets the user: `"hello, " + user.displayName`, or `"hello, you"` when anonymous;
 * - `GET /dashboard` answers `"dashboard"`, `requires("authenticated")` (anonymous: 401 with the challenge);
 * - `GET /admin` answers `"admin"`, `requires("admin", { status: 404 })` (hidden: the router's own 404);
 * - `GET /settings` answers `"settings"`, `requires("authenticated", { redirect: "/login" })` (303, `next`);
 * - `GET /login` answers `"the login form"`, open to all.
 *
 * Per case: serve the app on 127.0.0.1 port 0 and `await run(testCase)(baseUrl)`.
 *
 * On a line, wired as:
 * ```ts
 * for (const testCase of cases) {
 *   it.effect(testCase.name, () => Effect.flatMap(serve(app), (url) => Effect.promise(() => run(testCase)(url))))
 * }
 * ```
 */
import * as assert from "node:assert/strict"
import { basic, request } from "./Http.js"

/** The Basic realm of the seed app's backend. */
export const realm = "seed"

/** The seed app's users: password and scopes. */
export const users = {
  alice: { password: "wonderland", scopes: ["authenticated", "admin"] },
  bob: { password: "builder", scopes: ["authenticated"] }
} as const satisfies Record<string, { readonly password: string; readonly scopes: ReadonlyArray<string> }>

/** Who a case's request comes from: the headers each sends. */
export const senders = {
  anonymous: {},
  bob: basic("bob", users.bob.password),
  alice: basic("alice", users.alice.password),
  /** alice's name with a wrong password: `verify` answers `None`, so the request is anonymous. */
  "a wrong password": basic("alice", "builder")
} as const satisfies Record<string, Readonly<Record<string, string>>>

/** Who a case's request comes from. */
export type Sender = keyof typeof senders

/**
 * A case: a `GET` from a sender, the status, and, when given, the exact body and headers (a string is the exact
 * value, a RegExp must match it, `null` means the header is absent).
 */
export interface Case {
  readonly name: string
  readonly path: string
  readonly from: Sender
  readonly status: number
  readonly body?: string
  readonly headers?: Readonly<Record<string, string | RegExp | null>>
}

const get = (from: Sender, path: string, expected: Omit<Case, "name" | "path" | "from">): Case => ({
  name: `GET ${path} from ${from}: ${expected.status}`,
  path,
  from,
  ...expected
})

const challenge = `Basic realm="${realm}", charset="UTF-8"`
const ok = (body: string) => ({ status: 200, body })
const anonymousAnswers = (from: Sender): ReadonlyArray<Case> => [
  get(from, "/", ok("hello, you")),
  get(from, "/dashboard", { status: 401, headers: { "www-authenticate": challenge } }),
  // hidden: the router's own 404, nothing that says the route exists or how to authenticate
  get(from, "/admin", { status: 404, headers: { "www-authenticate": null } }),
  get(from, "/settings", { status: 303, headers: { location: "/login?next=%2Fsettings" } }),
  get(from, "/settings?tab=password", {
    status: 303,
    headers: { location: "/login?next=%2Fsettings%3Ftab%3Dpassword" }
  }),
  get(from, "/login", ok("the login form"))
]

/** The cases, grouped by sender. */
export const suites: ReadonlyArray<{ readonly name: string; readonly cases: ReadonlyArray<Case> }> = [
  { name: "anonymous", cases: anonymousAnswers("anonymous") },
  {
    name: "bob (authenticated)",
    cases: [
      get("bob", "/", ok("hello, bob")),
      get("bob", "/dashboard", ok("dashboard")),
      get("bob", "/admin", { status: 404, headers: { "www-authenticate": null } }),
      get("bob", "/settings", ok("settings")),
      get("bob", "/login", ok("the login form"))
    ]
  },
  {
    name: "alice (authenticated, admin)",
    cases: [
      get("alice", "/", ok("hello, alice")),
      get("alice", "/dashboard", ok("dashboard")),
      get("alice", "/admin", ok("admin")),
      get("alice", "/settings", ok("settings")),
      get("alice", "/login", ok("the login form"))
    ]
  },
  { name: "a wrong password is anonymous", cases: anonymousAnswers("a wrong password") }
]

/** Every case, in order. */
export const cases: ReadonlyArray<Case> = suites.flatMap((suite) => suite.cases)

/**
 * The seed app's access table, as the test kit's `Testing.accessTable` builds it (anonymous, bob and alice as
 * principals with the scopes of {@link users}, the backend's challenge kept): who may reach what.
 */
export const accessTable: Readonly<Record<string, Readonly<Record<"anonymous" | "bob" | "alice", number>>>> = {
  "GET /": { anonymous: 200, bob: 200, alice: 200 },
  "GET /dashboard": { anonymous: 401, bob: 200, alice: 200 },
  "GET /admin": { anonymous: 404, bob: 404, alice: 200 },
  "GET /settings": { anonymous: 303, bob: 200, alice: 200 },
  "GET /login": { anonymous: 200, bob: 200, alice: 200 }
}

/** Sends `testCase` to the seed app served at `baseUrl` (`http://host:port`) and checks the answer. */
export const run = (testCase: Case) => async (baseUrl: string): Promise<void> => {
  const reply = await request(`${baseUrl}${testCase.path}`, { headers: senders[testCase.from] })
  assert.strictEqual(reply.status, testCase.status, `${testCase.name} (${reply.body})`)
  if (testCase.body !== undefined) assert.strictEqual(reply.body, testCase.body, testCase.name)
  for (const [name, expected] of Object.entries(testCase.headers ?? {})) {
    const actual = reply.headers.get(name)
    if (expected === null || typeof expected === "string") {
      assert.strictEqual(actual, expected, `${testCase.name}: ${name}`)
    } else assert.match(actual ?? "", expected, `${testCase.name}: ${name}`)
  }
}
