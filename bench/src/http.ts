/**
 * The per-request cost of authentication, through real HTTP: autocannon against a one-route Effect app without
 * auth, then the same route behind AuthenticationMiddleware + Basic + requires("authenticated"), with valid
 * credentials. Each server runs in its own process; they take turns in short bursts. Prints requests/second, the
 * server's CPU time per request (steadier than throughput on a shared machine), and the ratios auth/plain
 * (the target is >= 0.95).
 *
 * Run: pnpm bench:http  (PAIRS=n, DURATION=seconds per burst, VARIANT=auth|middleware-only|anonymous|plain2 against
 * plain; DUAL=0 serves the two apps from two processes instead of one, SERVER_JS=1 runs the compiled server)
 *
 * Last results (2026-11-29; see ../README.md for how to read them on this shared host):
 *   plain: 7494 req/s, 138.3 µs CPU/request
 *   auth:  7734 req/s, 130.3 µs CPU/request
 *   ratio auth/plain, per pair: throughput 1.057 (quartiles 0.987–1.114), CPU per request 1.072 (quartiles 0.981–1.148)
 */
import autocannon from "autocannon"
import { spawn } from "node:child_process"
import { once } from "node:events"
import { fileURLToPath } from "node:url"

const duration = Number(process.env["DURATION"] ?? 2)
const rounds = Number(process.env["PAIRS"] ?? 21)
const server = fileURLToPath(new URL("./server.ts", import.meta.url))
const serverJs = fileURLToPath(new URL("../build/src/server.js", import.meta.url))
const authorization = `Basic ${Buffer.from("alice:wonderland").toString("base64")}`

const start = async (...variant: Array<string>) => {
  // the library as it ships (its built dist/, as `pnpm bench` builds it first), not its sources through tsx
  // SERVER_JS=1 runs the compiled server (`tsc -b` in bench/) with no tsx loader thread
  const args = process.env["SERVER_JS"] ? [serverJs, ...variant] : ["--import", "tsx", server, ...variant]
  const child = spawn(process.execPath, args, {
    stdio: ["ignore", "pipe", "inherit", "ipc"]
  })
  const [chunk] = await once(child.stdout!, "data")
  const ports = String(chunk).trim().split(" ").map(Number)
  return { child, port: ports[0]!, ports }
}

interface Sample {
  readonly rps: number
  readonly cpuMicrosPerRequest: number
}

const cpu = async (child: ReturnType<typeof spawn>): Promise<number> => {
  child.send("cpu")
  const [usage] = (await once(child, "message")) as [NodeJS.CpuUsage]
  return usage.user + usage.system
}

type Server = Awaited<ReturnType<typeof start>>

const burst = async (server: Server, seconds: number): Promise<Sample> => {
  const url = `http://127.0.0.1:${server.port}/`
  const before = await cpu(server.child)
  const result = await autocannon({ url, duration: seconds, connections: 50, headers: { authorization } })
  const after = await cpu(server.child)
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx, ${result.errors} errors`)
  return { rps: result.requests.average, cpuMicrosPerRequest: (after - before) / result.requests.total }
}

// Both servers run side by side and take turns in short bursts: the machine's drift (this one shares its host)
// then hits both alike, and each pair of neighbouring bursts gives one ratio; the median ratio is reported.
// by default both apps run in ONE process on two ports, so that no difference between two processes (JIT decisions, where
// the OS schedules them) counts as a difference between the apps; each burst's CPU delta then belongs to one app
const variantName = process.env["VARIANT"] ?? "auth"
const dual = process.env["DUAL"] !== "0"
const [plainServer, authServer] = dual
  ? await start("plain", variantName).then((s) => [s, { ...s, port: s.ports[1]! }] as const)
  : [await start("plain"), await start(variantName)] as const
try {
  await burst(plainServer, 2) // warm-up
  await burst(authServer, 2)
  const ratios: Array<number> = []
  const cpuRatios: Array<number> = []
  const samples: Record<string, Array<Sample>> = { plain: [], auth: [] }
  for (let pair = 0; pair < rounds; pair++) {
    const order = pair % 2 === 0 ? [plainServer, authServer] : [authServer, plainServer]
    const [first, second] = [await burst(order[0]!, duration), await burst(order[1]!, duration)]
    const [plain, auth] = order[0] === plainServer ? [first, second] : [second, first]
    samples["plain"]!.push(plain)
    samples["auth"]!.push(auth)
    ratios.push(auth.rps / plain.rps)
    cpuRatios.push(plain.cpuMicrosPerRequest / auth.cpuMicrosPerRequest)
  }
  const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const quartiles = (xs: ReadonlyArray<number>) => {
    const sorted = [...xs].sort((a, b) => a - b)
    return `${sorted[Math.floor(sorted.length / 4)]!.toFixed(3)}–${
      sorted[Math.floor((3 * sorted.length) / 4)]!.toFixed(3)
    }`
  }
  const show = (variant: string) => {
    const xs = samples[variant]!
    return `${median(xs.map((x) => x.rps)).toFixed(0)} req/s, ${
      median(xs.map((x) => x.cpuMicrosPerRequest)).toFixed(1)
    } µs CPU/request`
  }
  console.log(`node ${process.version}, ${rounds} pairs of ${duration}s bursts, 50 connections, 127.0.0.1 (medians)`)
  console.log(`plain: ${show("plain")}`)
  console.log(`auth:  ${show("auth")}`)
  console.log(
    `ratio auth/plain, per pair: throughput ${median(ratios).toFixed(3)} (quartiles ${quartiles(ratios)}), ` +
      `CPU per request ${median(cpuRatios).toFixed(3)} (quartiles ${quartiles(cpuRatios)})`
  )
} finally {
  plainServer.child.kill()
  if (!dual) authServer.child.kill()
}
