/**
 * No credential reaches a log line or a trace span: a server with Basic, Bearer, API keys (header and cookie) and
 * session cookies behind one middleware, the platform's access logger and tracer, a logger that keeps every line
 * at every level (message, annotations, cause rendered in full) and a tracer that keeps every span as an exporter
 * sees it when it ends (name, attributes, events, exit). Right, wrong and malformed credentials are sent, with
 * failures, defects and timeouts among them; then every kept text is searched for every secret, and for its
 * encodings (the base64 of a Basic header, the percent-encoding of a cookie).
 * The credentials, the requests, their statuses and the search are the shared spec
 * `@effect-auth/specs/ReliabilityRedaction` (plain Node); this file builds the backends and keeps the log lines and
 * spans through this line's Logger and Tracer.
 */
import * as Redaction from "@effect-auth/specs/ReliabilityRedaction"
import { HttpMiddleware, HttpRouter, HttpServerResponse } from "@effect/platform"
import { describe, it } from "@effect/vitest"
import type { Exit } from "effect"
import { Cause, Context, Effect, Layer, Logger, LogLevel, Option, Redacted, Tracer } from "effect"
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
import { serve } from "../utils/server.js"

const { rightKey, rightPassword, rightToken } = Redaction

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

class SessionToken extends Context.Tag("test/SessionToken")<SessionToken, string>() {}

const Backends = Layer.unwrapEffect(Effect.gen(function*() {
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

const router = HttpRouter.empty.pipe(
  HttpRouter.get("/", Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName || "anonymous"))),
  // a login form read by the library: the password in the body
  HttpRouter.post(
    "/login",
    Effect.map(Login.readForm(), (form) =>
      HttpServerResponse.text(
        form.username === "alice" && Password.equals(form.password, rightPassword) ? "welcome" : "no",
        { status: form.username === "alice" && Password.equals(form.password, rightPassword) ? 200 : 400 }
      ))
  )
)

interface Kept {
  readonly texts: Array<string>
  spans: number
}

/** A tracer that keeps each span as an exporter reads it when it ends, around the native one. */
const keepingTracer = (native: Tracer.Tracer, kept: Kept) =>
  Tracer.make({
    span: (...args) => {
      const span = native.span(...args)
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
          exit._tag === "Failure" ? Cause.pretty(exit.cause, { renderErrorCause: true }) : "ok"
        ].join("\n"))
        end(endTime, exit)
      }
      return span
    },
    context: native.context
  })

/** A logger that keeps everything it is given, as the usual formats render it. */
const keepingLogger = (kept: Kept) =>
  Logger.zip(
    Logger.make(({ annotations, cause, message }) => {
      kept.texts.push(
        `${JSON.stringify(message)} ${Cause.pretty(cause, { renderErrorCause: true })} ${
          JSON.stringify([...annotations])
        }`
      )
    }),
    Logger.zip(
      Logger.map(Logger.logfmtLogger, (line) => kept.texts.push(line)),
      Logger.map(Logger.structuredLogger, (line) => kept.texts.push(JSON.stringify(line)))
    )
  )

describe("no credential reaches a log line or a trace span", () => {
  it.scopedLive("right, wrong and malformed credentials of every kind, with failures, defects and timeouts", () =>
    Effect.gen(function*() {
      const kept: Kept = { texts: [], spans: 0 }
      const tracer = keepingTracer(yield* Effect.tracer, kept)
      const sessionToken = yield* SessionToken
      const app = HttpMiddleware.logger(AuthenticationMiddleware.make({ timeout: "100 millis" })(router))
      const url = yield* serve(app).pipe(
        Effect.withTracer(tracer),
        Effect.provide(Logger.replace(Logger.defaultLogger, keepingLogger(kept))),
        Logger.withMinimumLogLevel(LogLevel.All)
      )
      yield* Effect.promise(() => Redaction.noSecretKept(url, sessionToken, () => kept))
    }).pipe(Effect.provide(Backends)))

  // The library logs a defect's cause in full (that is how a bug gets fixed) and cannot tell a secret in free text:
  // what an app writes into an error's message is logged as written. A secret kept `Redacted` is logged as
  // `<redacted>` (above); one spliced into a message is the app's leak, and never reaches the client.
  it.scopedLive("a defect whose message an app wrote a password into: logged as written, never answered", () =>
    Effect.gen(function*() {
      const kept: Kept = { texts: [], spans: 0 }
      const leaky = Basic.layer({
        verify: (username, password) =>
          Effect.die(new Error(`check failed for ${username}:${Redacted.value(password)}`))
      })
      const url = yield* serve(AuthenticationMiddleware(router)).pipe(
        Effect.provide(leaky),
        Effect.provide(Logger.replace(Logger.defaultLogger, keepingLogger(kept)))
      )
      yield* Effect.promise(() => Redaction.leakLoggedNeverAnswered(url, () => kept.texts))
    }))
})
