/**
 * The per-request cost of authentication, through real HTTP: autocannon against a one-route Effect app without
 * auth, then the same route behind AuthenticationMiddleware + Basic + requires("authenticated"), with valid
 * credentials. Each server runs in its own process; rounds alternate to spread drift. Prints requests/second, the
 * server's CPU time per request (steadier than throughput on a shared machine), and the ratios auth/plain
 * (the target is >= 0.95).
 *
 * Run: pnpm bench  (DURATION=seconds per round, ROUNDS=n)
 */
import autocannon from "autocannon"
import { spawn } from "node:child_process"
import { once } from "node:events"
import { fileURLToPath } from "node:url"

const duration = Number(process.env["DURATION"] ?? 10)
const rounds = Number(process.env["ROUNDS"] ?? 3)
const server = fileURLToPath(new URL("./server.ts", import.meta.url))
const authorization = `Basic ${Buffer.from("alice:wonderland").toString("base64")}`

const start = async (variant: string) => {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=source", server, variant], {
    stdio: ["ignore", "pipe", "inherit", "ipc"]
  })
  const [chunk] = await once(child.stdout!, "data")
  return { child, port: Number(String(chunk).trim()) }
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

const measure = async (variant: string): Promise<Sample> => {
  const { child, port } = await start(variant)
  try {
    const url = `http://127.0.0.1:${port}/`
    await autocannon({ url, duration: 2, connections: 50, headers: { authorization } }) // warm-up
    const before = await cpu(child)
    const result = await autocannon({ url, duration, connections: 50, headers: { authorization } })
    const after = await cpu(child)
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${variant}: ${result.non2xx} non-2xx, ${result.errors} errors`)
    return { rps: result.requests.average, cpuMicrosPerRequest: (after - before) / result.requests.total }
  } finally {
    child.kill()
  }
}

const results: Record<string, Array<Sample>> = { plain: [], auth: [] }
for (let round = 0; round < rounds; round++) {
  for (const variant of round % 2 === 0 ? ["plain", "auth"] : ["auth", "plain"]) {
    results[variant]!.push(await measure(variant))
  }
}
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const summary = (variant: string) => {
  const samples = results[variant]!
  return {
    rps: median(samples.map((s) => s.rps)),
    cpu: median(samples.map((s) => s.cpuMicrosPerRequest)),
    rounds: samples.map((s) => `${s.rps.toFixed(0)}/${s.cpuMicrosPerRequest.toFixed(1)}`).join(", ")
  }
}
const plain = summary("plain")
const auth = summary("auth")
console.log(`node ${process.version}, ${rounds} rounds of ${duration}s, 50 connections, 127.0.0.1 (medians; rounds: req/s / CPU µs per request)`)
console.log(`plain: ${plain.rps.toFixed(0)} req/s, ${plain.cpu.toFixed(1)} µs CPU/request   (${plain.rounds})`)
console.log(`auth:  ${auth.rps.toFixed(0)} req/s, ${auth.cpu.toFixed(1)} µs CPU/request   (${auth.rounds})`)
console.log(`ratio auth/plain: throughput ${(auth.rps / plain.rps).toFixed(3)}, CPU-bound throughput ${(plain.cpu / auth.cpu).toFixed(3)}`)
