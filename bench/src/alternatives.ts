/**
 * effect-auth against the alternatives, in the same run (after an A/A control): each protected app against its own
 * no-auth app, served from one process the same way (see http.ts for the method). Basic: the password check is the
 * same constant-time comparison in every one. HS256 JWT: the same token (signature and `exp` checked, the algorithm
 * pinned; effect-auth also decodes the claims with a Schema). Sessions: a signed cookie naming a session in the
 * process's memory. What differs is the framework's way of doing authentication.
 *
 * Run: pnpm bench:alternatives  (PAIRS, DURATION, CONNECTIONS; ONLY=basic-equals,hono-basic to run some)
 */
import { run } from "./http.js"

await run("Against the alternatives", [
  ["effect-auth Basic, HttpRouter", "plain", "basic-equals"],
  ["effect-auth Basic, HttpApi (HttpApiAuthentication)", "httpapi-plain", "httpapi-effect-auth"],
  ["HttpApi + HttpApiSecurity.basic", "httpapi-plain", "httpapi-security"],
  ["Fastify 5 + @fastify/basic-auth", "fastify-plain", "fastify-basic"],
  ["Hono + hono/basic-auth", "hono-plain", "hono-basic"],
  ["effect-auth JWT HS256 (@effect-auth/jwt)", "plain", "jwt-hs256"],
  ["Fastify 5 + @fastify/jwt (HS256)", "fastify-plain", "fastify-jwt"],
  ["Hono + hono/jwt (HS256)", "hono-plain", "hono-jwt"],
  ["effect-auth session cookie, memory store", "plain", "session-memory"],
  ["Express 5 + express-session (memory store)", "express-plain", "express-session"]
])
