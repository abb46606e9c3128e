/**
 * One bench server: `tsx src/server.ts <variant>` serves a one-route app on 127.0.0.1 on a free port and prints
 * the port. Variants:
 * - plain: the route, no authentication
 * - auth: AuthenticationMiddleware + Basic backend + requires("authenticated") on the route
 * - middleware-only: AuthenticationMiddleware + Basic backend, no requires
 */
import type { HttpApp } from "@effect/platform"
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer, Logger, LogLevel } from "effect"
import { AuthCredentials, AuthenticationMiddleware, Basic, requires, SimpleUser } from "effect-auth"
import { createServer } from "node:http"

const variant = process.argv[2] ?? "plain"
const hello = HttpServerResponse.text("hello")

const credentials = new AuthCredentials(["authenticated"])
const BackendLive = Basic.layer({
  verify: (username) => Effect.succeedSome([credentials, new SimpleUser(username)] as const)
})

const variants: Record<string, HttpApp.Default<any, any>> = {
  plain: HttpRouter.empty.pipe(HttpRouter.get("/", hello)),
  auth: AuthenticationMiddleware(HttpRouter.empty.pipe(HttpRouter.get("/", hello.pipe(requires("authenticated"))))),
  // the middleware and the backend without requires, for finding where the cost is
  "middleware-only": AuthenticationMiddleware(HttpRouter.empty.pipe(HttpRouter.get("/", hello)))
}
const app = variants[variant]!

// the bench asks for this process's CPU time over IPC: CPU per request is steadier than requests per second on a
// shared machine
process.on("message", () => process.send?.(process.cpuUsage()))

const Ready = Layer.effectDiscard(Effect.flatMap(HttpServer.HttpServer, (server) =>
  Effect.sync(() => {
    if (server.address._tag === "TcpAddress") process.stdout.write(`${server.address.port}\n`)
  })))

HttpServer.serve(app as HttpRouter.HttpRouter).pipe(
  Layer.provide(BackendLive),
  Layer.provide(Ready),
  Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { host: "127.0.0.1", port: 0 })),
  Layer.provide(Logger.minimumLogLevel(LogLevel.None)),
  Layer.launch,
  NodeRuntime.runMain
)
