/**
 * Credentials never reach trace spans or logs: a real server traced by a collecting tracer (Effect 4's server traces
 * every request itself, recording headers and the URL as the span ends), keys sent in a custom header, the query and
 * a cookie, accepted, rejected and malformed, and Bearer tokens in `Authorization`.
 */
import { assert, describe, it } from "@effect/vitest"
import type { Redacted } from "effect"
import { Effect, Layer, Logger, Option, Tracer } from "effect"
import {
  ApiKey,
  AuthCredentials,
  AuthenticationBackend,
  AuthenticationMiddleware,
  Bearer,
  CurrentUser,
  Password,
  SimpleUser
} from "effect-auth"
import * as Headers from "effect/http/Headers"
import * as HttpMiddleware from "effect/http/HttpMiddleware"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { request, serve } from "../utils/server.js"

const key = "k-9f8e7d6c5b4a39281706"
const rejectedKey = "k-0000wrong0000key0000"
// a space makes it malformed: 400 before verify runs
const malformedKey = "k-mal formed-1234567"
const secrets = [key, rejectedKey, malformedKey, encodeURIComponent(malformedKey), "mal formed", "mal+formed"]

const verify = (given: string) => (candidate: Redacted.Redacted<string>) =>
  Effect.succeed(
    Password.equals(candidate, given)
      ? Option.some([new AuthCredentials(["authenticated"]), new SimpleUser("robot")] as const)
      : Option.none()
  )

// the app of a router, built in the test's scope
const router = HttpRouter.toHttpEffect(
  HttpRouter.add(
    "GET",
    "/",
    Effect.gen(function*() {
      const user = yield* CurrentUser
      // an app that logs its request's headers as platform Headers, which are redacted (by the names in
      // `Headers.CurrentRedactedNames`) when logged; Node's raw header object is not
      const request = yield* HttpServerRequest.HttpServerRequest
      yield* Effect.log("request", Headers.fromInput(request.headers))
      return HttpServerResponse.text(`hello, ${user.displayName}`)
    }).pipe(Effect.withSpan("handler"))
  )
)

interface Collected {
  readonly spans: Array<Tracer.Span>
  readonly logs: Array<string>
}

// serves the app (behind the platform's access logger, which logs each request's URL, unless `accessLog` is false),
// with a tracer and a logger that keep everything they are given
const serveTraced = (backend: Layer.Layer<AuthenticationBackend>, accessLog = true) =>
  Effect.gen(function*() {
    const collected: Collected = { spans: [], logs: [] }
    const native = yield* Effect.tracer
    const tracer = Tracer.make({
      span: (options) => {
        const span = native.span(options)
        collected.spans.push(span)
        return span
      },
      context: native.context
    })
    // the loggers apps use, as they format (and redact) messages, annotations and causes
    const keep = (line: unknown) => {
      collected.logs.push(typeof line === "string" ? line : JSON.stringify(line))
    }
    const loggers = Logger.layer([Logger.map(Logger.formatLogFmt, keep), Logger.map(Logger.formatJson, keep)])
    const app = AuthenticationMiddleware(yield* router)
    const url = yield* serve(accessLog ? HttpMiddleware.logger(app) : app).pipe(
      Effect.withTracer(tracer),
      // header capture is opt-in in Effect 4: every header is recorded here, so that a leak would show
      Effect.provideService(HttpMiddleware.TracerHeaderFilter, () => true),
      Effect.provide(backend),
      Effect.provide(loggers)
    )
    return { url, collected }
  })

// every attribute of every span, and every log line, as text
const everything = (collected: Collected): ReadonlyArray<string> => [
  ...collected.spans.flatMap((span) => [
    span.name,
    ...Array.from(span.attributes, ([name, value]) => `${name}=${String(value)}`)
  ]),
  ...collected.logs
]

const assertNothingHolds = (collected: Collected, forbidden: ReadonlyArray<string>) => {
  const texts = everything(collected)
  // the tracer was used: a server span with the request's URL
  assert.isTrue(collected.spans.some((span) => span.attributes.has("url.full")))
  for (const secret of forbidden) {
    for (const text of texts) assert.notInclude(text, secret)
  }
}

describe("API keys never reach trace spans or logs", () => {
  it.effect("a custom header: accepted, rejected and malformed", () =>
    Effect.gen(function*() {
      const { collected, url } = yield* serveTraced(
        ApiKey.layer({ in: "header", name: "X-Service-Token", verify: verify(key) })
      )
      const accepted = yield* request(url, { headers: { "x-service-token": key } })
      assert.deepStrictEqual([accepted.status, accepted.body], [200, "hello, robot"])
      assert.strictEqual((yield* request(url, { headers: { "x-service-token": rejectedKey } })).status, 401)
      assert.strictEqual((yield* request(url, { headers: { "x-service-token": malformedKey } })).status, 400)
      assertNothingHolds(collected, secrets)
      // the attribute is still there, redacted, as the platform redacts authorization
      const server = collected.spans.filter((span) => span.attributes.has("url.full"))
      assert.strictEqual(server.length, 3)
      for (const span of server) {
        assert.strictEqual(span.attributes.get("http.request.header.x-service-token"), "<redacted>")
      }
    }))

  it.effect("a custom header, the backend built with make (for firstOf): the span is scrubbed all the same", () =>
    Effect.gen(function*() {
      const backend = Layer.effect(
        AuthenticationBackend,
        Effect.map(
          ApiKey.make({ in: "header", name: "x-service-token", verify: verify(key) }),
          (apiKey) => AuthenticationBackend.firstOf(apiKey)
        )
      )
      const { collected, url } = yield* serveTraced(backend)
      assert.strictEqual((yield* request(url, { headers: { "x-service-token": key } })).body, "hello, robot")
      assert.strictEqual((yield* request(url, { headers: { "x-service-token": malformedKey } })).status, 400)
      // only the spans: without ApiKey.layer nothing adds the header to `Headers.CurrentRedactedNames`, which the
      // app's own log of its Headers follows
      assertNothingHolds({ spans: collected.spans, logs: [] }, secrets)
    }))

  it.effect("the query: accepted, rejected, malformed, repeated; other parameters kept", () =>
    Effect.gen(function*() {
      // the access logger logs the URL as it came, query included: see docs/security.md
      const { collected, url } = yield* serveTraced(
        ApiKey.layer({ in: "query", name: "api_key", verify: verify(key) }),
        false
      )
      const accepted = yield* request(`${url}/?page=2&api_key=${key}`)
      assert.deepStrictEqual([accepted.status, accepted.body], [200, "hello, robot"])
      assert.strictEqual((yield* request(`${url}/?api_key=${rejectedKey}`)).status, 401)
      assert.strictEqual((yield* request(`${url}/?api_key=${encodeURIComponent(malformedKey)}`)).status, 400)
      assert.strictEqual((yield* request(`${url}/?api_key=mal+formed`)).status, 400)
      // repeated, and with its name percent-encoded: still the same parameter
      assert.strictEqual((yield* request(`${url}/?api_key=${key}&api%5Fkey=${rejectedKey}`)).status, 400)
      assertNothingHolds(collected, secrets)
      const first = collected.spans.find((span) => span.attributes.has("url.full"))!
      assert.strictEqual(first.attributes.get("url.query"), "page=2&api_key=REDACTED")
      assert.match(String(first.attributes.get("url.full")), /\/\?page=2&api_key=REDACTED$/)
    }))

  it.effect("a cookie: accepted, rejected and malformed", () =>
    Effect.gen(function*() {
      const { collected, url } = yield* serveTraced(ApiKey.layer({ in: "cookie", name: "key", verify: verify(key) }))
      assert.strictEqual((yield* request(url, { headers: { cookie: `theme=dark; key=${key}` } })).body, "hello, robot")
      assert.strictEqual((yield* request(url, { headers: { cookie: `key=${rejectedKey}` } })).status, 401)
      assert.strictEqual((yield* request(url, { headers: { cookie: `key=${malformedKey}` } })).status, 400)
      assertNothingHolds(collected, secrets)
    }))

  it.effect("Bearer tokens, in Authorization (redacted by the platform): accepted, rejected and malformed", () =>
    Effect.gen(function*() {
      const { collected, url } = yield* serveTraced(Bearer.layer({ verify: verify(key) }))
      assert.strictEqual((yield* request(url, { headers: { authorization: `Bearer ${key}` } })).body, "hello, robot")
      assert.strictEqual((yield* request(url, { headers: { authorization: `Bearer ${rejectedKey}` } })).status, 401)
      assert.strictEqual((yield* request(url, { headers: { authorization: `Bearer ${malformedKey}` } })).status, 400)
      assertNothingHolds(collected, secrets)
    }))
})
