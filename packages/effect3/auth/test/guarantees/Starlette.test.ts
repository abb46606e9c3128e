/**
 * Starlette's tests/test_authentication.py, case by case, through a real server and real clients.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect } from "effect"
import { AuthCredentials, AuthenticationMiddleware, Basic, CurrentUser, requires, SimpleUser } from "effect-auth"
import { whoami } from "../utils/fixtures.js"
import { basic, connect, request, serve } from "../utils/server.js"

// the test suite's BasicAuth backend: any Basic credentials are that user, with scope "authenticated"
const BasicAuth = Basic.layer({
  verify: (username) => Effect.succeedSome([new AuthCredentials(["authenticated"]), new SimpleUser(username)] as const)
})

// Starlette's decorator stacked under another one: here, a service provided around the guarded handler
class Additional extends Context.Tag("test/Additional")<Additional, string>() {}
const whoamiWithAdditional = Effect.gen(function*() {
  const user = yield* CurrentUser
  const additional = yield* Additional
  return HttpServerResponse.unsafeJson({ authenticated: user.isAuthenticated, user: user.displayName, additional })
})

const websocketEndpoint = (extra: Record<string, string>) =>
  Effect.gen(function*() {
    const user = yield* CurrentUser
    const socket = yield* HttpServerRequest.upgrade
    const write = yield* socket.writer
    yield* socket.runRaw(() => {}, {
      onOpen: Effect.orDie(
        write(JSON.stringify({ authenticated: user.isAuthenticated, user: user.displayName, ...extra }))
      )
    }).pipe(Effect.ignore)
    return HttpServerResponse.empty()
  }).pipe(Effect.scoped)

const router = HttpRouter.empty.pipe(
  HttpRouter.get("/", whoami),
  HttpRouter.get("/dashboard", whoami.pipe(requires("authenticated"))),
  HttpRouter.get("/admin", whoami.pipe(requires("authenticated", { redirect: "/" }))),
  // Starlette's HTTPEndpoint: one guard per method handler
  HttpRouter.get("/dashboard/class", whoami.pipe(requires("authenticated"))),
  HttpRouter.post("/dashboard/class", whoami.pipe(requires(["authenticated", "admin"]))),
  HttpRouter.get(
    "/dashboard/decorated",
    whoamiWithAdditional.pipe(requires("authenticated"), Effect.provideService(Additional, "payload"))
  ),
  HttpRouter.get("/ws", websocketEndpoint({}).pipe(requires("authenticated"))),
  HttpRouter.get(
    "/ws/decorated",
    websocketEndpoint({ additional: "payload" }).pipe(requires("authenticated"))
  )
)

const app = AuthenticationMiddleware(router)

const withApp = <A, E>(f: (url: string) => Effect.Effect<A, E>) =>
  Effect.flatMap(serve(app), f).pipe(Effect.provide(BasicAuth))

describe("Starlette's test_authentication, ported", () => {
  it.scoped("user interface", () =>
    withApp((url) =>
      Effect.gen(function*() {
        const anonymous = yield* request(`${url}/`)
        assert.strictEqual(anonymous.status, 200)
        assert.deepStrictEqual(JSON.parse(anonymous.body), { authenticated: false, user: "" })

        const tom = yield* request(`${url}/`, { headers: basic("tomchristie", "example") })
        assert.strictEqual(tom.status, 200)
        assert.deepStrictEqual(JSON.parse(tom.body), { authenticated: true, user: "tomchristie" })
      })
    ))

  it.scoped("authentication required", () =>
    withApp((url) =>
      Effect.gen(function*() {
        for (const path of ["/dashboard", "/dashboard/class"]) {
          assert.strictEqual((yield* request(`${url}${path}`)).status, 403, path)
          const tom = yield* request(`${url}${path}`, { headers: basic("tomchristie", "example") })
          assert.strictEqual(tom.status, 200, path)
          assert.deepStrictEqual(JSON.parse(tom.body), { authenticated: true, user: "tomchristie" })
        }

        const decorated = yield* request(`${url}/dashboard/decorated`, { headers: basic("tomchristie", "example") })
        assert.strictEqual(decorated.status, 200)
        assert.deepStrictEqual(JSON.parse(decorated.body), {
          authenticated: true,
          user: "tomchristie",
          additional: "payload"
        })
        assert.strictEqual((yield* request(`${url}/dashboard/decorated`)).status, 403)

        const bad = yield* request(`${url}/dashboard`, { headers: { authorization: "basic foobar" } })
        assert.strictEqual(bad.status, 400)
        assert.strictEqual(bad.body, "Invalid basic auth credentials")
        assert.match(bad.headers.get("content-type") ?? "", /^text\/plain/)
      })
    ))

  it.scoped("per-method guards are independent", () =>
    withApp((url) =>
      Effect.gen(function*() {
        const tom = basic("tomchristie", "example")
        assert.strictEqual((yield* request(`${url}/dashboard/class`, { headers: tom })).status, 200)
        assert.strictEqual((yield* request(`${url}/dashboard/class`, { method: "POST", headers: tom })).status, 403)
      })
    ))

  it.scoped("websocket authentication required", () =>
    withApp((url) =>
      Effect.gen(function*() {
        for (const path of ["/ws", "/ws/decorated"]) {
          assert.deepStrictEqual(yield* connect(`${url}${path}`), { _tag: "Rejected", status: 403 }, path)
          assert.deepStrictEqual(
            yield* connect(`${url}${path}`, { authorization: "basic foobar" }),
            { _tag: "Rejected", status: 400 },
            path
          )
        }
        const ws = yield* connect(`${url}/ws`, basic("tomchristie", "example"))
        assert.strictEqual(ws._tag, "Closed")
        if (ws._tag === "Closed") {
          assert.deepStrictEqual(ws.messages.map((m) => JSON.parse(m)), [{ authenticated: true, user: "tomchristie" }])
        }
        const decorated = yield* connect(`${url}/ws/decorated`, basic("tomchristie", "example"))
        assert.strictEqual(decorated._tag, "Closed")
        if (decorated._tag === "Closed") {
          assert.deepStrictEqual(decorated.messages.map((m) => JSON.parse(m)), [
            { authenticated: true, user: "tomchristie", additional: "payload" }
          ])
        }
      })
    ))

  it.scoped("authentication redirect", () =>
    withApp((url) =>
      Effect.gen(function*() {
        const anonymous = yield* request(`${url}/admin`)
        assert.strictEqual(anonymous.status, 303)
        assert.strictEqual(anonymous.headers.get("location"), `/?next=${encodeURIComponent("/admin")}`)
        const withQuery = yield* request(`${url}/admin?tab=users&x=1`)
        assert.strictEqual(withQuery.headers.get("location"), `/?next=${encodeURIComponent("/admin?tab=users&x=1")}`)

        const tom = yield* request(`${url}/admin`, { headers: basic("tomchristie", "example") })
        assert.strictEqual(tom.status, 200)
        assert.deepStrictEqual(JSON.parse(tom.body), { authenticated: true, user: "tomchristie" })
      })
    ))

  it.scoped("custom on_error", () =>
    Effect.gen(function*() {
      const controlPanel = HttpRouter.empty.pipe(
        HttpRouter.get("/control-panel", whoami.pipe(requires("authenticated")))
      )
      const url = yield* serve(
        AuthenticationMiddleware.make({
          onError: (error) => HttpServerResponse.json({ error: error.message }, { status: 401 })
        })(controlPanel)
      )
      const tom = yield* request(`${url}/control-panel`, { headers: basic("tomchristie", "example") })
      assert.strictEqual(tom.status, 200)
      assert.deepStrictEqual(JSON.parse(tom.body), { authenticated: true, user: "tomchristie" })

      const bad = yield* request(`${url}/control-panel`, { headers: { authorization: "basic foobar" } })
      assert.strictEqual(bad.status, 401)
      assert.strictEqual(bad.body, `{"error":"Invalid basic auth credentials"}`)
    }).pipe(Effect.provide(BasicAuth)))

  it.scoped("unknown paths still authenticate first: a bad header is 400, a good one 404", () =>
    withApp((url) =>
      Effect.gen(function*() {
        assert.strictEqual(
          (yield* request(`${url}/nowhere`, { headers: { authorization: "basic foobar" } })).status,
          400
        )
        assert.strictEqual((yield* request(`${url}/nowhere`, { headers: basic("tom", "x") })).status, 404)
      })
    ))
})
