/**
 * Runs the example on 127.0.0.1:3000 (PORT overrides; PORT=0 picks a free port, printed on the first line), prints a
 * demo login and curl lines to try it. Users and sessions live in an SQLite file in `examples/basic/.data/`, made on
 * first start with the demo users, or in PostgreSQL when DATABASE_URL is set (see `Stores.ts`). Behind a
 * TLS-terminating proxy, set HTTPS=true: the cookies become `Secure` and take the `__Host-` prefix; and set
 * TRUSTED_PROXIES to its addresses or CIDR blocks (comma-separated, e.g. `127.0.0.1,10.0.0.0/8`), so that each client
 * is known by its own address (from the proxy's `X-Forwarded-For`), not the proxy's. Several instances behind one site
 * share CSRF_SECRET (32 bytes or more).
 */
import { HttpServer } from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Console, Effect, Layer, Redacted } from "effect"
import * as ProxyHeaders from "effect-auth/ProxyHeaders"
import { createServer } from "node:http"
import { app, layer, Users } from "./App.js"
import * as Stores from "./Stores.js"

const port = Number(process.env["PORT"] ?? 3000)
const https = process.env["HTTPS"] === "true"
// several instances behind one site share the key of the CSRF tokens (a form from one is posted to another)
const csrf = process.env["CSRF_SECRET"]
const csrfSecret = csrf === undefined ? undefined : Redacted.make(csrf)
// the proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (from anyone else, they are ignored): the
// login throttles count each client by its own address, and logs show it
const trustedHosts = (process.env["TRUSTED_PROXIES"] ?? "").split(",").map((host) => host.trim()).filter(Boolean)
const served = trustedHosts.length === 0 ? app : app.pipe(ProxyHeaders.middleware({ trustedHosts }))

const Banner = Layer.effectDiscard(Effect.gen(function*() {
  const server = yield* HttpServer.HttpServer
  const users = yield* Users
  const url = server.address._tag === "TcpAddress" ? `http://127.0.0.1:${server.address.port}` : "http://127.0.0.1"
  yield* Console.log([
    `effect-auth example listening on ${url}`,
    `Users and sessions: ${yield* Stores.describe}`,
    ...(users.seeded ? [`First start: added the demo users alice (admin) and bob`] : []),
    ``,
    `In a browser: open ${url}/dashboard and log in as alice / wonderland (bob / builder is no admin)`,
    `Manage users and sessions: pnpm cli users list, pnpm cli users add <name> --scope authenticated, pnpm cli --help`,
    ``,
    `curl -i ${url}/                                   # hello, you`,
    `curl -i -u bob:builder ${url}/                    # hello, bob`,
    `curl -i ${url}/dashboard                          # 401 + WWW-Authenticate: anonymous, log in`,
    `curl -i -u bob:builder ${url}/dashboard           # 403: bob is not an admin`,
    `curl -i -u alice:wonderland ${url}/dashboard      # 200`,
    `curl -i -u alice:wrong ${url}/dashboard           # 401: a wrong password is anonymous`,
    `curl -i -u bob:builder ${url}/admin               # 404: hidden from non-admins`,
    `curl -i -u alice:wonderland ${url}/admin          # 200`,
    `curl -i ${url}/account                            # 303 to /login?next=%2Faccount`,
    `curl -i -H 'Authorization: Basic foobar' ${url}/  # 400 Invalid basic auth credentials`,
    `curl -i -H 'Accept: text/html' ${url}/dashboard   # 303 to /login?next=%2Fdashboard: browsers get the form`,
    `curl -i -X POST -H 'Origin: https://evil.example' ${url}/logout   # 403: a cross-site request`,
    `curl -i -X POST -d 'username=alice&password=wonderland' ${url}/login   # 403: no CSRF cookie and token`,
    `TOKEN=$(curl -s -X POST -u alice:wonderland ${url}/token)   # a JWT for API clients`,
    `curl -i -H "Authorization: Bearer $TOKEN" ${url}/api/me     # {"user":"alice","scopes":[...]}`,
    `curl -i -H 'Authorization: Bearer a.b.c' ${url}/api/me      # 401 invalid_token`,
    `curl -i -u bob:builder -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \\`,
    `     -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' --max-time 2 ${url}/ws   # 101, then "hello, bob"`
  ].join("\n"))
}))

const ServerLive = HttpServer.serve(served).pipe(
  Layer.merge(Banner),
  Layer.provide(layer({ https, stores: Stores.layer, csrfSecret })),
  Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { host: "127.0.0.1", port }))
)

NodeRuntime.runMain(Layer.launch(ServerLive))
