/**
 * Unauthenticated CPU amplification: 8 keep-alive connections from 127.0.0.2 send made-up Basic credentials as fast
 * as they are answered, while a valid user on 127.0.0.1 calls a guarded route one request after another. Measures
 * the valid user's latency (median, p90, max) and every status either side sees, for two servers, each in its own
 * process, one after the other:
 * - unprotected: `verify` checks the password with `Password.verify` on every request (the example before its fix)
 * - protected: the same users behind `Password.Verifier` (successes remembered, hashing bounded) and Basic's
 *   `throttle` (per username and per address, in a memory `ThrottleStore`)
 * Both hash with the default cost (N = 2^17: 128 MiB, about 0.4 s a hash here). The valid user signs in once before
 * each flood starts, and is measured alone first.
 *
 * Run: pnpm bench:flood  (FLOOD_DURATION=seconds per phase, CONNECTIONS=flood connections)
 *
 * Last results (2026-11-29, 2 cores shared with other jobs, so the unprotected figures are noisy; DURATION=10,
 * CONNECTIONS=8, run with `node --conditions=source --import tsx src/flood.ts`):
 *   unprotected alone     valid user: median 845.0 ms, p90 2194.6 ms, statuses 200×10
 *   unprotected flood ×8  valid user: median 2620.8 ms, p90 5997.1 ms, max 5997.1 ms, statuses 200×3;
 *                         flood: 3 req/s, 401×30
 *   protected   alone     valid user: median 0.3 ms, p90 0.4 ms, max 36.0 ms, statuses 200×27119
 *   protected   flood ×8  valid user: median 1.1 ms, p90 6.6 ms, max 67.7 ms, statuses 200×3679;
 *                         flood: 743 req/s, 401×25 503×7405 (429 comes after 50 failures: about 20 s at this cost)
 */
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Context, Effect, Layer, Logger, LogLevel, Option } from "effect"
import type { Redacted } from "effect"
import {
  AuthCredentials,
  AuthenticationMiddleware,
  Basic,
  Password,
  requires,
  type ServiceUnavailable,
  SimpleUser
} from "effect-auth"
import { ThrottleStore } from "effect-auth/Throttle"
import { spawn } from "node:child_process"
import { once } from "node:events"
import { Agent, createServer, request } from "node:http"
import { fileURLToPath } from "node:url"

// --- the server: `flood.ts serve <variant>` ------------------------------------------------------------------------

const accounts = { alice: "wonderland", bob: "builder" } as const

class Users extends Context.Tag("bench/Users")<Users, {
  readonly check: (
    username: string,
    password: Redacted.Redacted<string>
  ) => Effect.Effect<Option.Option<readonly [AuthCredentials, SimpleUser]>, ServiceUnavailable>
}>() {}

const usersLayer = (cached: boolean) =>
  Layer.effect(
    Users,
    Effect.gen(function*() {
      const table = new Map<string, string>()
      for (const [name, password] of Object.entries(accounts)) table.set(name, yield* Password.hash(password))
      const nobody = yield* Password.hash("nobody's password")
      const verifier = yield* Password.Verifier.make()
      const verify = cached ? verifier.verify : Password.verify
      return {
        check: (username: string, password: Redacted.Redacted<string>) => {
          const stored = table.get(username)
          return Effect.map(verify(password, stored ?? nobody), (ok) =>
            ok && stored !== undefined
              ? Option.some([new AuthCredentials(["authenticated"]), new SimpleUser(username)] as const)
              : Option.none())
        }
      }
    }).pipe(Effect.orDie)
  )

const verify = (username: string, password: Redacted.Redacted<string>) =>
  Effect.flatMap(Users, (users) => users.check(username, password))

const serveVariant = (variant: string) => {
  const backend = variant === "protected"
    ? Basic.layer({ realm: "bench", verify, throttle: {} }).pipe(
      Layer.provide(usersLayer(true)),
      Layer.provide(ThrottleStore.layerMemory())
    )
    : Basic.layer({ realm: "bench", verify }).pipe(Layer.provide(usersLayer(false)))
  const app = AuthenticationMiddleware(
    HttpRouter.empty.pipe(HttpRouter.get("/", HttpServerResponse.text("hello").pipe(requires("authenticated"))))
  )
  // the port is printed once the app is attached, so that the first request is served
  Effect.gen(function*() {
    yield* HttpServer.serveEffect(app)
    const server = yield* HttpServer.HttpServer
    if (server.address._tag === "TcpAddress") process.stdout.write(`${server.address.port}\n`)
    return yield* Effect.never
  }).pipe(
    Effect.scoped,
    Effect.provide(backend),
    Effect.provide(NodeHttpServer.layer(() => createServer(), { host: "127.0.0.1", port: 0 })),
    Effect.provide(Logger.minimumLogLevel(LogLevel.None)),
    NodeRuntime.runMain
  )
}

// --- the harness ------------------------------------------------------------------------------------------------------

const duration = Number(process.env["FLOOD_DURATION"] ?? 10) * 1000
const connections = Number(process.env["CONNECTIONS"] ?? 8)
const basic = (username: string, password: string) =>
  `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`
const valid = basic("alice", "wonderland")

const start = async (variant: string) => {
  // the same loader flags as this process (tsx, and `--conditions=source` to run the library's sources)
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "serve", variant], {
    stdio: ["ignore", "pipe", "inherit"]
  })
  const [chunk] = await once(child.stdout!, "data")
  return { child, port: Number(String(chunk).trim()) }
}

const get = (port: number, agent: Agent, authorization: string) =>
  new Promise<number>((resolve, reject) => {
    const outgoing = request({ host: "127.0.0.1", port, path: "/", agent, headers: { authorization } }, (response) => {
      response.resume()
      response.on("end", () => resolve(response.statusCode ?? 0))
    })
    outgoing.on("error", reject)
    outgoing.end()
  })

const tally = (statuses: ReadonlyArray<number>) => {
  const counts: Record<number, number> = {}
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1
  return Object.entries(counts).map(([status, n]) => `${status}×${n}`).join(" ")
}

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!

const phase = async (port: number, flood: boolean) => {
  const user = new Agent({ keepAlive: true, maxSockets: 1, localAddress: "127.0.0.1" })
  const attacker = new Agent({ keepAlive: true, maxSockets: connections, localAddress: "127.0.0.2" })
  const until = Date.now() + duration
  const latencies: Array<number> = []
  const userStatuses: Array<number> = []
  const floodStatuses: Array<number> = []
  let n = 0
  const floods = flood
    ? Array.from({ length: connections }, async () => {
      while (Date.now() < until) floodStatuses.push(await get(port, attacker, basic(`user${n++}`, `guess${n}`)))
    })
    : []
  const measured = (async () => {
    while (Date.now() < until) {
      const started = performance.now()
      userStatuses.push(await get(port, user, valid))
      latencies.push(performance.now() - started)
    }
  })()
  await Promise.all([measured, ...floods])
  user.destroy()
  attacker.destroy()
  const sorted = latencies.sort((a, b) => a - b)
  return {
    median: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    max: sorted[sorted.length - 1]!,
    userStatuses: tally(userStatuses),
    floodStatuses: tally(floodStatuses),
    floodRate: floodStatuses.length / (duration / 1000)
  }
}

const run = async () => {
  for (const variant of ["unprotected", "protected"]) {
    const server = await start(variant)
    try {
      await get(server.port, new Agent({ localAddress: "127.0.0.1" }), valid) // signed in before the flood
      for (const flood of [false, true]) {
        const result = await phase(server.port, flood)
        console.log(
          `${variant.padEnd(11)} ${flood ? `flood ×${connections}` : "alone   "}  valid user: median ${
            result.median.toFixed(1)
          } ms, p90 ${result.p90.toFixed(1)} ms, max ${result.max.toFixed(1)} ms, statuses ${result.userStatuses}` +
            (flood ? `; flood: ${result.floodRate.toFixed(0)} req/s, statuses ${result.floodStatuses}` : "")
        )
      }
    } finally {
      server.child.kill()
    }
  }
}

if (process.argv[2] === "serve") serveVariant(process.argv[3] ?? "protected")
else await run()
