/**
 * Throttling failed logins: the memory store on its own, the 429 it leads to, and Basic with a realistic user table
 * (scrypt hashes behind `Password.Verifier`) through a real server, flooded from another client address.
 */
import * as deviceCookie from "@effect-auth/core/DeviceCookie"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Context, Duration, Effect, Layer, Option, Redacted, Result } from "effect"
import {
  AuthCredentials,
  InvalidCredentials,
  isAuthenticationError,
  isTooManyRequests,
  ServiceUnavailable,
  SimpleUser,
  TooManyRequests
} from "effect-auth"
import * as Basic from "effect-auth/Basic"
import * as Password from "effect-auth/Password"
import { make as makeThrottle, ThrottleStore, ThrottleStoreError } from "effect-auth/Throttle"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as TestClock from "effect/testing/TestClock"
import { createSecretKey } from "node:crypto"
import { guardedApp } from "./utils/fixtures.js"
import { requestFrom } from "./utils/from.js"
import { basic, request, serve } from "./utils/server.js"

describe("ThrottleStore.layerMemory", () => {
  const window = Duration.minutes(1)
  const store = ThrottleStore.makeMemory

  it.effect("counts hits in a fixed window from the first one, then starts again", () =>
    Effect.gen(function*() {
      const counts = yield* store()
      assert.deepStrictEqual(yield* counts.get("k"), { count: 0, resetAt: 0 })
      assert.deepStrictEqual(yield* counts.hit("k", window), { count: 1, resetAt: 60_000 })
      yield* TestClock.adjust("30 seconds")
      assert.deepStrictEqual(yield* counts.hit("k", window), { count: 2, resetAt: 60_000 })
      assert.deepStrictEqual(yield* counts.get("k"), { count: 2, resetAt: 60_000 })
      assert.deepStrictEqual(yield* counts.get("other"), { count: 0, resetAt: 0 })
      yield* TestClock.adjust("30 seconds")
      assert.strictEqual((yield* counts.get("k")).count, 0)
      assert.deepStrictEqual(yield* counts.hit("k", window), { count: 1, resetAt: 120_000 })
    }))

  it.effect("reset forgets a key", () =>
    Effect.gen(function*() {
      const counts = yield* store()
      yield* counts.hit("k", window)
      yield* counts.hit("k", window)
      yield* counts.reset("k")
      assert.strictEqual((yield* counts.get("k")).count, 0)
      assert.strictEqual((yield* counts.hit("k", window)).count, 1)
    }))

  it.effect("release takes back one hit in the open window, never below 0", () =>
    Effect.gen(function*() {
      const counts = yield* store()
      yield* counts.release("k")
      assert.strictEqual((yield* counts.get("k")).count, 0)
      yield* counts.hit("k", window)
      yield* counts.hit("k", window)
      yield* counts.release("k")
      assert.deepStrictEqual(yield* counts.get("k"), { count: 1, resetAt: 60_000 })
      yield* counts.release("k")
      yield* counts.release("k")
      assert.strictEqual((yield* counts.get("k")).count, 0)
      yield* counts.hit("k", window)
      yield* TestClock.adjust("1 minute")
      yield* counts.release("k") // the window has closed: nothing to take back
      assert.strictEqual((yield* counts.hit("k", window)).count, 1)
    }))

  it.effect("holds at most maxKeys keys, forgetting the least recently hit", () =>
    Effect.gen(function*() {
      const counts = yield* store({ maxKeys: 2 })
      yield* counts.hit("a", window)
      yield* counts.hit("b", window)
      yield* counts.hit("a", window) // a is now the most recent
      yield* counts.hit("c", window)
      assert.strictEqual((yield* counts.get("a")).count, 2)
      assert.strictEqual((yield* counts.get("b")).count, 0)
      assert.strictEqual((yield* counts.get("c")).count, 1)
    }))
})

describe("TooManyRequests", () => {
  it.effect("is 429 with Retry-After, in neither error family", () =>
    Effect.gen(function*() {
      const error = new TooManyRequests({ reason: "too many failed attempts for this address", retryAfter: 42 })
      assert.strictEqual(error.status, 429)
      assert.strictEqual(TooManyRequests.status, 429)
      assert.strictEqual(error._tag, "TooManyRequests")
      assert.isTrue(isTooManyRequests(error))
      assert.isFalse(isAuthenticationError(error))
      const url = yield* serve(Effect.fail(error))
      const reply = yield* requestFrom(url, "127.0.0.1")
      assert.strictEqual(reply.status, 429)
      assert.strictEqual(reply.retryAfter, "42")
      assert.strictEqual(reply.body, "Too Many Requests")
      assert.notInclude(reply.body, "address")
    }))
})

// --- Basic with a throttle, through a real server --------------------------------------------------------------------

const accounts = { alice: "wonderland", bob: "builder", carol: "carol's" } as const

class Users extends Context.Service<Users, {
  readonly check: (
    username: string,
    password: Redacted.Redacted<string>
  ) => Effect.Effect<Option.Option<readonly [AuthCredentials, SimpleUser]>, ServiceUnavailable>
  /** How many checks reached the password verifier. */
  readonly checks: () => number
}>()("test/Users") {}

// a realistic table: scrypt hashes (2^10 for speed), unknown names checked against a hash too, one shared verifier
const UsersLive = Layer.effect(
  Users,
  Effect.gen(function*() {
    const table = new Map<string, string>()
    for (const [name, password] of Object.entries(accounts)) {
      table.set(name, yield* Password.hash(password, { logN: 10 }))
    }
    const nobody = yield* Password.hash("nobody's", { logN: 10 })
    const verifier = yield* Password.Verifier.make()
    let checks = 0
    return Users.of({
      checks: () => checks,
      check: (username, password) =>
        Effect.suspend(() => {
          checks++
          const stored = table.get(username)
          return Effect.map(verifier.verify(password, stored ?? nobody), (ok) =>
            ok && stored !== undefined
              ? Option.some([new AuthCredentials(["authenticated"]), new SimpleUser(username)] as const)
              : Option.none())
        })
    })
  }).pipe(Effect.orDie)
)

const limits = { username: 3, address: 5 } as const

const withServer = <A, E>(f: (url: string, users: Users["Service"]) => Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const users = yield* Users
    const url = yield* serve(guardedApp)
    return yield* f(url, users)
  }).pipe(
    Effect.provide(
      Basic.layer({
        realm: "test",
        throttle: limits,
        verify: (username, password) => Effect.flatMap(Users, (users) => users.check(username, password))
      }).pipe(Layer.provideMerge(UsersLive), Layer.provide(ThrottleStore.layerMemory()))
    )
  )

const alice = JSON.stringify({ authenticated: true, user: "alice" })

describe("Basic with a throttle, through a real server", () => {
  it.effect("a flood of made-up credentials from one address gets 429 after the limit; a user elsewhere, always 200", () =>
    withServer((url, users) =>
      Effect.gen(function*() {
        // 8 connections at once, each request with a new made-up name and password
        const flood = Effect.forEach(
          Array.from({ length: 80 }, (_, i) => i),
          (i) => requestFrom(`${url}/guarded`, "127.0.0.2", basic(`user${i}`, `guess${i}`)),
          { concurrency: 8 }
        )
        const valid = Effect.forEach(
          Array.from({ length: 40 }, () => 0),
          () => requestFrom(`${url}/guarded`, "127.0.0.1", basic("alice", "wonderland"))
        )
        // alice signed in before the flood began (a first login during the first moments of a flood may meet a full
        // verifier: 503, the documented answer)
        assert.strictEqual(
          (yield* requestFrom(`${url}/guarded`, "127.0.0.1", basic("alice", "wonderland"))).status,
          200
        )
        const [flooded, served] = yield* Effect.all([flood, valid], { concurrency: 2 })

        for (const reply of served) {
          assert.strictEqual(reply.status, 200)
          assert.strictEqual(reply.body, alice)
        }
        const statuses = flooded.map((reply) => reply.status)
        // refused credentials (401, the realm's challenge) only until the address's limit, give or take the 8 in
        // flight when it was reached; then 429 with a Retry-After; never a 5xx but the verifier's 503
        const refused = statuses.filter((status) => status === 401).length
        assert.isAtLeast(refused, limits.address)
        assert.isAtMost(refused, limits.address + 8)
        for (const status of statuses) assert.include([401, 429, 503], status)
        assert.deepStrictEqual(statuses.slice(-40), Array(40).fill(429))
        for (const reply of flooded.filter((reply) => reply.status === 429)) {
          assert.strictEqual(reply.body, "Too Many Requests")
          assert.isAtLeast(Number(reply.retryAfter), 1)
          assert.isAtMost(Number(reply.retryAfter), 15 * 60)
        }
        // what was checked: alice's 41 requests (her password hashed once, then remembered), and the flood's only
        // until the limit; a 429 never reached verify
        assert.strictEqual(users.checks(), 41 + refused + statuses.filter((status) => status === 503).length)
      })
    ))

  it.effect("a throttled attempt is refused before verify runs", () =>
    withServer((url, users) =>
      Effect.gen(function*() {
        for (let i = 0; i < limits.address; i++) {
          assert.strictEqual((yield* requestFrom(`${url}/`, "127.0.0.2", basic(`made-up${i}`, "x"))).status, 200)
        }
        const before = users.checks()
        for (let i = 0; i < 5; i++) {
          const reply = yield* requestFrom(`${url}/`, "127.0.0.2", basic("alice", "wonderland"))
          assert.strictEqual(reply.status, 429)
        }
        assert.strictEqual(users.checks(), before)
        // the same user from another address is served
        assert.strictEqual(
          (yield* requestFrom(`${url}/guarded`, "127.0.0.1", basic("alice", "wonderland"))).status,
          200
        )
      })
    ))

  it.effect("a username with too many failures is refused to every client without a device cookie, from any address", () =>
    withServer((url, users) =>
      Effect.gen(function*() {
        for (let i = 0; i < limits.username; i++) {
          assert.strictEqual((yield* requestFrom(`${url}/guarded`, "127.0.0.2", basic("bob", `guess${i}`))).status, 401)
        }
        const before = users.checks()
        // the right password, from the guessing address or any other (the name in another case is the same name):
        // refused before any check; a Basic client is an untrusted client
        for (const from of ["127.0.0.2", "127.0.0.3", "127.0.0.1"]) {
          const reply = yield* requestFrom(
            `${url}/guarded`,
            from,
            basic(from === "127.0.0.3" ? "BOB" : "bob", "builder")
          )
          assert.strictEqual(reply.status, 429, from)
          assert.isAtLeast(Number(reply.retryAfter), 1)
          assert.isAtMost(Number(reply.retryAfter), 15 * 60)
        }
        assert.strictEqual(users.checks(), before)
        // other users are not affected, from the guessing address either (its own budget is not spent)
        assert.strictEqual(
          (yield* requestFrom(`${url}/guarded`, "127.0.0.2", basic("alice", "wonderland"))).status,
          200
        )
      })
    ))

  it.effect("a success takes back its own attempt, never the failures before it", () =>
    withServer((url) =>
      Effect.gen(function*() {
        const attempt = (password: string) =>
          Effect.map(requestFrom(`${url}/guarded`, "127.0.0.2", basic("carol", password)), (reply) => reply.status)
        // successes cost nothing: as many as one likes
        for (let i = 0; i < 10; i++) assert.strictEqual(yield* attempt("carol's"), 200)
        assert.strictEqual(yield* attempt("typo"), 401)
        assert.strictEqual(yield* attempt("typo"), 401)
        assert.strictEqual(yield* attempt("carol's"), 200)
        // a success does not forget failures (or a guesser would get a fresh budget at each of the user's logins)
        assert.strictEqual(yield* attempt("typo"), 401)
        assert.strictEqual(yield* attempt("carol's"), 429)
      })
    ))

  it.effect("90 wrong passwords at once run at most the limit's checks", () =>
    Effect.gen(function*() {
      const users = yield* Users
      const url = yield* serve(guardedApp)
      const replies = yield* Effect.forEach(
        Array.from({ length: 90 }, (_, i) => i),
        (i) => request(`${url}/guarded`, { headers: basic("bob", `guess${i}`) }),
        { concurrency: "unbounded" }
      )
      const statuses = replies.map((reply) => reply.status)
      // each attempt is counted before its check: 10 checked and refused (401), the others refused before any check
      // (429); an attempt the verifier had no room for (503, a server fault) is nobody's failure and gives its
      // reservation back, so how many there are depends on the timing, and each is one more call, never one more
      // password checked
      const unavailable = statuses.filter((status) => status === 503).length
      assert.strictEqual(statuses.filter((status) => status === 401).length, 10)
      assert.strictEqual(users.checks(), 10 + unavailable)
      assert.strictEqual(statuses.filter((status) => status === 429).length, 80 - unavailable)
    }).pipe(
      Effect.provide(
        Basic.layer({
          realm: "test",
          throttle: { username: 10, address: 1_000 },
          verify: (username, password) => Effect.flatMap(Users, (users) => users.check(username, password))
        }).pipe(Layer.provideMerge(UsersLive), Layer.provide(ThrottleStore.layerMemory()))
      )
    ), 60_000)

  it.effect("a store that is down is a 503, never a login", () =>
    Effect.gen(function*() {
      const down = new ThrottleStoreError({ message: "store down" })
      const backend = yield* Basic.make({
        throttle: {},
        verify: (username) => Effect.succeedSome([new AuthCredentials(), new SimpleUser(username)] as const)
      }).pipe(
        Effect.provideService(ThrottleStore, {
          hit: () => Effect.fail(down),
          release: () => Effect.fail(down),
          get: () => Effect.fail(down),
          reset: () => Effect.fail(down)
        })
      )
      const url = yield* serve(
        Effect.map(backend.authenticate, () => HttpServerResponse.text("in"))
      )
      const reply = yield* requestFrom(url, "127.0.0.1", basic("alice", "x"))
      assert.strictEqual(reply.status, 503)
    }))
})

// --- the per-attempt wrapper, for login forms ------------------------------------------------------------------------

describe("Throttle.make", () => {
  const here = Option.some("127.0.0.2")
  const elsewhere = Option.some("127.0.0.3")
  const wrong = Effect.succeedNone
  const right = Effect.succeedSome("alice")

  it.effect("refuses the username past its limit before the attempt runs, with the window's Retry-After", () =>
    Effect.gen(function*() {
      const guard = yield* makeThrottle({ username: 3, window: "10 minutes" })
      for (let i = 0; i < 3; i++) assert.isTrue(Option.isNone(yield* guard("alice", here, wrong)))
      yield* TestClock.adjust("4 minutes")
      let ran = false
      const attempt = Effect.sync(() => {
        ran = true
        return Option.some("alice")
      })
      const refused = yield* Effect.flip(guard("ALICE", here, attempt))
      assert.isFalse(ran, "refused before the attempt ran")
      assert.isTrue(isTooManyRequests(refused))
      assert.strictEqual((refused as TooManyRequests).retryAfter, 6 * 60)
      assert.strictEqual((refused as TooManyRequests).status, 429)
      // from another address too: a locked name is locked for every client without a device cookie
      const elsewhereRefused = yield* Effect.flip(guard("alice", elsewhere, right))
      assert.strictEqual((elsewhereRefused as TooManyRequests).retryAfter, 6 * 60)
      // the window closes: counts start again
      yield* TestClock.adjust("6 minutes")
      assert.deepStrictEqual(yield* guard("alice", elsewhere, right), Option.some("alice"))
      assert.isTrue(Option.isNone(yield* guard("bob", here, wrong)))
    }).pipe(Effect.provide(ThrottleStore.layerMemory())))

  it.effect("counts per address across usernames; an AuthenticationError is a failure, a ServiceUnavailable is not", () =>
    Effect.gen(function*() {
      const guard = yield* makeThrottle({ address: 2 })
      const down = new ServiceUnavailable({ reason: "down" })
      for (let i = 0; i < 5; i++) {
        assert.deepStrictEqual(yield* Effect.flip(guard(`user${i}`, here, Effect.fail(down))), down)
      }
      yield* Effect.flip(guard("a", here, Effect.fail(new InvalidCredentials({ message: "no" }))))
      yield* guard("b", here, wrong)
      const refused = yield* Effect.result(guard("c", here, right))
      assert.isTrue(Result.isFailure(refused) && isTooManyRequests(refused.failure))
      // without an address only the username counts
      assert.deepStrictEqual(yield* guard("c", Option.none(), right), Option.some("alice"))
    }).pipe(Effect.provide(ThrottleStore.layerMemory())))

  it.effect("checks its options once, when made", () =>
    Effect.gen(function*() {
      const defect = yield* Effect.exit(makeThrottle({ username: 0 }))
      assert.isTrue(defect._tag === "Failure")
    }).pipe(Effect.provide(ThrottleStore.layerMemory())))

  it.effect("counts in the store Basic's throttle counts in: failures on a form lock the name for Basic too", () =>
    Effect.gen(function*() {
      const context = yield* Layer.build(
        Basic.layer({
          realm: "test",
          throttle: limits,
          verify: (username, password) => Effect.flatMap(Users, (users) => users.check(username, password))
        }).pipe(Layer.provideMerge(UsersLive), Layer.provideMerge(ThrottleStore.layerMemory()))
      )
      const guard = yield* makeThrottle(limits).pipe(Effect.provide(context))
      const users = Context.get(context, Users)
      // a login form's failures for bob, from 127.0.0.2
      for (let i = 0; i < limits.username; i++) {
        assert.isTrue(Option.isNone(yield* guard("bob", here, users.check("bob", Redacted.make(`guess${i}`)))))
      }
      const url = yield* serve(guardedApp).pipe(Effect.provide(context))
      const reply = yield* requestFrom(`${url}/guarded`, "127.0.0.2", basic("bob", "builder"))
      assert.strictEqual(reply.status, 429)
      assert.isAtLeast(Number(reply.retryAfter), 1)
      // and Basic's failures count for the form: carol fails by Basic from 127.0.0.3, then the form refuses her name
      for (let i = 0; i < limits.username; i++) {
        assert.strictEqual((yield* requestFrom(`${url}/guarded`, "127.0.0.3", basic("carol", `no${i}`))).status, 401)
      }
      const form = yield* Effect.result(guard("carol", here, users.check("carol", Redacted.make("carol's"))))
      assert.isTrue(Result.isFailure(form) && isTooManyRequests(form.failure))
    }))
})

describe("Throttle.make: budgets", () => {
  const secret = Redacted.make("a device-cookie key of 32 bytes or more")
  const key = createSecretKey(Buffer.from(Redacted.value(secret)))
  const day = 86_400_000
  const wrong = Effect.succeedNone
  const right = Effect.succeedSome("alice")
  const counted = () => {
    let checks = 0
    return { checks: () => checks, wrong: Effect.sync(() => (checks++, Option.none<string>())) }
  }

  it.effect(
    "2,000 guesses from fresh /64s inside one /48: at most the /48's limit are checked",
    () =>
      Effect.gen(function*() {
        const guard = yield* makeThrottle()
        // password spraying: a new name each time, so that only the address budgets can stop it
        const spray = counted()
        for (let i = 0; i < 2_000; i++) {
          const address = `2001:db8:7:${i.toString(16)}::1`
          yield* Effect.result(guard(`user${i}`, Option.some(address), spray.wrong))
        }
        assert.strictEqual(spray.checks(), 200)
        // one name guessed from fresh /64s of another /48: the username's budget, whatever the addresses
        const oneName = counted()
        for (let i = 0; i < 2_000; i++) {
          yield* Effect.result(guard("alice", Option.some(`2001:db8:8:${i.toString(16)}::1`), oneName.wrong))
        }
        assert.strictEqual(oneName.checks(), 10)
        // the figures docs/security.md quotes
        yield* Effect.log(`2,000 fresh /64s in one /48: ${spray.checks()} and ${oneName.checks()} checked`)
      }).pipe(Effect.provide(ThrottleStore.layerMemory())),
    60_000
  )

  it.effect("a /56 has its own limit, between the /64's and the /48's", () =>
    Effect.gen(function*() {
      const guard = yield* makeThrottle({ address: 2, prefix56: 3, prefix48: 100 })
      const guesses = counted()
      for (let i = 0; i < 20; i++) {
        // /64s 2001:db8:9:100 to 2001:db8:9:113, all in the /56 2001:db8:9:100::/56
        yield* Effect.result(guard(`user${i}`, Option.some(`2001:db8:9:${(0x100 + i).toString(16)}::1`), guesses.wrong))
      }
      assert.strictEqual(guesses.checks(), 3)
      // the next /56 of the same /48 is not spent
      assert.deepStrictEqual(yield* guard("alice", Option.some("2001:db8:9:200::1"), right), Option.some("alice"))
    }).pipe(Effect.provide(ThrottleStore.layerMemory())))

  it.effect("a refused attempt spends no other budget: a locked address never locks the names it tries", () =>
    Effect.gen(function*() {
      const guard = yield* makeThrottle({ address: 2, username: 3 })
      const here = Option.some("127.0.0.2")
      yield* guard("a", here, wrong)
      yield* guard("b", here, wrong)
      for (let i = 0; i < 10; i++) yield* Effect.flip(guard("alice", here, right))
      // alice's name counted nothing: another client may still make 3 attempts
      const elsewhere = counted()
      for (let i = 0; i < 3; i++) yield* guard("alice", Option.some(`127.0.1.${i}`), elsewhere.wrong)
      assert.strictEqual(elsewhere.checks(), 3)
    }).pipe(Effect.provide(ThrottleStore.layerMemory())))

  it.effect("a valid device cookie has a budget of its own; a forged, other user's or expired one is none", () =>
    Effect.gen(function*() {
      const guard = yield* makeThrottle({ username: 3, address: 3, device: 2, deviceCookie: { secret } })
      const attacker = Option.some("127.0.0.2")
      // the name and the address are locked by a guesser
      for (let i = 0; i < 3; i++) yield* guard("alice", attacker, wrong)
      assert.isTrue(isTooManyRequests(yield* Effect.flip(guard("alice", attacker, right))))

      const now = yield* Clock.currentTimeMillis
      const valid = deviceCookie.sign(key, "alice", now + day)
      // alice's browser, even behind the guesser's address: its own budget
      const alice = { address: attacker, deviceCookie: valid }
      assert.isTrue(Option.isNone(yield* guard("alice", alice, wrong)))
      assert.deepStrictEqual(yield* guard("alice", alice, right), Option.some("alice"))
      // its success forgot its failure; 2 more failures spend it, and then it is refused like anyone
      yield* guard("alice", alice, wrong)
      yield* guard("alice", alice, wrong)
      const spent = yield* Effect.flip(guard("ALICE", alice, right))
      assert.isTrue(isTooManyRequests(spent))
      assert.strictEqual((spent as TooManyRequests).reason, "too many failed attempts for this device")

      // another device of alice's is not spent
      const other = deviceCookie.sign(key, "alice", now + day)
      assert.deepStrictEqual(
        yield* guard("alice", { address: attacker, deviceCookie: other }, right),
        Option.some("alice")
      )

      // what counts as no cookie: the username's budget, locked, decides
      const otherKey = createSecretKey(Buffer.alloc(32, 1))
      for (
        const cookie of [
          deviceCookie.sign(otherKey, "alice", now + day), // forged
          deviceCookie.sign(key, "mallory", now + day), // another user's
          deviceCookie.sign(key, "alice", now), // expired
          "v1.junk",
          ""
        ]
      ) {
        const refused = yield* Effect.flip(
          guard("alice", { address: Option.some("127.0.0.9"), deviceCookie: cookie }, right)
        )
        assert.strictEqual((refused as TooManyRequests).reason, "too many failed attempts for this username", cookie)
      }
    }).pipe(Effect.provide(ThrottleStore.layerMemory())))

  it.effect("Retry-After comes from the clock and the window alone", () =>
    Effect.gen(function*() {
      const guard = yield* makeThrottle({ username: 1, window: "10 minutes" })
      yield* guard("alice", Option.none(), wrong)
      yield* TestClock.adjust("150 seconds")
      const refused = yield* Effect.flip(guard("alice", Option.none(), right))
      assert.strictEqual((refused as TooManyRequests).retryAfter, 450)
    }).pipe(Effect.provide(ThrottleStore.layerMemory())))

  it.effect("a device cookie's secret shorter than 32 bytes, or a bad limit, is a defect when the guard is made", () =>
    Effect.gen(function*() {
      for (
        const options of [
          { deviceCookie: { secret: Redacted.make("short") } },
          { device: 0 },
          { prefix48: 1.5 },
          { deviceCookie: { cookieName: "bad name;" } }
        ]
      ) {
        const exit = yield* Effect.exit(makeThrottle(options))
        assert.strictEqual(exit._tag, "Failure", JSON.stringify(options))
      }
    }).pipe(Effect.provide(ThrottleStore.layerMemory())))
})
