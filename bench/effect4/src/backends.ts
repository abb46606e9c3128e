/**
 * The Effect 4 line's cost per backend over HTTP: ../../src/backends.ts's table, with the same method (../../src/http.ts:
 * one served process, interleaved bursts, CPU per request compared in pairs, an A/A control first, the load average
 * at the start and the end), the apps served by ./server.ts under Node 22. The runner itself may run on Node 20 or 22.
 *
 * Run: pnpm --filter @effect-auth/bench bench:effect4  (PAIRS, DURATION, CONNECTIONS; ONLY=auth,basic to run some;
 * NODE22=/path/to/node to skip the look-up of Node 22.23.3 through npx)
 */
import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import { run } from "../../src/http.js"

/** The Node 22 the Effect 4 line needs: `NODE22`, or Node 22.23.3 from npx (fetched once, then cached by npm). */
const node22 = process.env["NODE22"] ??
  execFileSync("npx", ["-y", "node@22.23.3", "-p", "process.execPath"], { encoding: "utf8" }).trim()

const server = { file: fileURLToPath(new URL("./server.ts", import.meta.url)), node: node22 }

const backends: ReadonlyArray<readonly [name: string, variant: string]> = [
  ["core path (middleware, Basic accepting at once, requires)", "auth"],
  ["Basic (cached verification)", "basic"],
  ["Bearer", "bearer"],
  ["API key", "apikey"],
  ["JWT HS256", "jwt-hs256"],
  ["JWT ES256", "jwt-es256"],
  ["JWT ES256, cached JWKS", "jwt-jwks"],
  ["session cookie, memory", "session-memory"]
]

await run("Per backend, Effect 4 line", backends.map(([name, variant]) => [name, "plain", variant] as const), server)
