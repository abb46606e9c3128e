/**
 * No context is written in place: the middleware adds the request's authentication to its own copy of the context,
 * for the time the app runs, and whatever surrounds it (an outer middleware, a runtime, a fiber that forked it) has
 * the same context, entry for entry, before and after, however the app was run (timeout, race, fork and join).
 * Run as plain effects with a request from `HttpServerRequest.fromWeb`, and through a real server.
 */
import * as Isolation from "@effect-auth/specs/Isolation"
import type { HttpApp } from "@effect/platform"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Equal, Fiber, Hash, Option, Runtime } from "effect"
import {
  AuthCredentials,
  AuthenticationBackend,
  AuthenticationMiddleware,
  CurrentAuthentication,
  CurrentCredentials,
  CurrentUser,
  SimpleUser,
  UnauthenticatedUser
} from "effect-auth"
import { Authentication } from "effect-auth/CurrentUser"
import { request, serve } from "../utils/server.js"

// every request that says `x-user: <name>` is that user; anyone else is anonymous
const byHeader = AuthenticationBackend.make(
  Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
    Option.map(
      Option.fromNullable(request.headers[Isolation.userHeader]),
      (name) => [new AuthCredentials(["authenticated"]), new SimpleUser(name)] as const
    )),
  { challenge: "Bearer" }
)
const BackendLive = AuthenticationBackend.layer(byHeader)

const inner = AuthenticationMiddleware(
  Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.isAuthenticated ? user.displayName : "anonymous"))
)

const bodyOf = (response: HttpServerResponse.HttpServerResponse): string =>
  response.body._tag === "Uint8Array" ? new TextDecoder().decode(response.body.body) : "?"

/** The ways an outer middleware may run the inner app. */
const runs: ReadonlyArray<
  readonly [string, <A, E, R>(app: Effect.Effect<A, E, R>) => Effect.Effect<A, unknown, R>]
> = [
  ["directly", (app) => app],
  ["under Effect.timeout", (app) => Effect.timeout(app, "5 seconds")],
  ["under Effect.race", (app) => Effect.race(app, Effect.never)],
  ["raced against itself", (app) => Effect.race(app, Effect.delay(app, "1 millis"))],
  ["forked and joined", (app) => Effect.flatMap(Effect.fork(app), Fiber.join)],
  ["forked as a daemon and awaited", (app) => Effect.flatMap(Effect.forkDaemon(app), Fiber.join)],
  ["in a scoped fiber", (app) => Effect.scoped(Effect.flatMap(Effect.forkScoped(app), Fiber.join))]
]

/**
 * The request's entry, if the context holds one: `CurrentAuthentication` itself reads as anonymous where there is
 * none, so a plain tag of the same key tells an entry from its absence.
 */
const entryOf = (context: Context.Context<never>) =>
  Context.getOption(context, Context.GenericTag<never, Authentication>(CurrentAuthentication.key))

/** The context's entries, keys and values, in order. */
const entries = (context: Context.Context<never>) => Array.from(context.unsafeMap)

/**
 * The context as it is now, copied: a middleware that wrote into the map in place would change the context object
 * the caller holds, so comparing that object with itself afterwards would prove nothing.
 */
interface Snapshot {
  readonly copy: Context.Context<never>
  readonly entries: ReadonlyArray<readonly [string, unknown]>
  readonly hash: number
}
const snapshot = (context: Context.Context<never>): Snapshot => {
  const copy = Context.unsafeMake<never>(new Map(context.unsafeMap))
  return { copy, entries: entries(copy), hash: Hash.hash(copy) }
}

const isSameContext = (before: Snapshot, after: Context.Context<never>): boolean =>
  after.unsafeMap.size === before.entries.length &&
  before.entries.every(([key, value]) => after.unsafeMap.get(key) === value) &&
  Equal.equals(before.copy, after) && Hash.hash(snapshot(after).copy) === before.hash

const assertSameContext = (before: Snapshot, after: Context.Context<never>, label: string) => {
  assert.strictEqual(after.unsafeMap.size, before.entries.length, label)
  assert.deepStrictEqual(entries(after).map(([key]) => key), before.entries.map(([key]) => key), label)
  for (const [key, value] of before.entries) assert.strictEqual(after.unsafeMap.get(key), value, `${label}: ${key}`)
  assert.isFalse(after.unsafeMap.has(CurrentAuthentication.key), label)
  assert.isTrue(Equal.equals(before.copy, after), label)
  assert.strictEqual(Hash.hash(snapshot(after).copy), before.hash, label)
  assert.isTrue(isSameContext(before, after), label)
}

/**
 * An outer middleware: runs the inner app as `run` says, and reports what it saw of the context before and after.
 */
const outer = (run: (typeof runs)[number][1]) =>
  Effect.gen(function*() {
    const before = snapshot(yield* Effect.context<never>())
    const response = yield* run(inner)
    const after = yield* Effect.context<never>()
    const seen = entryOf(after)
    return { body: bodyOf(response), before, after, seen }
  })

const webRequest = (headers: Record<string, string> = {}) =>
  HttpServerRequest.fromWeb(new Request("http://localhost/", { headers }))

describe("no context is written in place (as effects)", () => {
  for (const [name, run] of runs) {
    it.effect(`an outer middleware sees no CurrentAuthentication after the app, run ${name}`, () =>
      Effect.gen(function*() {
        for (const headers of [{ "x-user": "alice" }, {}]) {
          const { after, before, body, seen } = yield* outer(run).pipe(
            Effect.provideService(HttpServerRequest.HttpServerRequest, webRequest(headers)),
            Effect.provide(BackendLive)
          )
          // the app did see its user…
          assert.strictEqual(body, "x-user" in headers ? "alice" : "anonymous")
          // …and nothing of it is left around it
          assert.isTrue(Option.isNone(seen), name)
          assertSameContext(before, after, name)
        }
      }))
  }

  it.effect("an outer entry is kept, as it was, around an inner middleware's run", () =>
    Effect.gen(function*() {
      const mine = new Authentication(new UnauthenticatedUser(), new AuthCredentials(["outer"]), undefined)
      for (const [name, run] of runs) {
        const { after, before, body, seen } = yield* outer(run).pipe(
          Effect.provideService(CurrentAuthentication, mine),
          Effect.provideService(HttpServerRequest.HttpServerRequest, webRequest({ "x-user": "bob" })),
          Effect.provide(BackendLive)
        )
        assert.strictEqual(body, "bob", name)
        assert.strictEqual(Option.getOrUndefined(seen), mine, name)
        assert.strictEqual(after.unsafeMap.get(CurrentAuthentication.key), mine, name)
        assert.isTrue(isSameContext(before, after), name)
      }
    }))

  it.effect("an inner middleware's anonymous request does not see the outer entry's user", () =>
    Effect.gen(function*() {
      const alice = new Authentication(new SimpleUser("alice"), new AuthCredentials(["admin"]), undefined)
      for (const [name, run] of runs) {
        const { after, before, body, seen } = yield* outer(run).pipe(
          Effect.provideService(CurrentAuthentication, alice),
          Effect.provideService(HttpServerRequest.HttpServerRequest, webRequest()),
          Effect.provide(BackendLive)
        )
        assert.strictEqual(body, "anonymous", name)
        assert.strictEqual(Option.getOrUndefined(seen), alice, name)
        assert.isTrue(isSameContext(before, after), name)
      }
    }))

  it.effect("the handler's context holds an entry for an authenticated request and none for an anonymous one", () =>
    Effect.gen(function*() {
      const seen = AuthenticationMiddleware(
        Effect.map(Effect.context<never>(), (context) => HttpServerResponse.text(entryOf(context)._tag))
      )
      for (const [headers, expected] of [[{ "x-user": "alice" }, "Some"], [{}, "None"]] as const) {
        const response = yield* seen.pipe(
          Effect.provideService(HttpServerRequest.HttpServerRequest, webRequest(headers)),
          Effect.provide(BackendLive)
        )
        assert.strictEqual(bodyOf(response), expected)
      }
    }))

  it.effect("without any entry, CurrentAuthentication, CurrentUser and CurrentCredentials read as anonymous", () =>
    Effect.gen(function*() {
      // the types forbid it (the need is not discharged); forced, the reads fail closed
      const read = Effect.all([CurrentAuthentication, CurrentUser, CurrentCredentials]) as unknown as Effect.Effect<
        readonly [Authentication, UnauthenticatedUser | SimpleUser, AuthCredentials]
      >
      const [authentication, user, credentials] = yield* read
      assert.isFalse(user.isAuthenticated)
      assert.strictEqual(authentication.user, user)
      assert.deepStrictEqual(credentials.scopes, [])
      assert.isUndefined(authentication.challenge)
    }))

  it.live("a failing or interrupted app leaves the context as it was too", () =>
    Effect.gen(function*() {
      const refusing = AuthenticationBackend.layer(Effect.succeedNone)
      const failing = AuthenticationMiddleware(Effect.zipRight(CurrentUser, Effect.fail("handler failed" as const)))
      const slow = AuthenticationMiddleware(Effect.zipRight(CurrentUser, Effect.never))
      const check = Effect.gen(function*() {
        const before = snapshot(yield* Effect.context<never>())
        const failed = yield* Effect.flip(failing)
        const timedOut = yield* Effect.timeoutOption(slow, "10 millis")
        const interrupted = yield* Effect.fork(slow).pipe(
          Effect.tap(() => Effect.yieldNow()),
          Effect.flatMap(Fiber.interrupt)
        )
        const after = yield* Effect.context<never>()
        assert.strictEqual(failed, "handler failed")
        assert.isTrue(Option.isNone(timedOut))
        assert.strictEqual(interrupted._tag, "Failure")
        assert.isTrue(Option.isNone(entryOf(after)))
        assertSameContext(before, after, "failure and interruption")
      })
      yield* check.pipe(
        Effect.provideService(HttpServerRequest.HttpServerRequest, webRequest()),
        Effect.provide(refusing)
      )
    }))

  it.effect("a Runtime whose context holds the request is unchanged after runs", () =>
    Effect.gen(function*() {
      const runtime = Runtime.defaultRuntime.pipe(
        Runtime.provideService(HttpServerRequest.HttpServerRequest, webRequest({ "x-user": "carol" })),
        Runtime.provideService(AuthenticationBackend, byHeader)
      )
      const context = runtime.context
      const before = snapshot(context)
      const app: HttpApp.Default<unknown, AuthenticationBackend> = inner
      const first = yield* Effect.promise(() => Runtime.runPromise(runtime)(app))
      const second = yield* Effect.promise(() => Runtime.runPromise(runtime)(app))
      assert.deepStrictEqual([bodyOf(first), bodyOf(second)], ["carol", "carol"])
      assert.strictEqual(runtime.context, context)
      assert.strictEqual(context.unsafeMap.size, 2)
      assertSameContext(before, context, "the runtime's context")
      // and an effect run on it afterwards finds no entry
      const seen = yield* Effect.promise(() =>
        Runtime.runPromise(runtime)(Effect.map(Effect.context<never>(), entryOf))
      )
      assert.isTrue(Option.isNone(seen))
    }))
})

describe("no context is written in place (through a real server)", () => {
  // the outer middleware answers what it saw: the inner body, whether an entry was left, whether the context changed
  const outerApp = (run: (typeof runs)[number][1]) =>
    Effect.map(
      outer(run),
      ({ after, before, body, seen }) =>
        HttpServerResponse.text(`${body} ${seen._tag} ${isSameContext(before, after) ? "same" : "changed"}`)
    )

  it.scoped("an outer middleware sees None and the same context, however it runs the app", () =>
    Effect.gen(function*() {
      let router: HttpRouter.HttpRouter<unknown, AuthenticationBackend> = HttpRouter.empty
      runs.forEach(([, run], i) => {
        router = router.pipe(HttpRouter.get(`/${i}`, outerApp(run)))
      })
      const url = yield* serve(router).pipe(Effect.provide(BackendLive))
      for (const [i, [name]] of runs.entries()) {
        for (const user of ["alice", undefined]) {
          const reply = yield* request(`${url}/${i}`, { headers: user === undefined ? {} : { "x-user": user } })
          assert.deepStrictEqual([reply.status, reply.body], [200, `${user ?? "anonymous"} None same`], name)
        }
      }
    }))

  // the load and its check are the shared spec `@effect-auth/specs/Isolation`
  it.scoped("concurrent requests through an outer middleware each see their own user, and none after", () =>
    Effect.gen(function*() {
      const url = yield* serve(outerApp((app) => Effect.flatMap(Effect.fork(app), Fiber.join))).pipe(
        Effect.provide(BackendLive)
      )
      const expected = (user: string | undefined) => `${Isolation.bodyOf(user)} None same`
      yield* Effect.promise(() => Isolation.underLoad(url, { expected }))
      yield* Effect.promise(() => Isolation.property(url, { expected }))
    }))
})
