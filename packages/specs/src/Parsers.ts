/**
 * The parsers under random input, through a real server: whatever a client sends in the credentials, the answer is
 * a deliberate status (never a 5xx; a 400 for what is malformed) and a fixed body (never the secret sent).
 *
 * Wiring it on a line (see packages/effect3/auth/test/guarantees/Parsers.test.ts), per fuzzer of {@link fuzzers},
 * in its own test:
 * - the app: each of {@link routes} behind `AuthenticationMiddleware`, answering its `body` as text, guarded by
 *   `requires(route.requires)` when it has one;
 * - the backend `fuzzer.backend`: `Basic` whose `verify` accepts the password {@link secret}, `Bearer` with that
 *   `realm` accepting the token {@link secret}, or `ApiKey` (`in`, `name`) accepting the key {@link secret}; an
 *   accepted request is {@link accepted}, anything else refused (`Option.none()`); compare with `Password.equals`;
 * - serve it on 127.0.0.1 port 0 and `await fuzzer.run(baseUrl)`: a fast-check property of `numRuns` (100) requests,
 *   each checked by {@link check}, then that the inputs reached 200, 400, and 401 or 403.
 *
 * On a line, wired as:
 * ```ts
 * for (const fuzzer of fuzzers) {
 *   it.scoped(fuzzer.name, () =>
 *     Effect.flatMap(serve(app), (url) => Effect.promise(() => fuzzer.run(url))).pipe(
 *       Effect.provide(backendLayer(fuzzer.backend))
 *     ))
 * }
 * ```
 */
import * as FastCheck from "fast-check"
import * as assert from "node:assert/strict"
import { authorization, b64token, base64ish, headerValue, visibleKey } from "./Arbitraries.js"
import type { Reply } from "./Http.js"
import { request } from "./Http.js"

/** The one secret the backends accept (a password, a token, a key). */
export const secret = "s3cret"

/** Who an accepted request is: a `SimpleUser` of this name with these scopes. */
export const accepted = { username: "someone", scopes: ["authenticated"] } as const

/** The app's routes: fixed bodies only, so that nothing a client sends can come back. */
export const routes: ReadonlyArray<
  { readonly path: `/${string}`; readonly body: string; readonly requires?: string }
> = [
  { path: "/", body: "open" },
  { path: "/guarded", body: "guarded", requires: "authenticated" }
]

/** The backend of a fuzzer, as data: each line builds it with its own module of that name. */
export type Backend =
  | { readonly module: "Basic" }
  | { readonly module: "Bearer"; readonly realm: string }
  | { readonly module: "ApiKey"; readonly in: "header" | "query" | "cookie"; readonly name: string }

/** The statuses the server may answer. */
export const statuses: ReadonlyArray<number> = [200, 400, 401, 403, 404]

/** The bodies the server may answer. */
export const bodies: ReadonlySet<string> = new Set([
  ...routes.map((route) => route.body),
  "",
  "Forbidden",
  "Unauthorized",
  "Not Found",
  "Invalid basic auth credentials",
  "Invalid bearer token",
  "Invalid token",
  "Invalid API key",
  "Malformed API key"
])

// every string the server can answer with on its own: a value sent that is part of one proves nothing
const fixed = [
  ...bodies,
  "text/plain; charset=utf-8",
  `Bearer realm="api"`,
  `Bearer realm="api", error="invalid_token"`,
  `Bearer realm="api", error="invalid_request"`
]

/**
 * The oracle: `reply` (to a request that sent the secret `sent`) has one of {@link statuses}, one of {@link bodies},
 * and, when `sent` is long enough to tell, shows it in neither its body nor a header. Records the status in `seen`.
 */
export const check = (reply: Reply, sent: string, seen: Set<number>): void => {
  seen.add(reply.status)
  assert.ok(statuses.includes(reply.status), `${reply.status} ${reply.body}`)
  assert.ok(bodies.has(reply.body), reply.body)
  if (sent.length >= 8 && !fixed.some((text) => text.includes(sent))) {
    assert.ok(!reply.body.includes(sent), "the body shows what was sent")
    for (const [name, value] of reply.headers) {
      if (name !== "date") assert.ok(!value.includes(sent), `${name} shows what was sent`)
    }
  }
}

/** One fuzzed input: its name, the backend to serve, and the property to run against the server's base URL. */
export interface Fuzzer {
  readonly name: string
  readonly backend: Backend
  readonly run: (baseUrl: string, options?: { readonly numRuns?: number | undefined }) => Promise<void>
}

const fuzzer = <T>(
  name: string,
  backend: Backend,
  arbitrary: FastCheck.Arbitrary<T>,
  send: (baseUrl: string, value: T) => Promise<readonly [Reply, string]>
): Fuzzer => ({
  name,
  backend,
  run: async (baseUrl, options) => {
    const seen = new Set<number>()
    await FastCheck.assert(
      FastCheck.asyncProperty(arbitrary, async (value) => {
        const [reply, sent] = await send(baseUrl, value)
        check(reply, sent, seen)
      }),
      { numRuns: options?.numRuns ?? 100 }
    )
    // the generators reach both sides: accepted (200) and refused (400, and 401 or 403)
    assert.ok(seen.has(200), [...seen].join(" "))
    assert.ok(seen.has(400), [...seen].join(" "))
    assert.ok(seen.has(401) || seen.has(403), [...seen].join(" "))
  }
})

const paths = FastCheck.constantFrom(...routes.map((route) => route.path), "/nowhere")

// the secret in an Authorization header is what follows the scheme
const credential = (value: string) => {
  const trimmed = value.trim()
  const space = trimmed.search(/[ \t]/)
  return space === -1 ? trimmed : trimmed.slice(space).trim()
}

const viaAuthorization = async (baseUrl: string, [path, value]: readonly [string, string]) =>
  [await request(`${baseUrl}${path}`, { headers: { authorization: value } }), credential(value)] as const

const viaHeader = (name: string) => async (baseUrl: string, [path, value]: readonly [string, string]) =>
  [await request(`${baseUrl}${path}`, { headers: { [name]: value } }), value] as const

const keys = FastCheck.oneof(headerValue(), base64ish(), visibleKey(), FastCheck.constant(secret))

/** The fuzzers: one per parser and place a credential is read from. */
export const fuzzers: ReadonlyArray<Fuzzer> = [
  fuzzer(
    "Basic",
    { module: "Basic" },
    FastCheck.tuple(
      paths,
      FastCheck.oneof(
        authorization("Basic"),
        // well-formed credentials of any text, now and then the accepted password
        FastCheck.tuple(
          FastCheck.string({ unit: "grapheme", maxLength: 24 }).filter((s) => !s.includes(":")),
          FastCheck.oneof(FastCheck.string({ unit: "grapheme", maxLength: 24 }), FastCheck.constant(secret))
        ).map(([username, password]) => `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`)
      )
    ),
    viaAuthorization
  ),
  fuzzer(
    "Bearer",
    { module: "Bearer", realm: "api" },
    FastCheck.tuple(
      paths,
      FastCheck.oneof(
        authorization("Bearer"),
        FastCheck.tuple(FastCheck.constantFrom("Bearer", "bearer", "BEARER"), b64token())
          .map(([scheme, token]) => `${scheme} ${token}`),
        FastCheck.constant(`Bearer ${secret}`)
      )
    ),
    viaAuthorization
  ),
  fuzzer(
    "ApiKey in a header",
    { module: "ApiKey", in: "header", name: "x-api-key" },
    FastCheck.tuple(paths, keys),
    viaHeader("x-api-key")
  ),
  fuzzer(
    "ApiKey in the query",
    { module: "ApiKey", in: "query", name: "key" },
    FastCheck.tuple(
      paths,
      FastCheck.oneof(
        // raw query text (the client percent-encodes what a URL cannot hold)
        FastCheck.string({
          unit: FastCheck.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
          maxLength: 40
        }).map((raw) => [`key=${raw}`, raw] as const),
        FastCheck.tuple(FastCheck.oneof(headerValue(), visibleKey()), FastCheck.boolean())
          .map(([value, twice]) => {
            const pair = `key=${encodeURIComponent(value)}`
            return [twice ? `${pair}&${pair}` : pair, value] as const
          }),
        FastCheck.constant([`key=${secret}`, secret] as const)
      )
    ),
    async (baseUrl, [path, [query, value]]) => [await request(`${baseUrl}${path}?${query}`), value] as const
  ),
  fuzzer(
    "ApiKey in a cookie",
    { module: "ApiKey", in: "cookie", name: "key" },
    FastCheck.tuple(paths, keys),
    async (baseUrl, [path, value]) =>
      [await request(`${baseUrl}${path}`, { headers: { cookie: `theme=dark; key=${value}` } }), value] as const
  )
]
