/**
 * Runs the HttpApi example on 127.0.0.1:3001 (PORT overrides) and prints curl lines to try it.
 */
import { HttpServer } from "@effect/platform"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Layer } from "effect"
import { ServerLive } from "./App.js"

const port = Number(process.env["PORT"] ?? 3001)

const Banner = Layer.effectDiscard(Effect.gen(function*() {
  const server = yield* HttpServer.HttpServer
  const url = server.address._tag === "TcpAddress" ? `http://127.0.0.1:${server.address.port}` : "http://127.0.0.1"
  yield* Console.log([
    `effect-auth HttpApi example listening on ${url}  (OpenAPI: ${url}/openapi.json, Swagger UI: ${url}/docs)`,
    ``,
    `curl -i ${url}/                                   # hello, you`,
    `curl -i -u bob:builder ${url}/                    # hello, bob`,
    `curl -i ${url}/me                                 # 401 + WWW-Authenticate: Basic realm=...`,
    `curl -i -u bob:builder ${url}/me                  # {"username":"bob","scopes":["authenticated"]}`,
    `curl -i -u bob:builder ${url}/admin               # 403 Forbidden: bob is not an admin`,
    `curl -i -u alice:wonderland ${url}/admin          # 200 admin area, welcome alice`,
    `curl -i -u alice:wrong ${url}/me                  # 401: a wrong password is anonymous`,
    `curl -i -H 'Authorization: Basic foobar' ${url}/me  # 400 Invalid basic auth credentials`,
    `curl -i -H 'Authorization: Basic foobar' ${url}/  # 200 hello, you: the home page takes the user optionally`,
    `curl -i ${url}/board                              # 200: anyone who is not banned, anonymous included`,
    `curl -i -u alice:wonderland ${url}/mailbox/bob    # 200: bob lets alice read his mailbox (a Policy.check)`,
    `curl -i -u bob:builder ${url}/mailbox/alice       # 403`,
    `curl -s ${url}/openapi.json                       # security schemes and each operation's scopes`
  ].join("\n"))
}))

NodeRuntime.runMain(Layer.launch(Banner.pipe(Layer.provideMerge(ServerLive(port)))))
