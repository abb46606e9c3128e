/**
 * Runs the HttpLayerRouter example on 127.0.0.1:3000 (PORT overrides).
 */
import { HttpLayerRouter } from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Layer } from "effect"
import { createServer } from "node:http"
import { AppLive, BackendLive } from "./App.js"

const port = Number(process.env["PORT"] ?? 3000)

// the backend is provided to the server: the middleware reads it (and its challenge) on every request
const ServerLive = HttpLayerRouter.serve(AppLive).pipe(
  Layer.provide(BackendLive),
  Layer.provide(NodeHttpServer.layer(() => createServer(), { host: "127.0.0.1", port }))
)

NodeRuntime.runMain(Layer.launch(ServerLive))
