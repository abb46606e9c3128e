/**
 * The per-request cost of authentication through real HTTP, as a ratio to the same app without it. Both apps are
 * served from ONE process on two ports (`server.ts a b`) and driven by autocannon in turns of short bursts with
 * valid credentials; every neighbouring pair of bursts gives one ratio of throughput (auth/plain) and one of the
 * served process's CPU time per request (plain/auth: below 1 means authentication costs more) and one difference
 * (the microseconds of CPU authentication adds to a request: auth − plain), so that the host's drift hits both
 * alike. The median of the pairs is reported with its quartiles. Each table (`run`) starts with an A/A control
 * (plain vs plain2, the same app twice: 1.00 and +0.0 µs if the bench is fair), and prints the load average at its
 * start and at its end.
 *
 * Run: pnpm bench:http  (VARIANT=basic|…|plain2 against BASE=plain; PAIRS=n, DURATION=seconds per burst,
 * CONNECTIONS=n). backends.ts and alternatives.ts run it over many variants.
 */
import autocannon from "autocannon"
import { execFileSync, spawn } from "node:child_process"
import { once } from "node:events"
import * as os from "node:os"
import { fileURLToPath } from "node:url"

const serverTs = fileURLToPath(new URL("./server.ts", import.meta.url))

/**
 * Which server file serves the apps, and under which Node executable: this bench's `server.ts` under the runner's
 * Node unless given (the Effect 4 line's, ../effect4/src/server.ts, runs under Node 22).
 */
export interface ServerFile {
  readonly file: string
  readonly node: string
}

/** The Effect 3 line's server.ts, under the Node that runs the bench. */
export const effect3Server: ServerFile = { file: serverTs, node: process.execPath }

/** The served process, its ports and the headers each app's client sends. */
export interface Served {
  readonly child: ReturnType<typeof spawn>
  readonly ports: ReadonlyArray<number>
  readonly headers: ReadonlyArray<Record<string, string>>
}

/** Starts `server.ts` (or `server`'s file, under its Node) serving `variants` from one process. */
export const start = async (variants: ReadonlyArray<string>, server: ServerFile = effect3Server): Promise<Served> => {
  // the library as it ships (its built dist/, as `pnpm bench` builds it first) under the tsx loader
  const child = spawn(server.node, ["--import", "tsx", server.file, ...variants], {
    stdio: ["ignore", "pipe", "inherit", "ipc"]
  })
  let text = ""
  while (!text.includes("\n")) {
    const [chunk] = await Promise.race([
      once(child.stdout!, "data"),
      once(child, "exit").then(([code]) => {
        throw new Error(`server ${variants.join(" ")} exited with ${code}`)
      })
    ])
    text += String(chunk)
  }
  const { headers, ports } = JSON.parse(text.slice(0, text.indexOf("\n"))) as {
    ports: Array<number>
    headers: Array<Record<string, string>>
  }
  return { child, ports, headers }
}

/** One request to each app, that must succeed: the first Basic request hashes, and must not meet a crowd. */
export const signIn = async (served: Served): Promise<void> => {
  for (const [index, port] of served.ports.entries()) {
    const response = await fetch(`http://127.0.0.1:${port}/`, { headers: served.headers[index]! })
    await response.text()
    if (response.status !== 200) throw new Error(`port ${port}: ${response.status}`)
  }
}

/** Stops a served process and waits for it (its finalizers delete what it made). */
export const stop = async (served: Served): Promise<void> => {
  if (served.child.exitCode !== null) return
  const exited = once(served.child, "exit")
  served.child.kill("SIGTERM")
  await exited
}

const cpu = async (child: ReturnType<typeof spawn>): Promise<number> => {
  child.send("cpu")
  const [usage] = (await once(child, "message")) as [NodeJS.CpuUsage]
  return usage.user + usage.system
}

/** One burst's figures. */
export interface Sample {
  readonly rps: number
  readonly cpuMicrosPerRequest: number
  readonly p99: number
}

/** Drives app `index` of `served` for `seconds` with `connections`; any non-2xx answer or error throws. */
export const burst = async (served: Served, index: number, seconds: number, connections = 50): Promise<Sample> => {
  const url = `http://127.0.0.1:${served.ports[index]}/`
  const before = await cpu(served.child)
  const result = await autocannon({ url, duration: seconds, connections, headers: served.headers[index]! })
  const after = await cpu(served.child)
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(
      `${url}: ${result.non2xx} non-2xx, ${result.errors} errors (${JSON.stringify(result.statusCodeStats)})`
    )
  }
  return {
    rps: result.requests.average,
    cpuMicrosPerRequest: (after - before) / result.requests.total,
    p99: result.latency.p99
  }
}

const sorted = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)
/** The median, and the first and third quartiles. */
export const summary = (xs: ReadonlyArray<number>) => {
  const s = sorted(xs)
  return {
    median: s[Math.floor(s.length / 2)]!,
    q1: s[Math.floor(s.length / 4)]!,
    q3: s[Math.floor((3 * s.length) / 4)]!
  }
}

/** A comparison of one app with its no-auth twin. */
export interface Comparison {
  readonly name: string
  readonly base: string
  readonly variant: string
  readonly plain: { readonly rps: number; readonly cpu: number }
  readonly auth: { readonly rps: number; readonly cpu: number }
  readonly throughput: ReturnType<typeof summary>
  readonly cpu: ReturnType<typeof summary>
  /** CPU µs per request that authentication adds (auth − plain), per pair. */
  readonly added: ReturnType<typeof summary>
}

/** Settings of a comparison, from the environment unless given. */
export const settings = {
  pairs: Number(process.env["PAIRS"] ?? 21),
  duration: Number(process.env["DURATION"] ?? 1),
  connections: Number(process.env["CONNECTIONS"] ?? 50)
}

/**
 * `variant` against `base` (its app without authentication), served from one process: `settings.pairs` pairs of
 * bursts in alternating order after a warm-up of each.
 */
export const compare = async (
  name: string,
  base: string,
  variant: string,
  server: ServerFile = effect3Server
): Promise<Comparison> => {
  const served = await start([base, variant], server)
  try {
    // the first Basic request's hash (the verifier caches it), then a warm-up for the JIT
    await signIn(served)
    await burst(served, 0, 1, settings.connections)
    await burst(served, 1, 1, settings.connections)
    const throughput: Array<number> = []
    const cpus: Array<number> = []
    const added: Array<number> = []
    const plains: Array<Sample> = []
    const auths: Array<Sample> = []
    for (let pair = 0; pair < settings.pairs; pair++) {
      const order = pair % 2 === 0 ? [0, 1] : [1, 0]
      const first = await burst(served, order[0]!, settings.duration, settings.connections)
      const second = await burst(served, order[1]!, settings.duration, settings.connections)
      const [plain, auth] = order[0] === 0 ? [first, second] : [second, first]
      plains.push(plain)
      auths.push(auth)
      throughput.push(auth.rps / plain.rps)
      cpus.push(plain.cpuMicrosPerRequest / auth.cpuMicrosPerRequest)
      added.push(auth.cpuMicrosPerRequest - plain.cpuMicrosPerRequest)
    }
    const medians = (xs: ReadonlyArray<Sample>) => ({
      rps: summary(xs.map((x) => x.rps)).median,
      cpu: summary(xs.map((x) => x.cpuMicrosPerRequest)).median
    })
    return {
      name,
      base,
      variant,
      plain: medians(plains),
      auth: medians(auths),
      throughput: summary(throughput),
      cpu: summary(cpus),
      added: summary(added)
    }
  } finally {
    await stop(served)
  }
}

const loadAverage = () => os.loadavg().map((x: number) => x.toFixed(2)).join(" ")

/** The version of the Node that serves the apps (the runner's unless `node` is another executable). */
const versionOf = (node: string): string =>
  node === process.execPath ? process.version : execFileSync(node, ["-v"], { encoding: "utf8" }).trim()

/** The heading of the comparison tables: the machine, the load average at the start, and the method. */
export const heading = (node: string = process.execPath): string => {
  return `node ${versionOf(node)}, ${os.availableParallelism()} CPUs, load average at the start ${loadAverage()}, ${
    new Date().toISOString().slice(0, 16)
  }Z; ${settings.pairs} pairs of ${settings.duration}s bursts, ${settings.connections} connections, 127.0.0.1`
}

/** The closing line of a table: the load average at its end (a busy host shows in it). */
export const footing = (): string =>
  `load average at the end ${loadAverage()}, ${new Date().toISOString().slice(0, 16)}Z`

const ratio = (s: ReturnType<typeof summary>) => `${s.median.toFixed(3)} (${s.q1.toFixed(3)}–${s.q3.toFixed(3)})`
const signed = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(2)}`
const micros = (s: ReturnType<typeof summary>) => `${signed(s.median)} (${signed(s.q1)} to ${signed(s.q3)})`

/** One table of comparisons (markdown, so that it pastes into the README as it is). */
export const table = (rows: ReadonlyArray<Comparison>): string =>
  [
    "| app | vs | req/s no auth → auth | CPU µs/req no auth → auth | CPU µs added per request (quartiles) | throughput ratio (quartiles) | CPU ratio (quartiles) |",
    "|---|---|---|---|---|---|---|",
    ...rows.map((row) =>
      `| ${row.name} | ${row.base} | ${row.plain.rps.toFixed(0)} → ${row.auth.rps.toFixed(0)} | ${
        row.plain.cpu.toFixed(1)
      } → ${row.auth.cpu.toFixed(1)} | ${micros(row.added)} | ${ratio(row.throughput)} | ${ratio(row.cpu)} |`
    )
  ].join("\n")

/** The A/A control every table starts with: the plain app against itself on another port. */
export const control = ["A/A control: plain vs plain2", "plain", "plain2"] as const

/**
 * Runs one table: its title, the heading (load average at the start), the A/A control and then each row (those in
 * `ONLY=variant,…` if set) as `[name, base, variant]`, the table, and the load average at the end.
 */
export const run = async (
  title: string,
  rows: ReadonlyArray<readonly [name: string, base: string, variant: string]>,
  server: ServerFile = effect3Server
): Promise<void> => {
  const only = process.env["ONLY"]?.split(",")
  console.log(`## ${title}\n\n${heading(server.node)}\n`)
  const results: Array<Comparison> = []
  for (const [name, base, variant] of [control, ...rows]) {
    if (only !== undefined && variant !== control[2] && !only.includes(variant)) continue
    results.push(await compare(name, base, variant, server))
  }
  console.log(table(results))
  console.log(`\n${footing()}`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const variant = process.env["VARIANT"] ?? "basic"
  const base = process.env["BASE"] ?? "plain"
  console.log(heading())
  console.log(table([await compare(variant, base, variant)]))
  console.log(footing())
}
