/**
 * Faults, mixed with healthy traffic on one server (Faults.test.ts has each fault on its own): a backend that refuses,
 * cannot decide, dies (an Error, a thrown exception, a string), interrupts itself or hangs; a client that goes away
 * while its credentials are checked; a session store that fails, dies or hangs. Each request gets a clean response
 * (its status, a fixed body, no stack, no secret), the healthy requests beside them are answered as usual, and the
 * server serves the next one.
 * The requests, their expected answers and the store's modes are the shared spec
 * `@effect-auth/specs/ReliabilityFaults` (plain Node); this file builds the faulty backend and store (Effect's
 * failures, defects and interruptions), reads the log lines through this line's Logger, and keeps the client that
 * goes away (it interrupts the client's fiber and waits on the backend's).
 */
import * as Faults from "@effect-auth/specs/ReliabilityFaults"
import { assert, describe, it } from "@effect/vitest"
import type { Duration } from "effect"
import { Cause, Deferred, Effect, Fiber, Layer, Logger, Option, Redacted, References } from "effect"
import {
  AuthCredentials,
  AuthenticationBackend,
  AuthenticationMiddleware,
  CurrentUser,
  InvalidCredentials,
  ServiceUnavailable,
  Session,
  SessionStoreError,
  SimpleUser
} from "effect-auth"
import type { Authenticate } from "effect-auth/AuthenticationBackend"
import { SessionStore } from "effect-auth/SessionStore"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { send } from "../utils/reliability.js"
import { serve } from "../utils/server.js"

const { secret } = Faults

// the app of a router, built in the test's scope
const whoami = HttpRouter.toHttpEffect(
  HttpRouter.add(
    "GET",
    "/",
    Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName || "anonymous"))
  )
)

/** Every log line, formatted as an app's logger would, its cause rendered in full. */
const collectLogs = () => {
  const lines: Array<{ readonly level: string; readonly message: string; readonly cause: string }> = []
  const logger = Logger.make(({ cause, logLevel, message }) => {
    const text = Array.isArray(message) ? message.map(String).join(" ") : String(message)
    lines.push({ level: logLevel.toUpperCase(), message: text, cause: Cause.pretty(cause) })
  })
  return { lines, layer: Logger.layer([logger]) }
}

// the backend reads `x-fault`: none is `x-user` (or anonymous), any other is that fault
const faulty = AuthenticationBackend.layer(
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request): Authenticate => {
    const fault = request.headers[Faults.faultHeader] as Faults.Fault | undefined
    switch (fault) {
      case undefined: {
        const user = request.headers["x-user"]
        return Effect.succeed(
          user === undefined ? Option.none() : Option.some([new AuthCredentials([]), new SimpleUser(user)] as const)
        )
      }
      case "refuse":
        return Effect.fail(new InvalidCredentials({ message: "Invalid credentials" }))
      case "unavailable":
        return Effect.fail(new ServiceUnavailable({ reason: `user store at ${secret} unreachable`, retryAfter: 7 }))
      case "die":
        return Effect.die(new Error(`the user store is down: postgres://admin:${secret}@db/users`))
      case "throw":
        return Effect.sync(() => {
          throw new TypeError(`Cannot read properties of undefined (reading '${secret}')`)
        })
      case "die-string":
        return Effect.die(`store down: ${secret}`)
      case "interrupt":
        return Effect.interrupt
      case "hang":
        return Effect.never
    }
  }),
  { challenge: "Bearer" }
)

describe("a faulty backend among healthy requests, on one server", () => {
  it.live("each fault is answered cleanly, the healthy requests beside it as usual, over kept connections", () =>
    Effect.gen(function*() {
      const logs = collectLogs()
      const url = yield* serve(AuthenticationMiddleware.make({ timeout: "300 millis" })(yield* whoami)).pipe(
        Effect.provide(faulty),
        Effect.provide(logs.layer)
      )
      const defects = yield* Effect.promise(() => Faults.mixed(url))
      // each defect is logged once, in full, as an error: the app's own words are its to keep clean (see
      // docs/reliability.md); nothing else was logged at error level
      const errors = logs.lines.filter((line) => line.level === "ERROR")
      assert.strictEqual(errors.length, defects)
      for (const line of errors) assert.strictEqual(line.message, Faults.defectMessage)
    }))

  // The platform runs a request's fiber uninterruptibly and does not interrupt it when its client goes away (any
  // handler that hangs holds its fiber), so only the middleware's timeout cuts a hanging check short.
  it.live("a client that goes away while its credentials hang: the timeout still ends the work; the server serves on", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const interrupted = yield* Deferred.make<void>()
      const backend = AuthenticationBackend.layer(
        Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
          request.headers["x-fault"] === "hang"
            ? Effect.andThen(
              Deferred.succeed(started, undefined),
              Effect.onInterrupt(Effect.never, () => Deferred.succeed(interrupted, undefined))
            )
            : Effect.succeedNone)
      )
      const url = yield* serve(AuthenticationMiddleware.make({ timeout: "200 millis" })(yield* whoami)).pipe(
        Effect.provide(backend)
      )
      const gone = yield* Effect.forkChild(send(url, { headers: { "x-fault": "hang" } }))
      yield* Deferred.await(started)
      // interrupting the client destroys its request: the connection closes before any answer
      yield* Fiber.interrupt(gone)
      yield* Deferred.await(interrupted)
      assert.strictEqual((yield* send(url)).body, "anonymous")
    }))
})

// --- a session store that is down -------------------------------------------------------------------------------

/** A memory store whose `authenticate` fails, dies or hangs while `mode` says so. */
const flakyStore = Effect.gen(function*() {
  const inner = yield* SessionStore.makeMemory()
  let mode: Faults.StoreMode = "up"
  const store: SessionStore.Service = {
    ...inner,
    authenticate: (token) =>
      Effect.suspend(() =>
        mode === "up"
          ? inner.authenticate(token)
          : mode === "fail"
          ? Effect.fail(new SessionStoreError({ message: "connection refused", cause: new Error(secret) }))
          : mode === "die"
          ? Effect.die(new Error(`pool exhausted: ${secret}`))
          : Effect.never
      )
  }
  const [token] = yield* Effect.orDie(inner.create({
    userId: "alice",
    scopes: ["authenticated"],
    idleTimeout: 60_000,
    absoluteTimeout: 600_000
  }))
  return { store, token: Redacted.value(token), setMode: (next: Faults.StoreMode) => void (mode = next) }
})

const serveSessions = (store: SessionStore.Service, timeout?: Duration.Input) =>
  Effect.flatMap(whoami, (app) =>
    serve(
      timeout === undefined ? AuthenticationMiddleware(app) : AuthenticationMiddleware.make({ timeout })(app)
    )).pipe(
      Effect.provide(Session.layer().pipe(Layer.provide(Layer.succeed(SessionStore, store)))),
      Effect.provideService(References.MinimumLogLevel, "None")
    )

/** A flaky store behind the session backend, served; then the spec's check with its token and switch. */
const storeCheck = (
  check: (url: string, token: string, setMode: (mode: Faults.StoreMode) => void) => Promise<void>,
  timeout?: Duration.Input
) =>
  Effect.gen(function*() {
    const { setMode, store, token } = yield* flakyStore
    const url = yield* serveSessions(store, timeout)
    yield* Effect.promise(() => check(url, token, setMode))
  })

describe("a session store that is down", () => {
  it.live("fails: 503 with Retry-After; dies: a generic 500 (no stack, no secret); no cookie: anonymous", () =>
    storeCheck(Faults.storeFailsOrDies))

  it.live("hangs: with the middleware's timeout, 503 with Retry-After; back up, the user", () =>
    storeCheck(Faults.storeHangs, "200 millis"))

  // a store that cannot be reached is a server fault the client can retry, as a key set that cannot be fetched is
  it.live("fails: 503 with Retry-After, as an unreachable key set is", () => storeCheck(Faults.storeFails))
})
