/**
 * The pieces of the per-request path, in-process, with tinybench, each beside what it is held to: the Basic parser
 * (target under 1 µs), the all-of scope check against a hand-written loop (within 2×), a policy of 20 clauses, HS256
 * verification against raw `jose.jwtVerify` with the key imported once (within 1.3×), the session cookie check, and
 * the whole app effect on a prebuilt request (no HTTP), plain and with authentication. For ratios over HTTP, see
 * backends.ts.
 *
 * Run: pnpm bench:micro  (TIME=milliseconds per task, 1000 unless given)
 */
import { Jwt } from "@effect-auth/jwt"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Context, Effect, Layer, Redacted, Runtime } from "effect"
import {
  AuthCredentials,
  AuthenticationBackend,
  AuthenticationMiddleware,
  Basic,
  hasRequiredScope,
  Policy,
  requires,
  Session,
  SimpleUser
} from "effect-auth"
import { SessionStore } from "effect-auth/SessionStore"
import { jwtVerify, SignJWT } from "jose"
import { createSecretKey } from "node:crypto"
import { Bench } from "tinybench"
import { AppUser, jwtSecret } from "./fixtures.js"

const hello = HttpServerResponse.text("hello")
const granted = ["authenticated", "read", "write"]
const credentials = new AuthCredentials(granted)
const user = new SimpleUser("alice")
const BackendLive = Basic.layer({
  verify: (username) => Effect.succeedSome([credentials, new SimpleUser(username)] as const)
})

const plain = HttpRouter.empty.pipe(HttpRouter.get("/", hello))
const auth = AuthenticationMiddleware(HttpRouter.empty.pipe(HttpRouter.get("/", hello.pipe(requires("authenticated")))))

const authorization = `Basic ${Buffer.from("alice:wonderland").toString("base64")}`
const requestWith = (headers: Record<string, string>) =>
  HttpServerRequest.fromWeb(new Request("http://127.0.0.1/", { headers }))
const withRequest = <A, E, R>(app: Effect.Effect<A, E, R>, request = requestWith({ authorization })) =>
  Effect.provide(app, Context.make(HttpServerRequest.HttpServerRequest, request)) as Effect.Effect<A, unknown, never>

const runtime = await Effect.runPromise(Effect.scoped(Layer.toRuntime(BackendLive)))
const run = Runtime.runPromise(runtime)
const plainApp = withRequest(plain)
const authApp = withRequest(auth)

// the all-of check as one would write it by hand: every required scope among the granted ones
const required = ["authenticated", "write"]
const handWritten = (scopes: ReadonlyArray<string>, needed: ReadonlyArray<string>): boolean => {
  for (let i = 0; i < needed.length; i++) {
    if (!scopes.includes(needed[i]!)) return false
  }
  return true
}

const policy = Policy.all(Policy.authenticated, Policy.any(Policy.scope("admin"), Policy.scope("write")))
// 20 clauses: 19 scopes all granted and the user authenticated (every clause is evaluated)
const manyScopes = Array.from({ length: 19 }, (_, i) => `scope:${i}`)
const manyCredentials = new AuthCredentials(manyScopes)
const policy20 = Policy.all(Policy.authenticated, ...manyScopes.map((scope) => Policy.scope(scope)))

// HS256: the backend's verifier (signature, exp, the claims decoded by a Schema) against jose alone, key imported once
const secretKey = createSecretKey(Buffer.from(jwtSecret))
const jwt = await new SignJWT({ scope: "authenticated" }).setProtectedHeader({ alg: "HS256" }).setSubject("alice")
  .setExpirationTime("2h").sign(secretKey)
const verifyJwt = Jwt.verifier({ algorithms: ["HS256"], key: secretKey, claims: AppUser })
const redactedJwt = Redacted.make(jwt)

// the session backend on a request with a valid signed cookie, in the memory store
const sessionSecret = Redacted.make("a session secret of 32 bytes or more, for the bench")
const sessionRuntime = await Effect.runPromise(Effect.scoped(Layer.toRuntime(
  Session.layer({ secret: sessionSecret, secure: false }).pipe(Layer.provideMerge(SessionStore.layerMemory()))
)))
const cookie = await Runtime.runPromise(sessionRuntime)(Effect.gen(function*() {
  const store = yield* SessionStore
  const [token] = yield* store.create({
    userId: "alice",
    scopes: ["authenticated"],
    idleTimeout: 2 * 60 * 60 * 1000,
    absoluteTimeout: 4 * 60 * 60 * 1000
  })
  return `session=${Session.sign(Redacted.value(token), sessionSecret)}`
}))
const sessionAuthenticate = withRequest(
  Effect.flatMap(AuthenticationBackend, (backend) => backend.authenticate),
  requestWith({ cookie })
)
const runSession = Runtime.runPromise(sessionRuntime)

const bench = new Bench({ time: Number(process.env["TIME"] ?? 1000) })
bench
  .add("Basic.parse", () => Basic.parse(authorization))
  .add("all-of scopes: hasRequiredScope (2 of 3)", () => hasRequiredScope(credentials, required))
  .add("all-of scopes: hand-written loop (2 of 3)", () => handWritten(granted, required))
  .add("Policy.decide (all/any, 4 clauses)", () => Policy.decide(policy, user, credentials))
  .add("Policy.decide (all of 20 clauses)", () => Policy.decide(policy20, user, manyCredentials))
  .add("HS256: Jwt.verifier (with claims Schema)", () => Effect.runPromise(verifyJwt(redactedJwt)))
  .add("HS256: jose.jwtVerify", () => jwtVerify(jwt, secretKey, { algorithms: ["HS256"] }))
  .add("session cookie: backend, memory store", () => runSession(sessionAuthenticate))
  .add("app effect: plain", () => run(plainApp))
  .add("app effect: middleware + Basic + requires", () => run(authApp))
await bench.run()

const stats = (name: string) => {
  const result = bench.getTask(name)!.result
  if (result.state !== "completed") throw new Error(`${name}: ${result.state}`)
  return result
}
const median = (name: string) => stats(name).latency.p50 * 1e6 // ns
console.log(`## Micro (tinybench, in-process; node ${process.version})\n`)
console.log("| task | median ns | ops/s (median) |")
console.log("|---|---|---|")
for (const task of bench.tasks) {
  const result = stats(task.name)
  console.log(`| ${task.name} | ${(result.latency.p50 * 1e6).toFixed(0)} | ${result.throughput.p50.toFixed(0)} |`)
}
const verdict = (ok: boolean) => ok ? "met" : "NOT met"
const parse = median("Basic.parse")
const scopes = median("all-of scopes: hasRequiredScope (2 of 3)") / median("all-of scopes: hand-written loop (2 of 3)")
const hs256 = median("HS256: Jwt.verifier (with claims Schema)") / median("HS256: jose.jwtVerify")
const added = median("app effect: middleware + Basic + requires") - median("app effect: plain")
console.log(`
targets: Basic.parse ${parse.toFixed(0)} ns (< 1000 ns: ${verdict(parse < 1000)}); all-of scope check ${
  scopes.toFixed(2)
}× the hand-written loop (≤ 2×: ${verdict(scopes <= 2)}); HS256 ${hs256.toFixed(2)}× jose.jwtVerify (≤ 1.3×: ${
  verdict(hs256 <= 1.3)
}); authentication adds ${(added / 1000).toFixed(2)} µs to the app effect`)
