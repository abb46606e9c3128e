import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import {
  AuthCredentials,
  AuthenticationBackend,
  AuthenticationMiddleware,
  CurrentAuthentication,
  CurrentUser,
  isForbidden,
  isHidden,
  isLoginRedirect,
  isNotFound,
  isPermissionDenied,
  isUnauthorized,
  RejectedCredentials,
  SimpleUser,
  UnauthenticatedUser
} from "effect-auth"
import * as Basic from "effect-auth/Basic"
import { Authentication } from "effect-auth/CurrentUser"
import * as Policy from "effect-auth/Policy"
import { requires } from "effect-auth/Requires"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { usersWithScopes } from "./utils/fixtures.js"
import { basic, connect, request, serve } from "./utils/server.js"

// users: alice is an admin, bob is not (any password)
const scopesOf: Record<string, ReadonlyArray<string>> = {
  alice: ["authenticated", "admin"],
  bob: ["authenticated"],
  "zoë": ["authenticated"],
  "p:w": ["authenticated"]
}
const verify = usersWithScopes(scopesOf)
const BasicLive = Basic.layer({ verify })
const BasicWithRealm = Basic.layer({ verify, realm: "staff" })

const hello = Effect.map(CurrentUser, (user) => HttpServerResponse.text(`hello, ${user.displayName || "you"}`))

// a websocket that greets its user, then waits for the client to close (the socket opens when its reader is acquired)
const socket = Effect.gen(function*() {
  const user = yield* CurrentUser
  const request = yield* HttpServerRequest.HttpServerRequest
  const upgraded = yield* request.upgrade
  const { pull } = yield* upgraded.reader
  const writer = yield* upgraded.writer
  yield* writer.write(`hello, ${user.displayName}`)
  yield* Effect.ignore(Effect.forever(pull))
  return HttpServerResponse.empty()
}).pipe(Effect.scoped, Effect.orDie)

const Routes = Layer.mergeAll(
  HttpRouter.add("GET", "/open", hello.pipe(requires([]))),
  // a response is a handler too (in Effect 4 a response is a value, no longer an effect)
  HttpRouter.add("GET", "/plain", HttpServerResponse.text("plain").pipe(requires("admin"))),
  HttpRouter.add("GET", "/dashboard", hello.pipe(requires(["authenticated", "admin"]))),
  HttpRouter.add("GET", "/hidden", hello.pipe(requires("admin", { status: 404 }))),
  HttpRouter.add("GET", "/spaced", hello.pipe(requires("authenticated admin"))),
  HttpRouter.add("GET", "/login-first", hello.pipe(requires("admin", { redirect: "/login?from=app" }))),
  HttpRouter.add(
    "GET",
    "/any",
    hello.pipe(requires(Policy.any(Policy.scope("admin"), Policy.user("bob", (u) => u.identity === "bob"))))
  ),
  HttpRouter.add(
    "GET",
    "/checked",
    hello.pipe(
      requires(Policy.check(
        "header says yes",
        Effect.map(HttpServerRequest.HttpServerRequest, (r) => r.headers["x-ok"] === "yes")
      ))
    )
  ),
  HttpRouter.add("GET", "/ws", socket.pipe(requires("admin"))),
  HttpRouter.add("GET", "/ws/close", socket.pipe(requires("admin", { websocket: "close" })))
)

// the function form: the router as an effect, the whole of it wrapped by the middleware (before routing)
const app = Effect.map(HttpRouter.toHttpEffect(Routes), AuthenticationMiddleware)

const withServer = <A, E, R>(layer: Layer.Layer<AuthenticationBackend>, f: (url: string) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(Effect.flatMap(app, (app) => serve(app)), f).pipe(Effect.provide(layer))

describe("requires through a real server", () => {
  it.effect("all of several scopes; [] passes; one string is one scope", () =>
    withServer(BasicLive, (url) =>
      Effect.gen(function*() {
        assert.strictEqual((yield* request(`${url}/dashboard`, { headers: basic("alice", "x") })).status, 200)
        const bob = yield* request(`${url}/dashboard`, { headers: basic("bob", "x") })
        assert.strictEqual(bob.status, 403)
        assert.strictEqual(bob.body, "Forbidden")
        assert.match(bob.headers.get("content-type") ?? "", /^text\/plain/)
        const open = yield* request(`${url}/open`)
        assert.deepStrictEqual([open.status, open.body], [200, "hello, you"])
        assert.strictEqual((yield* request(`${url}/spaced`, { headers: basic("alice", "x") })).status, 403)
        assert.deepStrictEqual(
          [
            (yield* request(`${url}/plain`, { headers: basic("alice", "x") })).body,
            (yield* request(`${url}/plain`)).status
          ],
          ["plain", 403]
        )
      })))

  it.effect("status: 404 hides the route: the answer is the router's own for an unknown path", () =>
    withServer(BasicLive, (url) =>
      Effect.gen(function*() {
        const hidden = yield* request(`${url}/hidden`, { headers: basic("bob", "x") })
        const unknown = yield* request(`${url}/no-such-route`, { headers: basic("bob", "x") })
        // an empty 404 without a content type, exactly as for a path that does not exist
        assert.deepStrictEqual([hidden.status, hidden.body], [404, ""])
        assert.deepStrictEqual([unknown.status, unknown.body], [404, ""])
        assert.strictEqual(hidden.headers.get("content-type"), unknown.headers.get("content-type"))
        assert.strictEqual(hidden.headers.get("content-length"), unknown.headers.get("content-length"))
        assert.strictEqual((yield* request(`${url}/hidden`, { headers: basic("alice", "x") })).status, 200)
      })))

  it.effect("redirect appends next with & when the target has a query, and keeps next on this site", () =>
    withServer(BasicLive, (url) =>
      Effect.gen(function*() {
        const denied = yield* request(`${url}/login-first?a=1&b=2`)
        assert.strictEqual(denied.status, 303)
        assert.strictEqual(
          denied.headers.get("location"),
          `/login?from=app&next=${encodeURIComponent("/login-first?a=1&b=2")}`
        )
        assert.strictEqual(denied.body, "")
      })))

  it.effect("HEAD: a denial has the status and no body", () =>
    withServer(BasicLive, (url) =>
      Effect.gen(function*() {
        const denied = yield* request(`${url}/dashboard`, { method: "HEAD" })
        assert.deepStrictEqual([denied.status, denied.body], [403, ""])
        const allowed = yield* request(`${url}/dashboard`, { method: "HEAD", headers: basic("alice", "x") })
        assert.deepStrictEqual([allowed.status, allowed.body], [200, ""])
      })))

  it.effect("policies: any-of, user predicates and effectful checks", () =>
    withServer(BasicLive, (url) =>
      Effect.gen(function*() {
        assert.strictEqual((yield* request(`${url}/any`, { headers: basic("alice", "x") })).status, 200)
        assert.strictEqual((yield* request(`${url}/any`, { headers: basic("bob", "x") })).status, 200)
        assert.strictEqual((yield* request(`${url}/any`, { headers: basic("zoë", "x") })).status, 403)
        assert.strictEqual((yield* request(`${url}/checked`, { headers: { "x-ok": "yes" } })).status, 200)
        const denied = yield* request(`${url}/checked`, { headers: { "x-ok": "no" } })
        assert.deepStrictEqual([denied.status, denied.body], [403, "Forbidden"])
      })))

  it.effect("unicode names and passwords with ':' reach the backend intact", () =>
    Effect.gen(function*() {
      const seen: Array<[string, string, string]> = []
      const layer = Basic.layer({
        verify: (username, password) => {
          seen.push([username, Redacted.value(password), String(password)])
          return verify(username)
        }
      })
      const url = yield* Effect.flatMap(app, (app) => serve(app)).pipe(Effect.provide(layer))
      const zoe = yield* request(`${url}/open`, { headers: basic("zoë", "s3:cr:et") })
      assert.strictEqual(zoe.body, "hello, zoë")
      // the password is split at the first ':' and redacted where the app could log it by mistake
      assert.deepStrictEqual(seen.map(([name, password]) => [name, password]), [["zoë", "s3:cr:et"]])
      assert.notInclude(seen[0]![2], "s3:cr:et")
    }))

  it.effect("anonymous denial with a challenge is 401 + WWW-Authenticate; authenticated lacking a scope is 403", () =>
    withServer(BasicWithRealm, (url) =>
      Effect.gen(function*() {
        const anonymous = yield* request(`${url}/dashboard`)
        assert.deepStrictEqual([anonymous.status, anonymous.body], [401, "Unauthorized"])
        assert.strictEqual(anonymous.headers.get("www-authenticate"), `Basic realm="staff", charset="UTF-8"`)
        const bob = yield* request(`${url}/dashboard`, { headers: basic("bob", "x") })
        assert.strictEqual(bob.status, 403)
        assert.isNull(bob.headers.get("www-authenticate"))
        // an explicit status always wins
        assert.strictEqual((yield* request(`${url}/hidden`)).status, 404)
        // a redirect too
        assert.strictEqual((yield* request(`${url}/login-first`)).status, 303)
      })))

  it.effect("websocket: a denied handshake is rejected with the status, or accepted and closed with 1008", () =>
    withServer(BasicLive, (url) =>
      Effect.gen(function*() {
        assert.deepStrictEqual(yield* connect(`${url}/ws`, basic("bob", "x")), { _tag: "Rejected", status: 403 })
        assert.deepStrictEqual(yield* connect(`${url}/ws/close`, basic("bob", "x")), {
          _tag: "Closed",
          code: 1008,
          reason: "Forbidden",
          messages: []
        })
        const alice = yield* connect(`${url}/ws/close`, basic("alice", "x"))
        assert.deepStrictEqual(alice, { _tag: "Closed", code: 1000, reason: "done", messages: ["hello, alice"] })
      })))
})

describe("errors", () => {
  it.effect("a backend defect is a 500 with a generic body: no stack, no secret", () =>
    Effect.gen(function*() {
      const Broken = AuthenticationBackend.layer(Effect.die(new Error("db password is hunter2")))
      const url = yield* Effect.flatMap(app, (app) => serve(app)).pipe(Effect.provide(Broken))
      const reply = yield* request(`${url}/open`)
      assert.deepStrictEqual([reply.status, reply.body], [500, "Internal Server Error"])
      assert.notInclude(reply.body, "hunter2")
      assert.notInclude(reply.body, "at ")
    }))

  it.effect("without onError the AuthenticationError stays typed: catchTag handles it", () =>
    Effect.gen(function*() {
      const handled = Effect.map(HttpRouter.toHttpEffect(Routes), (router) =>
        AuthenticationMiddleware(router).pipe(
          Effect.catchTag(
            "AuthenticationError",
            (error) => Effect.succeed(HttpServerResponse.jsonUnsafe({ error: error.message }, { status: 401 }))
          )
        ))
      const url = yield* Effect.flatMap(handled, (app) => serve(app)).pipe(Effect.provide(BasicLive))
      const reply = yield* request(`${url}/open`, { headers: { authorization: "Basic !!!" } })
      assert.deepStrictEqual([reply.status, reply.body], [401, `{"error":"Invalid basic auth credentials"}`])
    }))

  it.effect("a PermissionDenied can be caught and re-rendered; it names the failing clause for logs only", () =>
    Effect.gen(function*() {
      const clauses: Array<string> = []
      const guarded = hello.pipe(
        requires(Policy.all(Policy.authenticated, Policy.scope("admin"))),
        Effect.catchTag("PermissionDenied", (denied) => {
          clauses.push(denied.clause)
          return Effect.succeed(HttpServerResponse.text("no", { status: denied.status }))
        })
      )
      const guardedApp = Effect.map(
        HttpRouter.toHttpEffect(HttpRouter.add("GET", "/", guarded)),
        AuthenticationMiddleware
      )
      const url = yield* Effect.flatMap(guardedApp, (app) => serve(app)).pipe(Effect.provide(BasicLive))
      assert.strictEqual((yield* request(`${url}/`)).body, "no")
      assert.strictEqual((yield* request(`${url}/`, { headers: basic("bob", "x") })).body, "no")
      assert.deepStrictEqual(clauses, ["authenticated", `"admin"`])
    }))

  it.effect("RejectedCredentials' status and challenge render", () =>
    Effect.gen(function*() {
      const Rejecting = AuthenticationBackend.layer(
        Effect.fail(new RejectedCredentials({ message: "Invalid token", challenge: `Bearer error="invalid_token"` }))
      )
      const url = yield* Effect.flatMap(app, (app) => serve(app)).pipe(Effect.provide(Rejecting))
      const reply = yield* request(`${url}/open`)
      assert.deepStrictEqual([reply.status, reply.body], [401, "Invalid token"])
      assert.strictEqual(reply.headers.get("www-authenticate"), `Bearer error="invalid_token"`)
    }))
})

describe("requires without a server", () => {
  const alice = new Authentication(new SimpleUser("alice"), new AuthCredentials(["authenticated"]), undefined)
  const anonymous = new Authentication(new UnauthenticatedUser(), new AuthCredentials(), "Bearer")
  const as =
    (authentication: Authentication) => <A, E>(self: Effect.Effect<A, E, typeof CurrentAuthentication.Identifier>) =>
      Effect.provideService(self, CurrentAuthentication, authentication)
  const at = (url: string) =>
    Effect.provideService(HttpServerRequest.HttpServerRequest, HttpServerRequest.fromWeb(new Request(url)))

  it.effect("needs no request: the denial is a class of its own, with its status", () =>
    Effect.gen(function*() {
      const handler = Effect.succeed("ok")
      assert.strictEqual(yield* handler.pipe(requires("authenticated"), as(alice)), "ok")

      const forbidden = yield* Effect.flip(handler.pipe(requires("admin"), as(alice)))
      assert.isTrue(isForbidden(forbidden) && isPermissionDenied(forbidden))
      assert.deepStrictEqual([forbidden._tag, forbidden.status, forbidden.clause], ["PermissionDenied", 403, `"admin"`])
      assert.deepStrictEqual(forbidden.scopes, ["admin"])

      // anonymous, and the backend has a challenge: 401 with it
      const unauthorized = yield* Effect.flip(handler.pipe(requires(["authenticated", "admin"]), as(anonymous)))
      assert.isTrue(isUnauthorized(unauthorized))
      if (isUnauthorized(unauthorized)) {
        assert.strictEqual(unauthorized.status, 401)
        assert.strictEqual(unauthorized.challenge, "Bearer")
        assert.strictEqual(unauthorized.clause, `"authenticated"`)
        assert.deepStrictEqual(unauthorized.scopes, ["authenticated", "admin"])
      }

      const hidden = yield* Effect.flip(handler.pipe(requires("admin", { status: 404 }), as(anonymous)))
      // without a request there is no router to look like: the denial is NotFound itself
      assert.isTrue(isNotFound(hidden) && hidden.status === 404)
      const forced = yield* Effect.flip(handler.pipe(requires("admin", { status: 403 }), as(anonymous)))
      assert.isTrue(isForbidden(forced))

      // a redirect needs the request's path for `next`: without a request, the denial is the status one
      const redirect = yield* Effect.flip(handler.pipe(requires("admin", { redirect: "/login" }), as(anonymous)))
      assert.isFalse(isLoginRedirect(redirect))
      assert.isTrue(isUnauthorized(redirect))
      const withRequest = yield* Effect.flip(handler.pipe(
        requires("admin", { redirect: "/login" }),
        as(anonymous),
        at("http://localhost/a?b=1")
      ))
      assert.isTrue(isLoginRedirect(withRequest))
      if (isLoginRedirect(withRequest)) {
        assert.strictEqual(withRequest.status, 303)
        assert.strictEqual(withRequest.location, `/login?next=${encodeURIComponent("/a?b=1")}`)
      }
    }))

  it.effect("with a request, status: 404 fails with the router's own failure, caused by the denial", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.void.pipe(
        requires("admin", { status: 404 }),
        as(alice),
        at("http://localhost/admin")
      ))
      // in Effect 4 a missing route is an HttpServerError whose reason is a RouteNotFound
      assert.strictEqual(error._tag, "HttpServerError")
      if (error._tag === "HttpServerError") {
        assert.strictEqual(error.reason._tag, "RouteNotFound")
        assert.isTrue(isHidden(error))
        assert.isTrue(isNotFound(error.cause))
      }
    }))

  it.effect("a policy with an effectful check: the failing clause is named", () =>
    Effect.gen(function*() {
      const no = Policy.check("never", Effect.succeed(false))
      const denied = yield* Effect.flip(Effect.void.pipe(requires(Policy.all(Policy.authenticated, no)), as(alice)))
      assert.strictEqual(denied.clause, `check("never")`)
      assert.strictEqual(denied.message, `Denied by check("never")`)
    }))

  it("status accepts only 403 and 404", () => {
    // @ts-expect-error: a 401 is decided by the backend's challenge, not asked for
    void requires("admin", { status: 401 })
    // @ts-expect-error: nor any other status
    void requires("admin", { status: 500 })
    void requires("admin", { status: 403 })
    void requires("admin", { status: 404 })
  })
})
