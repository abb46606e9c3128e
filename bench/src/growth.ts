/**
 * How cost grows: requests/second and p99 latency of the Basic app (cached verification) and of its plain twin at 1,
 * 10, 100 and 1,000 concurrent connections; the scope check with 1, 10, 100 and 1,000 granted scopes (past 16 it is
 * a set lookup, so it stays flat); a session's check in the SQLite store holding 10^3, 10^5 and 10^6 sessions
 * (10^6 is skipped when filling it would take over 2 minutes).
 *
 * Run: pnpm bench:growth  (GROWTH_DURATION=seconds per level, 3 unless given; TIME=ms per micro task)
 */
import * as Sqlite from "@effect-auth/sql/Sqlite"
import * as SqlClient from "@effect/sql/SqlClient"
import { Effect, ManagedRuntime, Redacted } from "effect"
import { AuthCredentials, hasRequiredScope } from "effect-auth"
import { SessionStore } from "effect-auth/SessionStore"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Bench } from "tinybench"
import { burst, heading, signIn, start, stop } from "./http.js"

const seconds = Number(process.env["GROWTH_DURATION"] ?? 3)
const time = Number(process.env["TIME"] ?? 500)

// --- connections ---------------------------------------------------------------------------------------------------

// which parts to run: all unless PARTS names some (connections, scopes, sessions)
const parts = (process.env["PARTS"] ?? "connections,scopes,sessions").split(",")

console.log(`## How cost grows\n\n${heading().replace(/;.*/, "")}; ${seconds}s per level\n`)
if (parts.includes("connections")) {
  console.log("| connections | req/s no auth | req/s Basic (cached) | p99 ms no auth | p99 ms Basic (cached) |")
  console.log("|---|---|---|---|---|")
  const served = await start(["plain", "basic"])
  try {
    await signIn(served)
    await burst(served, 0, 1)
    await burst(served, 1, 1)
    for (const connections of [1, 10, 100, 1000]) {
      const plain = await burst(served, 0, seconds, connections)
      const auth = await burst(served, 1, seconds, connections)
      console.log(
        `| ${connections} | ${plain.rps.toFixed(0)} | ${auth.rps.toFixed(0)} | ${plain.p99} | ${auth.p99} |`
      )
    }
  } finally {
    await stop(served)
  }
}

// --- granted scopes ------------------------------------------------------------------------------------------------

const nanos = async (tasks: Record<string, () => unknown>) => {
  const bench = new Bench({ time })
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn)
  await bench.run()
  return Object.fromEntries(bench.tasks.map((task) => {
    const result = task.result
    if (result.state !== "completed") throw new Error(`${task.name}: ${result.state}`)
    return [task.name, result.latency.p50 * 1e6]
  }))
}

if (parts.includes("scopes")) {
  console.log(
    "\n| granted scopes | has (last granted) ns | has (not granted) ns | hasRequiredScope (2, both granted) ns |"
  )
  console.log("|---|---|---|---|")
}
for (const n of parts.includes("scopes") ? [1, 10, 100, 1000] : []) {
  const scopes = Array.from({ length: n }, (_, i) => `scope:${i}`)
  const credentials = new AuthCredentials(scopes)
  const last = scopes[n - 1]!
  const required = [scopes[0]!, last]
  const result = await nanos({
    hit: () => credentials.has(last),
    miss: () => credentials.has("admin"),
    all: () => hasRequiredScope(credentials, required)
  })
  console.log(`| ${n} | ${result["hit"]!.toFixed(0)} | ${result["miss"]!.toFixed(0)} | ${result["all"]!.toFixed(0)} |`)
}

// --- sessions in SQLite --------------------------------------------------------------------------------------------

if (parts.includes("sessions")) await sessions()

async function sessions() {
  const filename = path.join(os.tmpdir(), `effect-auth-bench-growth-${process.pid}.sqlite`)
  const remove = () => {
    for (const suffix of ["", "-wal", "-shm"]) fs.rmSync(`${filename}${suffix}`, { force: true })
  }
  remove()
  // kept open until the end (a scoped runtime would close the database at once)
  const runtime = ManagedRuntime.make(Sqlite.layer({ filename }))
  const run = runtime.runPromise
  try {
    const hour = 60 * 60 * 1000
    const [token] = await run(
      Effect.flatMap(
        SessionStore,
        (store) =>
          store.create({ userId: "alice", scopes: ["authenticated"], idleTimeout: 2 * hour, absoluteTimeout: 4 * hour })
      )
    )
    const tokenText = Redacted.value(token)
    // rows of other users, written straight into the table in batches (what `create` would write, minus the hashing)
    const batch = 1000
    let rows = 1
    const fill = (to: number) =>
      run(Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql.withTransaction(Effect.gen(function*() {
          const now = Date.now()
          while (rows < to) {
            const count = Math.min(batch, to - rows)
            const values = Array.from({ length: count }, (_, i) => ({
              id: `bench${String(rows + i).padStart(17, "0")}`,
              secret_hash: "0".repeat(64),
              user_id: `user${rows + i}`,
              scopes: "[\"authenticated\"]",
              created_at: now,
              last_seen_at: now,
              idle_timeout: 2 * hour,
              expires_at: now + 4 * hour
            }))
            yield* sql`INSERT INTO effect_auth_sessions ${sql.insert(values)}`
            rows += count
          }
        }))))
    const check = (candidate: string) => () =>
      run(Effect.flatMap(SessionStore, (store) => store.authenticate(candidate)))
    const unknown = `${"A".repeat(22)}.${"B".repeat(43)}`
    console.log("\n| sessions in SQLite | fill time s | authenticate (valid) µs | authenticate (unknown id) µs |")
    console.log("|---|---|---|---|")
    let rate = Infinity // rows per second, of the last fill
    for (const size of [1_000, 100_000, 1_000_000]) {
      const needed = size - rows
      if (needed / rate > 120) {
        console.log(`| ${size} | skipped: filling would take about ${(needed / rate).toFixed(0)} s (> 2 min) | | |`)
        continue
      }
      const started = performance.now()
      await fill(size)
      const elapsed = (performance.now() - started) / 1000
      rate = needed / elapsed
      const result = await nanos({ valid: check(tokenText), unknown: check(unknown) })
      console.log(
        `| ${size} | ${elapsed.toFixed(1)} | ${(result["valid"]! / 1000).toFixed(1)} | ${
          (result["unknown"]! / 1000).toFixed(1)
        } |`
      )
    }
  } finally {
    await runtime.dispose()
    remove()
  }
}
