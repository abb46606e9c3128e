/**
 * Property tests of the parsers through a real server: whatever a client sends in the credentials, the answer is a
 * deliberate status (never a 500) and a fixed body (never the secret sent).
 */
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import type { Layer } from "effect"
import type { AuthenticationBackend } from "effect-auth"
import { AuthCredentials, AuthenticationMiddleware, Basic, Password, requires, SimpleUser } from "effect-auth"
import * as ApiKey from "effect-auth/ApiKey"
import * as Bearer from "effect-auth/Bearer"
import * as FastCheck from "effect/FastCheck"
import { authorization, b64token, base64ish, headerValue, visibleKey } from "../utils/fuzz.js"
import type { Reply } from "../utils/server.js"
import { request, serve } from "../utils/server.js"

const numRuns = 100

// fixed bodies only, so that nothing a client sends can come back
const app = AuthenticationMiddleware(
  HttpRouter.empty.pipe(
    HttpRouter.get("/", HttpServerResponse.text("open")),
    HttpRouter.get("/guarded", HttpServerResponse.text("guarded").pipe(requires("authenticated")))
  )
)

const accepted = Option.some([new AuthCredentials(["authenticated"]), new SimpleUser("someone")] as const)
const secret = "s3cret"

const bodies = new Set([
  "open",
  "guarded",
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

const paths = FastCheck.constantFrom("/", "/guarded", "/nowhere")

// every string the server can answer with on its own: a value sent that is part of one proves nothing
const fixed = [
  ...bodies,
  "text/plain; charset=utf-8",
  `Bearer realm="api"`,
  `Bearer realm="api", error="invalid_token"`,
  `Bearer realm="api", error="invalid_request"`
]

const check = (reply: Reply, sent: string, seen: Set<number>) => {
  seen.add(reply.status)
  assert.include([200, 400, 401, 403, 404], reply.status, `${reply.status} ${reply.body}`)
  assert.isTrue(bodies.has(reply.body), reply.body)
  if (sent.length >= 8 && !fixed.some((text) => text.includes(sent))) {
    assert.notInclude(reply.body, sent)
    for (const [name, value] of reply.headers) {
      if (name !== "date") assert.notInclude(value, sent, name)
    }
  }
}

const fuzz = <T>(
  backend: Layer.Layer<AuthenticationBackend>,
  arbitrary: FastCheck.Arbitrary<T>,
  send: (url: string, value: T) => Effect.Effect<readonly [Reply, string]>
) =>
  Effect.gen(function*() {
    const url = yield* serve(app)
    const seen = new Set<number>()
    yield* Effect.promise(() =>
      FastCheck.assert(
        FastCheck.asyncProperty(arbitrary, async (value) => {
          const [reply, sent] = await Effect.runPromise(send(url, value))
          check(reply, sent, seen)
        }),
        { numRuns }
      )
    )
    // the generators reach both sides: accepted (200) and refused (400, and 401 or 403)
    assert.include([...seen], 200)
    assert.include([...seen], 400)
    assert.isTrue(seen.has(401) || seen.has(403), [...seen].join(" "))
  }).pipe(Effect.provide(backend))

// the secret in an Authorization header is what follows the scheme
const credential = (value: string) => {
  const trimmed = value.trim()
  const space = trimmed.search(/[ \t]/)
  return space === -1 ? trimmed : trimmed.slice(space).trim()
}

const viaAuthorization = (url: string, [path, value]: readonly [string, string]) =>
  Effect.map(
    request(`${url}${path}`, { headers: { authorization: value } }),
    (reply) => [reply, credential(value)] as const
  )

describe("parsers under random input, through a real server", () => {
  it.scoped("Basic", () =>
    fuzz(
      Basic.layer({
        verify: (_, password) => Effect.succeed(Password.equals(password, secret) ? accepted : Option.none())
      }),
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
    ))

  it.scoped("Bearer", () =>
    fuzz(
      Bearer.layer({
        realm: "api",
        verify: (token) => Effect.succeed(Password.equals(token, secret) ? accepted : Option.none())
      }),
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
    ))

  it.scoped("ApiKey in a header", () =>
    fuzz(
      ApiKey.layer({
        in: "header",
        name: "x-api-key",
        verify: (key) => Effect.succeed(Password.equals(key, secret) ? accepted : Option.none())
      }),
      FastCheck.tuple(paths, FastCheck.oneof(headerValue(), base64ish(), visibleKey(), FastCheck.constant(secret))),
      (url, [path, value]) =>
        Effect.map(request(`${url}${path}`, { headers: { "x-api-key": value } }), (reply) => [reply, value] as const)
    ))

  it.scoped("ApiKey in the query", () =>
    fuzz(
      ApiKey.layer({
        in: "query",
        name: "key",
        verify: (key) => Effect.succeed(Password.equals(key, secret) ? accepted : Option.none())
      }),
      FastCheck.tuple(
        paths,
        FastCheck.oneof(
          // raw query text (the client percent-encodes what a URL cannot hold)
          FastCheck.string({
            unit: FastCheck.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
            maxLength: 40
          })
            .map((raw) => [`key=${raw}`, raw] as const),
          FastCheck.tuple(FastCheck.oneof(headerValue(), visibleKey()), FastCheck.boolean())
            .map(([value, twice]) => {
              const pair = `key=${encodeURIComponent(value)}`
              return [twice ? `${pair}&${pair}` : pair, value] as const
            }),
          FastCheck.constant([`key=${secret}`, secret] as const)
        )
      ),
      (url, [path, [query, value]]) => Effect.map(request(`${url}${path}?${query}`), (reply) => [reply, value] as const)
    ))

  it.scoped("ApiKey in a cookie", () =>
    fuzz(
      ApiKey.layer({
        in: "cookie",
        name: "key",
        verify: (key) => Effect.succeed(Password.equals(key, secret) ? accepted : Option.none())
      }),
      FastCheck.tuple(paths, FastCheck.oneof(headerValue(), base64ish(), visibleKey(), FastCheck.constant(secret))),
      (url, [path, value]) =>
        Effect.map(request(`${url}${path}`, { headers: { cookie: `theme=dark; key=${value}` } }), (reply) =>
          [reply, value] as const)
    ))
})
