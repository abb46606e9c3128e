/**
 * Cross-site websocket hijacking: a page of another site opens a websocket, and the browser sends the session
 * cookie along. Backends with ambient credentials (sessions) refuse foreign `Origin`s by default; others can opt in.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { AuthCredentials, AuthenticationBackend, AuthenticationMiddleware, CurrentUser, SimpleUser } from "effect-auth"
import * as ProxyHeaders from "effect-auth/ProxyHeaders"
import * as Session from "effect-auth/Session"
import { SessionStore } from "effect-auth/SessionStore"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Socket from "effect/socket/Socket"
import WebSocket from "ws"
import type { SocketOutcome } from "../utils/server.js"
import { connect, request, serve } from "../utils/server.js"

// a websocket that greets the user and closes (the socket opens when its reader is acquired: reader first)
const greet = Effect.gen(function*() {
  const user = yield* CurrentUser
  const request = yield* HttpServerRequest.HttpServerRequest
  const socket = yield* request.upgrade
  yield* socket.reader
  const writer = yield* socket.writer
  yield* writer.write(`hello, ${user.displayName || "you"}`)
  yield* writer.write(new Socket.CloseEvent(1000))
  return HttpServerResponse.empty()
}).pipe(Effect.scoped, Effect.orDie)

const Sockets = HttpRouter.add("GET", "/ws", greet)

const Routes = Layer.mergeAll(
  Sockets,
  HttpRouter.add(
    "POST",
    "/login",
    HttpServerResponse.empty().pipe(Session.login(new SimpleUser("alice"), ["authenticated"]))
  ),
  HttpRouter.add("GET", "/", Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName)))
)

// the function form: the router as an effect, authenticated before routing
const app = Effect.map(HttpRouter.toHttpEffect(Routes), AuthenticationMiddleware)
const sockets = Effect.map(HttpRouter.toHttpEffect(Sockets), AuthenticationMiddleware)

const SessionLive = Session.layer({ secret: Redacted.make("a session secret of 32 bytes or more") }).pipe(
  Layer.provideMerge(SessionStore.layerMemory())
)

const hostOf = (url: string) => new URL(url).host

// a handshake from a chosen local address (a peer trusted or not), answered with its status or its first message
const connectFrom = (url: string, localAddress: string, headers: Record<string, string>) =>
  Effect.callback<SocketOutcome>((resume) => {
    const socket = new WebSocket(url.replace(/^http/, "ws"), { headers, localAddress })
    socket.on("unexpected-response", (_request, response) => {
      resume(Effect.succeed({ _tag: "Rejected", status: response.statusCode ?? 0 }))
      socket.terminate()
    })
    socket.on("message", (data) => {
      resume(Effect.succeed({ _tag: "Closed", code: 1000, reason: "", messages: [String(data)] }))
      socket.terminate()
    })
    socket.on("error", () => {})
    return Effect.sync(() => socket.terminate())
  })

const opened: SocketOutcome = { _tag: "Closed", code: 1000, reason: "", messages: ["hello, alice"] }
const refused: SocketOutcome = { _tag: "Rejected", status: 403 }

const loggedIn = (url: string) =>
  Effect.map(request(`${url}/login`, { method: "POST" }), (login) => login.headers.get("set-cookie")!.split(";")[0]!)

describe("websocket Origin checks", () => {
  it.effect("sessions: same-origin and origin-less handshakes open; another site's is refused with 403", () =>
    Effect.gen(function*() {
      const url = yield* Effect.flatMap(app, (app) => serve(app)).pipe(Effect.provide(SessionLive))
      const cookie = yield* loggedIn(url)
      const same = yield* connect(`${url}/ws`, { cookie, origin: `http://${hostOf(url)}` })
      assert.deepStrictEqual(same, opened)
      const none = yield* connect(`${url}/ws`, { cookie })
      assert.deepStrictEqual(none._tag === "Closed" && none.messages, ["hello, alice"])
      assert.deepStrictEqual(yield* connect(`${url}/ws`, { cookie, origin: "https://evil.example" }), refused)
      // the same origin with another port is another origin
      assert.deepStrictEqual(yield* connect(`${url}/ws`, { cookie, origin: "http://127.0.0.1:1" }), refused)
      // plain requests are not websockets: no Origin check
      const page = yield* request(`${url}/`, { headers: { cookie, origin: "https://evil.example" } })
      assert.strictEqual(page.body, "alice")
    }))

  it.effect("an allow-list on any backend; firstOf keeps every restriction", () =>
    Effect.gen(function*() {
      const header = AuthenticationBackend.make(
        Effect.succeedSome([new AuthCredentials(["authenticated"]), new SimpleUser("bob")] as const)
      )
      const listed = AuthenticationBackend.withWebSocketOrigins(header, ["https://app.example"])
      const url = yield* Effect.flatMap(sockets, (app) => serve(app)).pipe(
        Effect.provide(AuthenticationBackend.layer(AuthenticationBackend.firstOf(listed)))
      )
      const allowed = yield* connect(`${url}/ws`, { origin: "https://APP.example" })
      assert.deepStrictEqual(allowed._tag === "Closed" && allowed.messages, ["hello, bob"])
      assert.deepStrictEqual(yield* connect(`${url}/ws`, { origin: `http://${hostOf(url)}` }), refused)
      // without a restriction, any origin opens
      const open = yield* Effect.flatMap(sockets, (app) => serve(app)).pipe(
        Effect.provide(AuthenticationBackend.layer(header))
      )
      const anywhere = yield* connect(`${open}/ws`, { origin: "https://evil.example" })
      assert.deepStrictEqual(anywhere._tag === "Closed" && anywhere.messages, ["hello, bob"])
    }))

  it.effect("the router layer form checks the Origin too, before routing", () =>
    Effect.gen(function*() {
      const url = yield* serve(Routes.pipe(Layer.provide(AuthenticationMiddleware.layer))).pipe(
        Effect.provide(SessionLive)
      )
      const cookie = yield* loggedIn(url)
      assert.deepStrictEqual(yield* connect(`${url}/ws`, { cookie, origin: `http://${hostOf(url)}` }), opened)
      assert.deepStrictEqual(yield* connect(`${url}/ws`, { cookie, origin: "https://evil.example" }), refused)
      assert.deepStrictEqual(
        yield* connect(`${url}/no-such-socket`, { cookie, origin: "https://evil.example" }),
        refused
      )
    }))

  it.effect("same origin is scheme, host and port: https://host is not the plain-HTTP site", () =>
    Effect.gen(function*() {
      const url = yield* Effect.flatMap(app, (app) => serve(app)).pipe(Effect.provide(SessionLive))
      const cookie = yield* loggedIn(url)
      const host = hostOf(url)
      const port = Number(new URL(url).port)
      assert.deepStrictEqual(yield* connect(`${url}/ws`, { cookie, origin: `http://${host}` }), opened)
      assert.deepStrictEqual(yield* connect(`${url}/ws`, { cookie, origin: `https://${host}` }), refused)
      assert.deepStrictEqual(yield* connect(`${url}/ws`, { cookie, origin: `http://127.0.0.1:${port + 1}` }), refused)
      assert.deepStrictEqual(yield* connect(`${url}/ws`, { cookie, origin: "null" }), refused)
      // a forwarded scheme from a peer that is not trusted (no ProxyHeaders here) counts for nothing
      assert.deepStrictEqual(
        yield* connect(`${url}/ws`, { cookie, origin: `https://${host}`, "x-forwarded-proto": "https" }),
        refused
      )
    }))

  it.effect("behind a trusted proxy, its X-Forwarded-Proto is the site's scheme; a stranger's is ignored", () =>
    Effect.gen(function*() {
      const proxied = Effect.map(app, ProxyHeaders.middleware({ trustedHosts: ["127.0.0.1"] }))
      const url = yield* Effect.flatMap(proxied, (app) => serve(app)).pipe(Effect.provide(SessionLive))
      const cookie = yield* loggedIn(url)
      const host = hostOf(url)
      const https = { cookie, "x-forwarded-proto": "https" }
      assert.deepStrictEqual(
        yield* connectFrom(`${url}/ws`, "127.0.0.1", { ...https, origin: `https://${host}` }),
        opened
      )
      assert.deepStrictEqual(
        yield* connectFrom(`${url}/ws`, "127.0.0.1", { ...https, origin: `http://${host}` }),
        refused
      )
      // the default port of the scheme is the port written nowhere
      assert.deepStrictEqual(
        yield* connectFrom(`${url}/ws`, "127.0.0.1", {
          ...https,
          host: "app.example:443",
          origin: "https://app.example"
        }),
        opened
      )
      assert.deepStrictEqual(
        yield* connectFrom(`${url}/ws`, "127.0.0.2", { ...https, origin: `https://${host}` }),
        refused
      )
      assert.deepStrictEqual(
        yield* connectFrom(`${url}/ws`, "127.0.0.2", { ...https, origin: `http://${host}` }),
        opened
      )
    }))
})
