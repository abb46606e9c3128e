/**
 * The per-request cost of authentication, through real HTTP: autocannon against a one-route Effect app without
 * auth, then the same route behind AuthenticationMiddleware + Basic + requires("authenticated"), with valid
 * credentials. Each server runs in its own process; rounds alternate to spread drift. Prints requests/second and
 * the ratio auth/plain (the target is >= 0.95).
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
    stdio: ["ignore", "pipe", "inherit"]
  })
  const [chunk] = await once(child.stdout!, "data")
  return { child, port: Number(String(chunk).trim()) }
}

const measure = async (variant: string): Promise<number> => {
  const { child, port } = await start(variant)
  try {
    const url = `http://127.0.0.1:${port}/`
    await autocannon({ url, duration: 2, connections: 50, headers: { authorization } }) // warm-up
    const result = await autocannon({ url, duration, connections: 50, headers: { authorization } })
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${variant}: ${result.non2xx} non-2xx, ${result.errors} errors`)
    return result.requests.average
  } finally {
    child.kill()
  }
}

const results: Record<string, Array<number>> = { plain: [], auth: [] }
for (let round = 0; round < rounds; round++) {
  for (const variant of round % 2 === 0 ? ["plain", "auth"] : ["auth", "plain"]) {
    results[variant]!.push(await measure(variant))
  }
}
const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const plain = median(results["plain"]!)
const auth = median(results["auth"]!)
console.log(`node ${process.version}, ${rounds} rounds of ${duration}s, 50 connections, 127.0.0.1`)
console.log(`plain: ${plain.toFixed(0)} req/s   (rounds: ${results["plain"]!.map((x) => x.toFixed(0)).join(", ")})`)
console.log(`auth:  ${auth.toFixed(0)} req/s   (rounds: ${results["auth"]!.map((x) => x.toFixed(0)).join(", ")})`)
console.log(`ratio auth/plain: ${(auth / plain).toFixed(3)}`)
