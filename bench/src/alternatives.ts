/**
 * effect-auth against the alternatives, in the same run: each Basic-protected app against its own no-auth app,
 * served from one process the same way (see http.ts for the method). The password check is the same constant-time
 * comparison in every one, so what differs is the framework's way of doing authentication.
 *
 * Run: pnpm bench:alternatives  (PAIRS, DURATION, CONNECTIONS; ONLY=basic-equals,hono-basic to run some)
 */
import { compare, heading, table } from "./http.js"

const pairs: ReadonlyArray<readonly [name: string, base: string, variant: string]> = [
  ["effect-auth Basic, HttpRouter", "plain", "basic-equals"],
  ["effect-auth Basic, HttpApi (HttpApiAuthentication)", "httpapi-plain", "httpapi-effect-auth"],
  ["HttpApi + HttpApiSecurity.basic", "httpapi-plain", "httpapi-security"],
  ["Fastify 5 + @fastify/basic-auth", "fastify-plain", "fastify-basic"],
  ["Hono + hono/basic-auth", "hono-plain", "hono-basic"]
]

const only = process.env["ONLY"]?.split(",")
console.log(`## Against the alternatives\n\n${heading()}\n`)
const rows = []
for (const [name, base, variant] of pairs) {
  if (only !== undefined && !only.includes(variant)) continue
  rows.push(await compare(name, base, variant))
}
console.log(table(rows))
