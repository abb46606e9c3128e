/**
 * API keys in a header, a query parameter or a cookie: the parser on its own, and the backend through a real server.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted, Result, Tracer } from "effect"
import {
  AuthCredentials,
  AuthenticationBackend,
  isInvalidCredentials,
  isRejectedCredentials,
  SimpleUser
} from "effect-auth"
import * as ApiKey from "effect-auth/ApiKey"
import * as Password from "effect-auth/Password"
import * as HttpMiddleware from "effect/http/HttpMiddleware"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import { guardedApp } from "./utils/fixtures.js"
import { request, serve } from "./utils/server.js"

const key = "k-0123456789abcdef"

const verify = (presented: Redacted.Redacted<string>) =>
  Effect.succeed(
    Password.equals(presented, key)
      ? Option.some([new AuthCredentials(["authenticated"]), new SimpleUser("robot")] as const)
      : Option.none()
  )

const withApp = <A, E>(source: ApiKey.Source, f: (url: string) => Effect.Effect<A, E>) =>
  Effect.flatMap(serve(guardedApp), f).pipe(Effect.provide(ApiKey.layer({ ...source, verify })))

const anonymous = { authenticated: false, user: "" }
const robot = { authenticated: true, user: "robot" }

const webRequest = (url: string, headers: Record<string, string> = {}) =>
  HttpServerRequest.fromWeb(new Request(`http://localhost${url}`, { headers }))

describe("ApiKey.parse and ApiKey.make", () => {
  it("absent is None; one key of visible ASCII is Some, redacted", () => {
    assert.deepStrictEqual(ApiKey.parse(undefined), Result.succeed(Option.none()))
    assert.deepStrictEqual(ApiKey.parse([]), Result.succeed(Option.none()))
    for (const value of [key, "a", "!#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", [key]]) {
      const presented = Option.getOrThrow(Result.getOrThrow(ApiKey.parse(value)))
      assert.strictEqual(Redacted.value(presented), typeof value === "string" ? value : value[0])
      assert.notInclude(String(presented), key)
    }
  })

  it("empty is 401 (RejectedCredentials), other characters or a repeated key 400 (InvalidCredentials); neither echoes the key", () => {
    const check = (value: string | ReadonlyArray<string>, status: 400 | 401, message: string) => {
      const parsed = ApiKey.parse(value)
      assert.isTrue(Result.isFailure(parsed), JSON.stringify(value))
      if (Result.isFailure(parsed)) {
        assert.strictEqual(parsed.failure.status, status)
        assert.strictEqual(parsed.failure._tag, "AuthenticationError")
        assert.isTrue(status === 401 ? isRejectedCredentials(parsed.failure) : isInvalidCredentials(parsed.failure))
        assert.strictEqual(parsed.failure.message, message)
        assert.isUndefined(parsed.failure.challenge)
      }
    }
    check("", 401, "Invalid API key")
    check([""], 401, "Invalid API key")
    for (const value of ["a b", " a", "a\tb", "a\u0000", "ä", "€", "k1, k2", ["a", "b"]]) {
      check(value, 400, "Malformed API key")
    }
  })

  it.effect("the backend finds the key where the source says", () =>
    Effect.gen(function*() {
      // a verify that accepts any key and names the user after it, so the key the backend read shows
      const echo = (presented: Redacted.Redacted<string>) =>
        Effect.succeedSome([new AuthCredentials(), new SimpleUser(Redacted.value(presented))] as const)
      const keyOf = (source: ApiKey.Source, url: string, headers: Record<string, string> = {}) =>
        Effect.flatMap(ApiKey.make({ ...source, verify: echo }), (backend) =>
          backend.authenticate.pipe(
            Effect.map(Option.map(([, user]) => user.identity)),
            Effect.result,
            Effect.provideService(HttpServerRequest.HttpServerRequest, webRequest(url, headers))
          ))

      const header = { in: "header", name: "X-Api-Key" } as const
      assert.deepStrictEqual(yield* keyOf(header, "/", { "x-api-key": key }), Result.succeed(Option.some(key)))
      assert.deepStrictEqual(yield* keyOf(header, "/"), Result.succeed(Option.none()))

      const query = { in: "query", name: "api_key" } as const
      assert.deepStrictEqual(yield* keyOf(query, `/p?api_key=${key}`), Result.succeed(Option.some(key)))
      assert.deepStrictEqual(yield* keyOf(query, "/p?x=1&api_key=a%2Bb"), Result.succeed(Option.some("a+b")))
      const twice = yield* keyOf(query, "/p?x=1&api_key=a%2Bb&api_key=c")
      assert.isTrue(Result.isFailure(twice) && isInvalidCredentials(twice.failure), "a repeated parameter is malformed")
      assert.deepStrictEqual(yield* keyOf(query, `/p?API_KEY=${key}`), Result.succeed(Option.none()))
      assert.deepStrictEqual(yield* keyOf(query, "/p"), Result.succeed(Option.none()))

      const cookie = { in: "cookie", name: "key" } as const
      assert.deepStrictEqual(
        yield* keyOf(cookie, "/", { cookie: `a=1; key=${key}; b=2` }),
        Result.succeed(Option.some(key))
      )
      assert.deepStrictEqual(yield* keyOf(cookie, "/", { cookie: "a=1" }), Result.succeed(Option.none()))
      assert.deepStrictEqual(yield* keyOf(cookie, "/"), Result.succeed(Option.none()))
    }))

  it.effect("a key verify answers None for is RejectedCredentials; the backend declares no challenge", () =>
    Effect.gen(function*() {
      const backend = yield* ApiKey.make({ in: "header", name: "x-api-key", verify })
      assert.deepStrictEqual(backend.challenges, [])
      const refused = yield* Effect.flip(backend.authenticate.pipe(
        Effect.provideService(HttpServerRequest.HttpServerRequest, webRequest("/", { "x-api-key": "k-wrong" }))
      ))
      assert.isTrue(isRejectedCredentials(refused))
      assert.deepStrictEqual([refused.status, refused.message], [401, "Invalid API key"])
    }))

  it("a key with no name is refused when the backend is built", () => {
    assert.throws(() => ApiKey.make({ in: "header", name: "", verify }), /must not be empty/)
  })
})

const noEcho = (reply: { readonly body: string; readonly headers: Headers }, secret: string) => {
  assert.notInclude(reply.body, secret)
  for (const [, value] of reply.headers) assert.notInclude(value, secret)
}

describe("ApiKey through a real server", () => {
  it.effect("in a header", () =>
    withApp({ in: "header", name: "X-Api-Key" }, (url) =>
      Effect.gen(function*() {
        const ok = yield* request(`${url}/guarded`, { headers: { "x-api-key": key } })
        assert.strictEqual(ok.status, 200)
        assert.deepStrictEqual(JSON.parse(ok.body), robot)

        const missing = yield* request(`${url}/`, { headers: { authorization: `Bearer ${key}` } })
        assert.deepStrictEqual(JSON.parse(missing.body), anonymous)
        assert.strictEqual((yield* request(`${url}/guarded`)).status, 403)

        const secret = "k-wrong-0123456789"
        for (const path of ["/", "/guarded", "/nowhere"]) {
          const rejected = yield* request(`${url}${path}`, { headers: { "x-api-key": secret } })
          assert.strictEqual(rejected.status, 401, path)
          assert.strictEqual(rejected.body, "Invalid API key")
          noEcho(rejected, secret)
        }
        assert.strictEqual((yield* request(`${url}/`, { headers: { "x-api-key": "" } })).status, 401)

        for (const value of [`${key} x`, `${key}, ${key}`, "kä"]) {
          const malformed = yield* request(`${url}/`, { headers: { "x-api-key": value } })
          assert.strictEqual(malformed.status, 400, value)
          assert.strictEqual(malformed.body, "Malformed API key")
          noEcho(malformed, key)
        }
      })))

  it.effect("in the query", () =>
    withApp({ in: "query", name: "api_key" }, (url) =>
      Effect.gen(function*() {
        const ok = yield* request(`${url}/guarded?x=1&api_key=${key}`)
        assert.strictEqual(ok.status, 200)
        assert.deepStrictEqual(JSON.parse(ok.body), robot)

        assert.deepStrictEqual(JSON.parse((yield* request(`${url}/?other=${key}`)).body), anonymous)
        assert.strictEqual((yield* request(`${url}/guarded?API_KEY=${key}`)).status, 403)

        for (const query of ["api_key=k-wrong-0123456789", "api_key=", "api_key", "api_key=%ZZ"]) {
          const rejected = yield* request(`${url}/guarded?${query}`)
          assert.strictEqual(rejected.status, 401, query)
          assert.strictEqual(rejected.body, "Invalid API key")
          noEcho(rejected, "k-wrong-0123456789")
        }
        for (
          const query of [
            `api_key=${key}&api_key=${key}`,
            "api_key=a%20b",
            "api_key=a+b",
            "api_key=%00",
            "api_key=%E2%82%AC"
          ]
        ) {
          const malformed = yield* request(`${url}/guarded?${query}`)
          assert.strictEqual(malformed.status, 400, query)
          assert.strictEqual(malformed.body, "Malformed API key")
          noEcho(malformed, key)
        }
      })))

  it.effect("in a cookie", () =>
    withApp({ in: "cookie", name: "key" }, (url) =>
      Effect.gen(function*() {
        const ok = yield* request(`${url}/guarded`, { headers: { cookie: `theme=dark; key=${key}` } })
        assert.strictEqual(ok.status, 200)
        assert.deepStrictEqual(JSON.parse(ok.body), robot)
        assert.strictEqual((yield* request(`${url}/`, { headers: { cookie: `key="${key}"` } })).status, 200)

        assert.deepStrictEqual(
          JSON.parse((yield* request(`${url}/`, { headers: { cookie: "theme=dark" } })).body),
          anonymous
        )
        assert.deepStrictEqual(JSON.parse((yield* request(`${url}/`, { headers: { "x-key": key } })).body), anonymous)

        for (const cookie of ["key=k-wrong-0123456789", "key="]) {
          const rejected = yield* request(`${url}/`, { headers: { cookie } })
          assert.strictEqual(rejected.status, 401, cookie)
          assert.strictEqual(rejected.body, "Invalid API key")
          assert.strictEqual(rejected.headers.get("www-authenticate"), null)
          noEcho(rejected, "k-wrong-0123456789")
        }
        for (const cookie of ["key=a b", "key=%20x", "key=%E2%82%AC"]) {
          const malformed = yield* request(`${url}/`, { headers: { cookie } })
          assert.strictEqual(malformed.status, 400, cookie)
          assert.strictEqual(malformed.body, "Malformed API key")
        }
      })))
})

// --- keeping the key out of traces -----------------------------------------------------------------------------------

// a tracer that keeps its spans (the native one has no backend: the platform records no attributes for it)
const recording = () => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (options) => {
      const span = new Tracer.NativeSpan(options)
      spans.push(span)
      return span
    }
  })
  return { spans, tracer }
}

// the server spans' attributes as text, once the requests are over
const serverAttributes = (spans: ReadonlyArray<Tracer.Span>): string =>
  JSON.stringify(spans.filter((span) => span.kind === "server").map((span) => Object.fromEntries(span.attributes)))

describe("ApiKey keeps keys out of traces", () => {
  const sources = [
    { in: "header", name: "X-Custom-Key" },
    { in: "query", name: "api_key" }
  ] as const
  const send = (url: string, source: ApiKey.Source, value: string) =>
    source.in === "header"
      ? request(`${url}/guarded?page=2`, { headers: { [source.name]: value } })
      : request(`${url}/guarded?page=2&${source.name}=${value}`)

  for (const source of sources) {
    for (const form of ["layer", "make"] as const) {
      it.effect(`in the ${source.in}, through ApiKey.${form}: accepted, rejected or malformed, never recorded`, () =>
        Effect.gen(function*() {
          const { spans, tracer } = recording()
          // `make` alone (as `firstOf` takes it): only the per-request redaction; `layer` also joins the platform's
          // redacted names
          const backend = form === "layer"
            ? ApiKey.layer({ ...source, verify })
            : Layer.effect(AuthenticationBackend, ApiKey.make({ ...source, verify }))
          const url = yield* serve(guardedApp).pipe(
            Effect.provide(backend),
            Effect.provideService(Tracer.Tracer, tracer),
            // every header recorded: only redaction keeps the key out
            Effect.provideService(HttpMiddleware.TracerHeaderFilter, () => true)
          )
          const wrong = "k-wrong-0123456789"
          assert.strictEqual((yield* send(url, source, key)).status, 200)
          assert.strictEqual((yield* send(url, source, wrong)).status, 401)
          // a space: as such in a header, encoded in a query
          assert.strictEqual(
            (yield* send(url, source, source.in === "header" ? "k-bad key" : "k-bad%20key")).status,
            400
          )
          const recorded = serverAttributes(spans)
          assert.isAtLeast(spans.filter((span) => span.kind === "server").length, 3)
          for (const secret of [key, wrong, "k-bad"]) assert.notInclude(recorded, secret)
          // the rest of the request is recorded as it came
          assert.include(recorded, "page=2")
          if (source.in === "query") assert.include(recorded, "api_key=REDACTED")
          else assert.include(recorded, `"http.request.header.x-custom-key":"<redacted>"`)
        }))
    }
  }
})
