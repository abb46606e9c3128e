/**
 * Cross-site websocket hijacking: a page of another site opens a websocket, and the browser sends the session
 * cookie along. Backends with ambient credentials (sessions) refuse foreign `Origin`s by default; others can opt in.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse, Socket } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { AuthCredentials, AuthenticationBackend, AuthenticationMiddleware, CurrentUser, SimpleUser } from "effect-auth"
import * as Session from "effect-auth/Session"
import { SessionStore } from "effect-auth/SessionStore"
import { connect, request, serve } from "./utils/server.js"

// a websocket that greets the user and closes
const greet = Effect.gen(function*() {
  const user = yield* CurrentUser
  const socket = yield* HttpServerRequest.upgrade
  const write = yield* socket.writer
  yield* socket.runRaw(() => {}, {
    onOpen: Effect.ignore(
      Effect.zipRight(write(`hello, ${user.displayName || "you"}`), write(new Socket.CloseEvent(1000)))
    )
  }).pipe(Effect.ignore)
  return HttpServerResponse.empty()
}).pipe(Effect.scoped)

const sockets = HttpRouter.empty.pipe(HttpRouter.get("/ws", greet))

const router = sockets.pipe(
  HttpRouter.post("/login", HttpServerResponse.empty().pipe(Session.login(new SimpleUser("alice"), ["authenticated"]))),
  HttpRouter.get("/", Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName)))
)

const SessionLive = Session.layer({ secret: Redacted.make("a session secret of 32 bytes or more") }).pipe(
  Layer.provide(SessionStore.layerMemory)
)

const hostOf = (url: string) => new URL(url).host

describe("websocket Origin checks", () => {
  it.scoped("sessions: same-origin and origin-less handshakes open; another site's is refused with 403", () =>
    Effect.gen(function*() {
      const url = yield* serve(AuthenticationMiddleware(router)).pipe(Effect.provide(SessionLive))
      const login = yield* request(`${url}/login`, { method: "POST" })
      const cookie = login.headers.get("set-cookie")!.split(";")[0]!
      const same = yield* connect(`${url}/ws`, { cookie, origin: `http://${hostOf(url)}` })
      assert.deepStrictEqual(same, { _tag: "Closed", code: 1000, reason: "", messages: ["hello, alice"] })
      const none = yield* connect(`${url}/ws`, { cookie })
      assert.deepStrictEqual(none._tag === "Closed" && none.messages, ["hello, alice"])
      assert.deepStrictEqual(yield* connect(`${url}/ws`, { cookie, origin: "https://evil.example" }), {
        _tag: "Rejected",
        status: 403
      })
      // the same origin with another port is another origin
      assert.deepStrictEqual(yield* connect(`${url}/ws`, { cookie, origin: "http://127.0.0.1:1" }), {
        _tag: "Rejected",
        status: 403
      })
      // plain requests are not websockets: no Origin check
      const page = yield* request(`${url}/`, { headers: { cookie, origin: "https://evil.example" } })
      assert.strictEqual(page.body, "alice")
    }))

  it.scoped("an allow-list on any backend; firstOf keeps every restriction", () =>
    Effect.gen(function*() {
      const header = AuthenticationBackend.make(
        Effect.succeedSome([new AuthCredentials(["authenticated"]), new SimpleUser("bob")] as const)
      )
      const listed = AuthenticationBackend.withWebSocketOrigins(header, ["https://app.example"])
      const url = yield* serve(AuthenticationMiddleware(sockets)).pipe(
        Effect.provide(AuthenticationBackend.layer(AuthenticationBackend.firstOf(listed)))
      )
      const allowed = yield* connect(`${url}/ws`, { origin: "https://APP.example" })
      assert.deepStrictEqual(allowed._tag === "Closed" && allowed.messages, ["hello, bob"])
      assert.deepStrictEqual(yield* connect(`${url}/ws`, { origin: `http://${hostOf(url)}` }), {
        _tag: "Rejected",
        status: 403
      })
      // without a restriction, any origin opens
      const open = yield* serve(AuthenticationMiddleware(sockets)).pipe(
        Effect.provide(AuthenticationBackend.layer(header))
      )
      const anywhere = yield* connect(`${open}/ws`, { origin: "https://evil.example" })
      assert.deepStrictEqual(anywhere._tag === "Closed" && anywhere.messages, ["hello, bob"])
    }))
})
