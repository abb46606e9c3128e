/**
 * One bench server: `tsx src/server.ts <variant>` serves a one-route app on 127.0.0.1 on a free port and prints
 * the port. Variants:
 * - plain: the route, no authentication
 * - auth: AuthenticationMiddleware + Basic backend + requires("authenticated") on the route
 * - middleware-only: AuthenticationMiddleware + Basic backend, no requires
 * - anonymous: AuthenticationMiddleware + a Bearer backend that finds another scheme (anonymous), a handler reading
 *   the user
 * - plain2: plain under another name (an A/A control of the bench itself)
 * `server.ts a b` serves both from one process, on two ports (printed on one line)
 */
import type { HttpApp } from "@effect/platform"
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer, Logger, LogLevel } from "effect"
import {
  AuthCredentials,
  AuthenticationMiddleware,
  Basic,
  Bearer,
  CurrentUser,
  requires,
  SimpleUser
} from "effect-auth"
import { createServer } from "node:http"

const hello = HttpServerResponse.text("hello")

const credentials = new AuthCredentials(["authenticated"])
// a Layer per server: one Layer value shared by the two servers of one process would be built once, with the first
// server's services
const BackendLive = () =>
  Basic.layer({
    verify: (username) => Effect.succeedSome([credentials, new SimpleUser(username)] as const)
  })

const variants: Record<string, HttpApp.Default<any, any>> = {
  plain: HttpRouter.empty.pipe(HttpRouter.get("/", hello)),
  // the same app under another name: an A/A control for the bench itself
  plain2: HttpRouter.empty.pipe(HttpRouter.get("/", hello)),
  auth: AuthenticationMiddleware(HttpRouter.empty.pipe(HttpRouter.get("/", hello.pipe(requires("authenticated"))))),
  // the middleware and the backend without requires, for finding where the cost is
  "middleware-only": AuthenticationMiddleware(HttpRouter.empty.pipe(HttpRouter.get("/", hello))),
  // the anonymous path: a backend that reads the Authorization header and finds another scheme (so None), and a
  // handler that reads the user
  anonymous: AuthenticationMiddleware(
    HttpRouter.empty.pipe(
      HttpRouter.get(
        "/",
        Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.isAuthenticated ? "?" : "hello"))
      )
    )
  )
}

// per variant, when it is not the Basic one
const backends: Record<string, () => Layer.Layer<any>> = {
  anonymous: () => Bearer.layer({ verify: () => Effect.succeedNone })
}
const resolve = (name: string) => {
  if (variants[name] === undefined) throw new Error(`unknown variant ${name}`)
  return { app: variants[name]!, backend: (backends[name] ?? BackendLive)() }
}

// the bench asks for this process's CPU time over IPC: CPU per request is steadier than requests per second on a
// shared machine
process.on("message", () => process.send?.(process.cpuUsage()))

// `server.ts a b` serves a and b from ONE process on two ports ("dual" mode: the bench then compares them with no
// process-to-process difference); the ports are printed on one line once all are listening
const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["plain"]
const ports: Array<number> = []
const Ready = (index: number) =>
  Layer.effectDiscard(Effect.flatMap(HttpServer.HttpServer, (server) =>
    Effect.sync(() => {
      if (server.address._tag === "TcpAddress") ports[index] = server.address.port
      if (ports.filter((port) => port !== undefined).length === names.length) {
        process.stdout.write(`${ports.join(" ")}\n`)
      }
    })))

Layer.mergeAll(...names.map((name, index) => {
  const { app, backend } = resolve(name)
  return HttpServer.serve(app as HttpRouter.HttpRouter).pipe(
    Layer.provide(backend),
    Layer.provide(Ready(index)),
    Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { host: "127.0.0.1", port: 0 }))
  )
}) as unknown as [Layer.Layer<never>]).pipe(
  Layer.provide(Logger.minimumLogLevel(LogLevel.None)),
  Layer.launch,
  NodeRuntime.runMain
)
