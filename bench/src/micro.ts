/**
 * The pieces of the per-request path, in-process, with tinybench: the header parser, the scope check, a policy
 * decision, and the whole app effect on a prebuilt request (no HTTP). For the end-to-end ratio, see http.ts.
 *
 * Run: pnpm bench:micro
 *
 * Last results (2026-11-29, median latency): Basic.parse 1192 ns; hasRequiredScope 80 ns; Policy.decide 130 ns;
 * app effect plain 9659 ns, with middleware + Basic + requires 11772 ns (+2.1 µs per request).
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Context, Effect, Layer, Runtime } from "effect"
import {
  AuthCredentials,
  AuthenticationMiddleware,
  Basic,
  hasRequiredScope,
  Policy,
  requires,
  SimpleUser
} from "effect-auth"
import { Bench } from "tinybench"

const hello = HttpServerResponse.text("hello")
const credentials = new AuthCredentials(["authenticated", "read", "write"])
const user = new SimpleUser("alice")
const BackendLive = Basic.layer({
  verify: (username) => Effect.succeedSome([credentials, new SimpleUser(username)] as const)
})

const plain = HttpRouter.empty.pipe(HttpRouter.get("/", hello))
const auth = AuthenticationMiddleware(HttpRouter.empty.pipe(HttpRouter.get("/", hello.pipe(requires("authenticated")))))

const authorization = `Basic ${Buffer.from("alice:wonderland").toString("base64")}`
const request = HttpServerRequest.fromWeb(new Request("http://127.0.0.1/", { headers: { authorization } }))
const withRequest = <E, R>(app: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>) =>
  Effect.provide(app, Context.make(HttpServerRequest.HttpServerRequest, request)) as Effect.Effect<
    unknown,
    unknown,
    never
  >

const runtime = await Effect.runPromise(Effect.scoped(Layer.toRuntime(BackendLive)))
const run = Runtime.runPromise(runtime)
const plainApp = withRequest(plain)
const authApp = withRequest(auth)
const policy = Policy.all(Policy.authenticated, Policy.any(Policy.scope("admin"), Policy.scope("write")))

const bench = new Bench({ time: 1500 })
bench
  .add("Basic.parse", () => Basic.parse(authorization))
  .add("hasRequiredScope (2 of 3)", () => hasRequiredScope(credentials, ["authenticated", "write"]))
  .add("Policy.decide (all/any)", () => Policy.decide(policy, user, credentials))
  .add("app effect: plain", () => run(plainApp))
  .add("app effect: middleware + Basic + requires", () => run(authApp))
await bench.run()
console.table(bench.table())
