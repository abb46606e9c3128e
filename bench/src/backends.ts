/**
 * Each backend's cost over HTTP: the ratio of each to the same app without authentication and the CPU microseconds it
 * adds per request (see http.ts for the method), in one run after an A/A control. PostgreSQL sessions run when
 * `DATABASE_URL` is set.
 *
 * Run: pnpm bench:backends  (PAIRS, DURATION, CONNECTIONS; ONLY=basic,bearer to run some)
 */
import { run } from "./http.js"

const backends: ReadonlyArray<readonly [name: string, variant: string]> = [
  ["core path (middleware, Basic accepting at once, requires)", "auth"],
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

await run("Per backend", backends.map(([name, variant]) => [name, "plain", variant] as const))
if (process.env["DATABASE_URL"] === undefined) console.log("\n(PostgreSQL sessions skipped: DATABASE_URL is not set)")
