/**
 * No credential reaches a log line or a trace span: a server with Basic, Bearer, API keys (header and cookie) and
 * session cookies behind one middleware, the platform's access logger and tracer, a logger that keeps every line
 * at every level (message, annotations, cause rendered in full) and a tracer that keeps every span as an exporter
 * sees it when it ends (name, attributes, events, exit). Right, wrong and malformed credentials are sent, with
 * failures, defects and timeouts among them; then every kept text is searched for every secret, and for its
 * encodings (the base64 of a Basic header, the percent-encoding of a cookie).
 */
import { assert, describe, it } from "@effect/vitest"
import type { Exit } from "effect"
import { Cause, Context, Effect, Layer, Logger, Option, Redacted, References, Tracer } from "effect"
import {
  ApiKey,
  AuthCredentials,
  AuthenticationBackend,
  AuthenticationMiddleware,
  Basic,
  Bearer,
  CurrentUser,
  Password,
  ServiceUnavailable,
  Session,
  SimpleUser
} from "effect-auth"
import * as Login from "effect-auth/Login"
import { SessionStore } from "effect-auth/SessionStore"
import * as HttpMiddleware from "effect/http/HttpMiddleware"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { send } from "../utils/reliability.js"
import { serve } from "../utils/server.js"

// every secret is unique text, so that finding it anywhere means it leaked from where it was sent
const rightPassword = "pw-Right-7f3a21"
const wrongPassword = "pw-Wrong-9c1b55"
const controlPassword = "pw-Ctl-\u0001-4d2e" // refused by the parser (a control character)
const rightToken = "tok-Right-5e8a0c"
const wrongToken = "tok-Wrong-b71d93"
const malformedToken = "tok Mal-0af3" // a space: malformed
const rightKey = "key-Right-c3f0d8"
const wrongKey = "key-Wrong-82a6b1"
const malformedKey = "key\u00e9Mal-6f2c" // non-ASCII: malformed
const dyingPassword = "pw-Dying-1e7c4b" // the password of a user whose check dies
const hangingPassword = "pw-Hanging-93bd0a" // the password of a user whose check hangs (the timeout answers)
const unavailablePassword = "pw-Unavailable-5c21" // the password of a user whose check cannot be done now

const basic = (username: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`
})

const user = (name: string) => Option.some([new AuthCredentials(["authenticated"]), new SimpleUser(name)] as const)

const BasicBackend = Basic.make({
  realm: "redaction",
  verify: (username, password) => {
    if (username === "dies") {
      // a defect carrying the password as a value: Redacted, it is logged as <redacted>
      return Effect.die({ reason: "verify crashed", password })
    }
    if (username === "hangs") return Effect.never
    if (username === "unavailable") {
      return Effect.fail(new ServiceUnavailable({ reason: "user store unreachable", retryAfter: 3 }))
    }
    return Effect.succeed(
      username === "alice" && Password.equals(password, rightPassword) ? user("alice") : Option.none()
    )
  }
})

const byValue = (right: string, name: string) => (given: Redacted.Redacted<string>) =>
  Effect.succeed(Password.equals(given, right) ? user(name) : Option.none())

class SessionToken extends Context.Service<SessionToken, string>()("test/SessionToken") {}

const Backends = Layer.unwrap(Effect.gen(function*() {
  const store = yield* SessionStore.makeMemory()
  const [token] = yield* Effect.orDie(
    store.create({ userId: "carol", scopes: ["authenticated"], idleTimeout: 60_000, absoluteTimeout: 600_000 })
  )
  const session = yield* Session.make().pipe(Effect.provideService(SessionStore, store))
  const backend = AuthenticationBackend.firstOf(
    yield* BasicBackend,
    yield* Bearer.make({ verify: byValue(rightToken, "robot") }),
    yield* ApiKey.make({ in: "header", name: "x-api-key", verify: byValue(rightKey, "service") }),
    yield* ApiKey.make({ in: "cookie", name: "key", verify: byValue(rightKey, "browser") }),
    session.backend
  )
  return Layer.succeed(SessionToken, Redacted.value(token)).pipe(
    Layer.merge(AuthenticationBackend.layer(backend))
  )
}))

// the app of a router, built in the test's scope
const router = HttpRouter.toHttpEffect(Layer.mergeAll(
  HttpRouter.add(
    "GET",
    "/",
    Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName || "anonymous"))
  ),
  // a login form read by the library: the password in the body
  HttpRouter.add(
    "POST",
    "/login",
    Effect.map(Login.readForm(), (form) =>
      HttpServerResponse.text(
        form.username === "alice" && Password.equals(form.password, rightPassword) ? "welcome" : "no",
        { status: form.username === "alice" && Password.equals(form.password, rightPassword) ? 200 : 400 }
      ))
  )
))

interface Kept {
  readonly texts: Array<string>
  spans: number
}

/** A tracer that keeps each span as an exporter reads it when it ends, around the native one. */
const keepingTracer = (native: Tracer.Tracer, kept: Kept) =>
  Tracer.make({
    span: (options) => {
      const span = native.span(options)
      const events: Array<string> = []
      const event = span.event.bind(span)
      span.event = (name, startTime, attributes) => {
        events.push(`${name} ${JSON.stringify(attributes ?? {})}`)
        event(name, startTime, attributes)
      }
      const end = span.end.bind(span)
      span.end = (endTime, exit: Exit.Exit<unknown, unknown>) => {
        kept.spans++
        kept.texts.push([
          span.name,
          ...Array.from(span.attributes, ([name, value]) => `${name}=${String(value)}`),
          ...events,
          exit._tag === "Failure" ? Cause.pretty(exit.cause) : "ok"
        ].join("\n"))
        end(endTime, exit)
      }
      return span
    },
    context: native.context
  })

/** Loggers that keep everything they are given, as the usual formats render it. */
const keepingLoggers = (kept: Kept) =>
  Logger.layer([
    Logger.make(({ cause, fiber, message }) => {
      kept.texts.push(
        `${JSON.stringify(message)} ${Cause.pretty(cause)} ${
          JSON.stringify(fiber.getRef(References.CurrentLogAnnotations))
        }`
      )
    }),
    Logger.map(Logger.formatLogFmt, (line) => kept.texts.push(line)),
    Logger.map(Logger.formatJson, (line) => kept.texts.push(line))
  ])

describe("no credential reaches a log line or a trace span", () => {
  it.live("right, wrong and malformed credentials of every kind, with failures, defects and timeouts", () =>
    Effect.gen(function*() {
      const kept: Kept = { texts: [], spans: 0 }
      const tracer = keepingTracer(yield* Effect.tracer, kept)
      const sessionToken = yield* SessionToken
      const app = HttpMiddleware.logger(AuthenticationMiddleware.make({ timeout: "100 millis" })(yield* router))
      const url = yield* serve(app).pipe(
        Effect.withTracer(tracer),
        Effect.provide(keepingLoggers(kept)),
        Effect.provideService(References.MinimumLogLevel, "All")
      )
      const form = (username: string, password: string) => ({
        path: "/login",
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ username, password }).toString()
      })
      const sent: ReadonlyArray<readonly [Parameters<typeof send>[1] & { readonly path?: string }, number]> = [
        [{ headers: basic("alice", rightPassword) }, 200],
        [{ headers: basic("alice", wrongPassword) }, 200], // a wrong password is anonymous
        [{ headers: basic("alice", controlPassword) }, 400],
        [{ headers: basic("dies", dyingPassword) }, 500],
        [{ headers: basic("hangs", hangingPassword) }, 503],
        [{ headers: basic("unavailable", unavailablePassword) }, 503],
        [{ headers: { authorization: `Bearer ${rightToken}` } }, 200],
        [{ headers: { authorization: `Bearer ${wrongToken}` } }, 401],
        [{ headers: { authorization: `Bearer ${malformedToken}` } }, 400],
        [{ headers: { "x-api-key": rightKey } }, 200],
        [{ headers: { "x-api-key": wrongKey } }, 401],
        [{ headers: { "x-api-key": malformedKey } }, 400],
        [{ headers: { cookie: `key=${rightKey}` } }, 200],
        [{ headers: { cookie: `key=${wrongKey}` } }, 401],
        [{ headers: { cookie: `session=${sessionToken}` } }, 200],
        [{ headers: { cookie: `session=${sessionToken.slice(0, -4)}AAAA` } }, 200], // tampered: anonymous
        [{ ...form("alice", rightPassword) }, 200],
        [{ ...form("alice", wrongPassword) }, 400]
      ]
      for (const [init, status] of sent) {
        const reply = yield* Effect.orDie(send(`${url}${init.path ?? "/"}`, init))
        assert.strictEqual(reply.status, status, JSON.stringify(init))
      }
      const secrets = [
        rightPassword,
        wrongPassword,
        controlPassword,
        dyingPassword,
        hangingPassword,
        unavailablePassword,
        rightToken,
        wrongToken,
        malformedToken,
        rightKey,
        wrongKey,
        malformedKey,
        sessionToken,
        // the parts of a session token: its public id may be logged, its secret never
        sessionToken.slice(sessionToken.indexOf(".") + 1),
        // what a Basic header holds, as sent
        ...[rightPassword, wrongPassword, controlPassword, dyingPassword].map((password) =>
          basic("alice", password).authorization.slice(6)
        ),
        ...[dyingPassword, hangingPassword, unavailablePassword].flatMap((password) =>
          ["dies", "hangs", "unavailable"].map((name) => basic(name, password).authorization.slice(6))
        ),
        encodeURIComponent(malformedKey),
        encodeURIComponent(rightPassword)
      ]
      // everything was kept: a server span per request, access log lines, the defect, the debug lines
      assert.isAtLeast(kept.spans, sent.length)
      const all = kept.texts.join("\n")
      assert.include(all, "AuthenticationBackend failed unexpectedly")
      assert.include(all, "<redacted>")
      assert.include(all, "Session cookie ignored")
      for (const secret of secrets) assert.notInclude(all, secret)
    }).pipe(Effect.provide(Backends)))

  // The library logs a defect's cause in full (that is how a bug gets fixed) and cannot tell a secret in free text:
  // what an app writes into an error's message is logged as written. A secret kept `Redacted` is logged as
  // `<redacted>` (above); one spliced into a message is the app's leak, and never reaches the client.
  it.live("a defect whose message an app wrote a password into: logged as written, never answered", () =>
    Effect.gen(function*() {
      const kept: Kept = { texts: [], spans: 0 }
      const leaky = Basic.layer({
        verify: (username, password) =>
          Effect.die(new Error(`check failed for ${username}:${Redacted.value(password)}`))
      })
      const url = yield* serve(AuthenticationMiddleware(yield* router)).pipe(
        Effect.provide(leaky),
        Effect.provide(keepingLoggers(kept))
      )
      const reply = yield* Effect.orDie(send(url, { headers: basic("alice", rightPassword) }))
      assert.deepStrictEqual([reply.status, reply.body], [500, "Internal Server Error"])
      assert.include(kept.texts.join("\n"), `check failed for alice:${rightPassword}`)
    }))
})
