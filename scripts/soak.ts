/**
 * Soak test of the example app: starts it (examples/basic, `PORT=0`, its own SQLite file in a temporary folder) as a
 * child process, hits it at full speed with a mix of valid, invalid and anonymous requests for `SOAK_SECONDS` (60 by
 * default), samples the server's resident memory (RSS) every second, and fails (exit code 1) unless, after the
 * warm-up, RSS grew by less than `SOAK_MAX_GROWTH_MB` (10), no response was a 5xx, every response had the status its
 * request should get, and no request failed on the network.
 *
 *   SOAK_SECONDS=60 npx tsx scripts/soak.ts
 *
 * Requests that make the server hash a password (a wrong one: scrypt, on purpose slow and 128 MiB of memory each)
 * go over one connection of their own, from rotating loopback addresses with made-up usernames: at full speed they
 * would only measure the password verifier's bound (503 past it) and the login throttle (429), which the benchmarks
 * and the security tests cover; here they keep the failure path busy without tripping either. They run between the
 * two windows in which RSS is sampled for the growth (right after the warm-up, and at the end), since each hash
 * in flight adds its 128 MiB to RSS while it runs. The right passwords are checked once before the run, so that the
 * verifier's cache holds them as it would on a server that has been up a while.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { Agent, request } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"

const seconds = Number(process.env["SOAK_SECONDS"] ?? 60)
// memory settles once code is compiled, pools are filled and caches hold what they hold: a quarter of a short run
const warmupSeconds = Number(process.env["SOAK_WARMUP_SECONDS"] ?? Math.min(10, Math.max(2, seconds / 4)))
const connections = Number(process.env["SOAK_CONNECTIONS"] ?? 32)
const maxGrowthMb = Number(process.env["SOAK_MAX_GROWTH_MB"] ?? 10)
// SOAK_WRONG_PASSWORDS=0 leaves out the requests that make the server hash (to tell their memory from the rest's)
const wrongPasswords = process.env["SOAK_WRONG_PASSWORDS"] !== "0"
const requestTimeoutMillis = 10_000

const root = new URL("..", import.meta.url).pathname
const example = join(root, "examples", "basic")

// --- the server ---------------------------------------------------------------------------------------------------

interface Memory {
  readonly rss: number
  readonly heapUsed: number
  readonly external: number
}

interface Server {
  readonly url: string
  readonly pid: number
  readonly output: Array<string>
  /** The server's memory right after a full garbage collection, which it runs when asked (SIGUSR2). */
  readonly memory: () => Promise<Memory>
  readonly stop: () => Promise<void>
}

// loaded into the server before the app: on SIGUSR2 it collects garbage in full and prints its memory on a line
// of its own, so that two measurements compare what the process holds, not where the collector happens to be
const probe = `data:text/javascript,${
  encodeURIComponent(`process.on("SIGUSR2", () => {
  globalThis.gc(); globalThis.gc()
  const { rss, heapUsed, external } = process.memoryUsage()
  process.stdout.write("soak-memory " + JSON.stringify({ rss, heapUsed, external }) + "\\n")
})`)
}`

const start = (dataDir: string): Promise<Server> =>
  new Promise((resolve, reject) => {
    // its own SQLite file, even where DATABASE_URL names the tests' PostgreSQL database
    const env: Record<string, string | undefined> = {
      ...process.env,
      PORT: "0",
      SQLITE_FILE: join(dataDir, "soak.sqlite")
    }
    delete env["DATABASE_URL"]
    // node itself runs the server (tsx as a loader), so that the child's pid is the server's
    const child = spawn(process.execPath, [
      "--conditions=source",
      "--expose-gc",
      "--import",
      probe,
      "--import",
      "tsx",
      "src/main.ts"
    ], {
      cwd: example,
      env,
      stdio: ["ignore", "pipe", "pipe"]
    })
    const output: Array<string> = []
    const keep = (chunk: Buffer) => {
      output.push(...chunk.toString("utf8").split("\n").filter((line) => line.length > 0))
      if (output.length > 200) output.splice(0, output.length - 200)
    }
    let started = false
    const waiting: Array<(memory: Memory) => void> = []
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`the example did not start within 120 s:\n${output.join("\n")}`))
    }, 120_000)
    child.stderr.on("data", keep)
    child.stdout.on("data", (chunk: Buffer) => {
      for (const match of chunk.toString("utf8").matchAll(/^soak-memory (.*)$/gm)) {
        waiting.shift()?.(JSON.parse(match[1]!) as Memory)
      }
      keep(chunk)
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(output.join("\n"))
      if (!started && match !== null) {
        started = true
        clearTimeout(timer)
        resolve({
          url: match[1]!,
          pid: child.pid!,
          output,
          memory: () =>
            new Promise<Memory>((answer) => {
              waiting.push(answer)
              child.kill("SIGUSR2")
            }),
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done()
              child.once("exit", () => done())
              child.kill("SIGTERM")
            })
        })
      }
    })
    child.once("exit", (code) => {
      if (!started) {
        clearTimeout(timer)
        reject(new Error(`the example exited (${code}) before it started:\n${output.join("\n")}`))
      }
    })
  })

/** The process's resident memory in bytes, from Linux's /proc (`NaN` elsewhere): the figures printed each second. */
const rssOf = (pid: number): number => {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8")
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(status)
    if (match !== null) return Number(match[1]) * 1024
  } catch {
    // not Linux
  }
  return Number.NaN
}

// --- the client ---------------------------------------------------------------------------------------------------

interface Reply {
  readonly status: number
  readonly body: string
}

const send = (
  agent: Agent,
  url: string,
  init: { readonly method?: string; readonly headers?: Record<string, string>; readonly localAddress?: string }
): Promise<Reply> =>
  new Promise((resolve, reject) => {
    const outgoing = request(url, {
      agent,
      method: init.method ?? "GET",
      headers: init.headers ?? {},
      timeout: requestTimeoutMillis,
      ...(init.localAddress === undefined ? {} : { localAddress: init.localAddress })
    }, (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }))
      response.on("error", reject)
    })
    outgoing.on("timeout", () => outgoing.destroy(new Error("timed out")))
    outgoing.on("error", reject)
    outgoing.end()
  })

const basic = (username: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`
})

interface Kind {
  readonly name: string
  readonly path: string
  readonly method?: string
  readonly headers: () => Record<string, string>
  /** The statuses this request may get. */
  readonly expect: ReadonlyArray<number>
}

let jwt = ""

// what API clients, browsers and attackers send, cheap to answer: at full speed
const mix: ReadonlyArray<Kind> = [
  { name: "anonymous home", path: "/", headers: () => ({}), expect: [200] },
  { name: "Basic bob home", path: "/", headers: () => basic("bob", "builder"), expect: [200] },
  { name: "Basic alice dashboard", path: "/dashboard", headers: () => basic("alice", "wonderland"), expect: [200] },
  { name: "anonymous dashboard", path: "/dashboard", headers: () => ({}), expect: [401] },
  { name: "Basic bob dashboard (no admin)", path: "/dashboard", headers: () => basic("bob", "builder"), expect: [403] },
  { name: "Basic bob admin (hidden)", path: "/admin", headers: () => basic("bob", "builder"), expect: [404] },
  { name: "anonymous account (to login)", path: "/account", headers: () => ({}), expect: [303] },
  { name: "Bearer JWT", path: "/api/me", headers: () => ({ authorization: `Bearer ${jwt}` }), expect: [200] },
  { name: "Bearer garbage", path: "/api/me", headers: () => ({ authorization: "Bearer a.b.c" }), expect: [401] },
  { name: "Bearer junk characters", path: "/", headers: () => ({ authorization: "Bearer ~~!!" }), expect: [401] },
  { name: "Basic malformed", path: "/", headers: () => ({ authorization: "Basic foobar" }), expect: [400] },
  { name: "another scheme", path: "/", headers: () => ({ authorization: "Digest username=x" }), expect: [200] },
  { name: "garbage session cookie", path: "/", headers: () => ({ cookie: "session=x.y; csrf=z" }), expect: [200] },
  { name: "unknown path", path: "/nowhere", headers: () => ({}), expect: [404] },
  {
    name: "cross-site logout",
    path: "/logout",
    method: "POST",
    headers: () => ({ origin: "https://evil.example" }),
    expect: [403]
  },
  {
    name: "browser to login",
    path: "/dashboard",
    headers: () => ({ accept: "text/html" }),
    expect: [303]
  }
]

// a wrong password for a made-up user, from one of 250 loopback addresses in turn: each is hashed, and neither a
// username nor an address reaches the throttle's limits (429 is expected all the same once the address is reused)
let guest = 0
const wrongPassword: Kind = {
  name: "Basic wrong password",
  path: "/dashboard",
  headers: () => basic(`guest-${guest++}`, "not-the-password"),
  expect: [401, 429]
}

interface Tally {
  requests: number
  readonly kinds: Map<string, number>
  readonly statuses: Map<number, number>
  readonly unexpected: Map<string, number>
  serverErrors: number
  readonly errors: Map<string, number>
}

const count = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1)

const lane = async (
  url: string,
  agent: Agent,
  pick: (i: number) => Kind,
  deadline: number,
  tally: Tally,
  localAddress: (i: number) => string | undefined
) => {
  for (let i = 0; Date.now() < deadline; i++) {
    const kind = pick(i)
    try {
      const address = localAddress(i)
      const reply = await send(agent, `${url}${kind.path}`, {
        ...(kind.method === undefined ? {} : { method: kind.method }),
        headers: kind.headers(),
        ...(address === undefined ? {} : { localAddress: address })
      })
      tally.requests++
      count(tally.kinds, kind.name)
      count(tally.statuses, reply.status)
      if (reply.status >= 500) tally.serverErrors++
      if (!kind.expect.includes(reply.status)) count(tally.unexpected, `${kind.name}: ${reply.status}`)
    } catch (error) {
      count(tally.errors, `${kind.name}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
    }
  }
}

// --- the run ------------------------------------------------------------------------------------------------------

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)

const main = async (): Promise<number> => {
  const dataDir = mkdtempSync(join(tmpdir(), "effect-auth-soak-"))
  const server = await start(dataDir).catch((error: unknown) => {
    rmSync(dataDir, { recursive: true, force: true })
    throw error
  })
  const agent = new Agent({ keepAlive: true, maxSockets: connections })
  const slowAgent = new Agent({ keepAlive: false })
  try {
    console.log(`soak: ${server.url} (pid ${server.pid}), ${seconds} s, ${connections} connections`)
    const token = await send(agent, `${server.url}/token`, { method: "POST", headers: basic("alice", "wonderland") })
    if (token.status !== 200) throw new Error(`POST /token answered ${token.status}: ${token.body}`)
    jwt = token.body
    // the demo users' passwords, checked one at a time (bob's first login rehashes his older hash, so twice)
    for (const [username, password] of [["alice", "wonderland"], ["bob", "builder"], ["bob", "builder"]] as const) {
      await send(agent, `${server.url}/`, { headers: basic(username, password) })
    }

    const tally: Tally = {
      requests: 0,
      kinds: new Map(),
      statuses: new Map(),
      unexpected: new Map(),
      serverErrors: 0,
      errors: new Map()
    }
    const samples: Array<{ readonly at: number; readonly rss: number }> = []
    const began = Date.now()
    const deadline = began + seconds * 1000
    const sampler = setInterval(() => samples.push({ at: (Date.now() - began) / 1000, rss: rssOf(server.pid) }), 1000)
    // a token lives 15 minutes: a long soak takes a new one every 10
    const refresher = setInterval(async () => {
      const fresh = await send(agent, `${server.url}/token`, { method: "POST", headers: basic("alice", "wonderland") })
      if (fresh.status === 200) jwt = fresh.body
    }, 10 * 60 * 1000)
    const until = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())))
    // the memory after the warm-up and at the end, each right after a full collection, under the same load
    const measured = (async () => {
      await until(began + warmupSeconds * 1000)
      const start = await server.memory()
      await until(deadline - 1000)
      return { start, end: await server.memory() }
    })()
    // wrong passwords after the first measurement, until a few seconds before the last: a hash in flight holds
    // 128 MiB, and the allocator of the threads that hash keeps some of it a while
    let address = 0
    const hashing = async () => {
      if (!wrongPasswords) return
      await until(began + (warmupSeconds + 1) * 1000)
      await lane(
        server.url,
        slowAgent,
        () => wrongPassword,
        deadline - 5000,
        tally,
        () => `127.0.1.${1 + (address++ % 250)}`
      )
    }
    await Promise.all([
      ...Array.from(
        { length: connections },
        (_, c) => lane(server.url, agent, (i) => mix[(c + i) % mix.length]!, deadline, tally, () => undefined)
      ),
      hashing()
    ])
    clearInterval(sampler)
    clearInterval(refresher)
    const elapsed = (Date.now() - began) / 1000
    const { end, start } = await measured
    const growth = end.rss - start.rss
    const peak = Math.max(...samples.map((sample) => sample.rss))
    const unexpected = [...tally.unexpected.values()].reduce((a, b) => a + b, 0)
    const errors = [...tally.errors.values()].reduce((a, b) => a + b, 0)

    console.log(`requests: ${tally.requests} in ${elapsed.toFixed(1)} s (${(tally.requests / elapsed).toFixed(0)}/s)`)
    console.log(`of which wrong passwords (hashed): ${tally.kinds.get(wrongPassword.name) ?? 0}`)
    console.log(
      `statuses: ${[...tally.statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}×${n}`).join(" ")}`
    )
    console.log(
      `memory after a full collection, after ${warmupSeconds} s of warm-up → at the end: RSS ${mb(start.rss)} → ` +
        `${mb(end.rss)} MB (growth ${mb(growth)} MB, limit ${maxGrowthMb} MB), heap used ${mb(start.heapUsed)} → ` +
        `${mb(end.heapUsed)} MB, external ${mb(start.external)} → ${mb(end.external)} MB`
    )
    console.log(`RSS each second (MB; ${mb(peak)} at most): ${samples.map((sample) => mb(sample.rss)).join(" ")}`)
    console.log(`5xx: ${tally.serverErrors}; unexpected statuses: ${unexpected}; network errors: ${errors}`)
    for (const [what, n] of tally.unexpected) console.log(`  unexpected ${what} ×${n}`)
    for (const [what, n] of tally.errors) console.log(`  error ${what} ×${n}`)

    const failures = [
      ...(growth >= maxGrowthMb * 1024 * 1024 ? [`RSS grew by ${mb(growth)} MB`] : []),
      ...(tally.serverErrors > 0 ? [`${tally.serverErrors} responses were 5xx`] : []),
      ...(unexpected > 0 ? [`${unexpected} responses had an unexpected status`] : []),
      ...(errors > 0 ? [`${errors} requests failed`] : []),
      ...(tally.requests === 0 ? ["no request was answered"] : [])
    ]
    if (failures.length > 0) {
      console.log(`FAIL: ${failures.join("; ")}`)
      console.log(`last server output:\n${server.output.slice(-20).join("\n")}`)
      return 1
    }
    console.log("PASS")
    return 0
  } finally {
    agent.destroy()
    slowAgent.destroy()
    await server.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
