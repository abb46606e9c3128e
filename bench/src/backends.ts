/**
 * Each backend's cost over HTTP: the ratio of each to the same app without authentication (see http.ts for the
 * method), in one run. PostgreSQL sessions run when `DATABASE_URL` is set.
 *
 * Run: pnpm bench:backends  (PAIRS, DURATION, CONNECTIONS; ONLY=basic,bearer to run some)
 */
import { compare, heading, table } from "./http.js"

const backends: ReadonlyArray<readonly [name: string, variant: string]> = [
  ["Basic (cached verification)", "basic"],
  ["Bearer", "bearer"],
  ["API key", "apikey"],
  ["JWT HS256", "jwt-hs256"],
  ["JWT ES256", "jwt-es256"],
  ["JWT ES256, cached JWKS", "jwt-jwks"],
  ["session cookie, memory", "session-memory"],
  ["session cookie, SQLite", "session-sqlite"],
  ...(process.env["DATABASE_URL"] === undefined
    ? []
    : [["session cookie, PostgreSQL", "session-pg"] as const])
]

const only = process.env["ONLY"]?.split(",")
console.log(`## Per backend\n\n${heading()}\n`)
const rows = []
for (const [name, variant] of backends) {
  if (only !== undefined && !only.includes(variant)) continue
  rows.push(await compare(name, "plain", variant))
}
console.log(table(rows))
if (process.env["DATABASE_URL"] === undefined) console.log("\n(PostgreSQL sessions skipped: DATABASE_URL is not set)")
