/**
 * The libraries people would otherwise use, for context, each a one-route app that answers "hello", plain and behind
 * authentication: Fastify 5 (+ `@fastify/basic-auth`, + `@fastify/jwt`), Hono (+ `hono/basic-auth`, + `hono/jwt`, on
 * `@hono/node-server`) and Express 5 (+ `express-session` in its memory store). The Basic ones use the same
 * constant-time password comparison as effect-auth's `basic-equals` variant; the JWT ones verify an HS256 token
 * signed with the same secret as effect-auth's `jwt-hs256` (signature and `exp`, algorithm pinned to HS256); the
 * session one reads a session that a login made at start-up. `server.ts` serves them from one process, as it does
 * the Effect apps.
 */
import fastifyBasicAuth from "@fastify/basic-auth"
import fastifyJwt from "@fastify/jwt"
import { serve as serveHono } from "@hono/node-server"
import express from "express"
import session from "express-session"
import Fastify from "fastify"
import { Hono } from "hono"
import { basicAuth } from "hono/basic-auth"
import { jwt } from "hono/jwt"
import { SignJWT } from "jose"
import { timingSafeEqual } from "node:crypto"
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"
import { jwtSecret } from "./fixtures.js"

declare module "express-session" {
  interface SessionData {
    user: string
  }
}

const username = "alice"
const password = "wonderland"
const basicHeader = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`
const expected = Buffer.from(password)

// constant time when the lengths match, as `Password.equals` is
const equals = (given: string): boolean => {
  const bytes = Buffer.from(given)
  return bytes.length === expected.length && timingSafeEqual(bytes, expected)
}

// the token effect-auth's jwt-hs256 variant is sent: HS256, `sub`, a `scope` claim, two hours to live
const bearer = async (): Promise<Record<string, string>> => {
  const token = await new SignJWT({ scope: "authenticated" }).setProtectedHeader({ alg: "HS256" }).setSubject(username)
    .setExpirationTime("2h").sign(new TextEncoder().encode(jwtSecret))
  return { authorization: `Bearer ${token}` }
}

/** A served app: its port and what its client sends. */
interface Served {
  readonly port: number
  readonly headers: Record<string, string>
}

const fastify = async (auth: "none" | "basic" | "jwt"): Promise<Served> => {
  const app = Fastify({ logger: false })
  if (auth === "basic") {
    await app.register(fastifyBasicAuth, {
      authenticate: true,
      validate: async (_username, given) => {
        if (!equals(given)) throw new Error("Unauthorized")
      }
    })
    app.addHook("onRequest", app.basicAuth)
  }
  if (auth === "jwt") {
    await app.register(fastifyJwt, { secret: jwtSecret, verify: { algorithms: ["HS256"] } })
    // the plugin's documented guard: verify on every request, 401 on any failure
    app.addHook("onRequest", async (request, reply) => {
      try {
        await request.jwtVerify()
      } catch {
        return reply.code(401).send()
      }
    })
  }
  app.get("/", async () => "hello")
  await app.listen({ host: "127.0.0.1", port: 0 })
  const port = (app.server.address() as AddressInfo).port
  return { port, headers: auth === "basic" ? { authorization: basicHeader } : auth === "jwt" ? await bearer() : {} }
}

const hono = async (auth: "none" | "basic" | "jwt"): Promise<Served> => {
  const app = new Hono()
  if (auth === "basic") {
    app.use("/", basicAuth({ verifyUser: (name, given) => name === username && equals(given) }))
  }
  if (auth === "jwt") app.use("/", jwt({ secret: jwtSecret, alg: "HS256" }))
  app.get("/", (c) => c.text("hello"))
  const port = await new Promise<number>((resolve) => {
    serveHono({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => resolve(info.port))
  })
  return { port, headers: auth === "basic" ? { authorization: basicHeader } : auth === "jwt" ? await bearer() : {} }
}

// Express 5 and express-session as its README sets it up: the memory store, a signed cookie, no session saved until
// the login writes one; the route refuses a request whose session has no user
const expressApp = async (auth: "none" | "session"): Promise<Served> => {
  const app = express()
  app.disable("x-powered-by")
  if (auth === "session") {
    app.use(session({
      secret: "a session secret of 32 bytes or more, for the bench",
      resave: false,
      saveUninitialized: false,
      cookie: { httpOnly: true, sameSite: "lax", secure: false }
    }))
    app.post("/login", (request, response) => {
      request.session.regenerate((error) => {
        if (error) {
          response.status(500).end()
          return
        }
        request.session.user = username
        response.send("signed in")
      })
    })
    app.use((request, response, next) => {
      if (request.session.user === undefined) response.status(401).end()
      else next()
    })
  }
  app.get("/", (_request, response) => {
    response.send("hello")
  })
  const server = await new Promise<Server>((resolve) => {
    const listening: Server = app.listen(0, "127.0.0.1", () => resolve(listening))
  })
  const port = (server.address() as AddressInfo).port
  if (auth === "none") return { port, headers: {} }
  // the login, once: its cookie is what the client sends from then on
  const login = await fetch(`http://127.0.0.1:${port}/login`, { method: "POST" })
  await login.text()
  const cookie = login.headers.get("set-cookie")?.split(";")[0]
  if (login.status !== 200 || cookie === undefined) throw new Error(`express login: ${login.status}`)
  return { port, headers: { cookie } }
}

const servers: Record<string, () => Promise<Served>> = {
  "fastify-plain": () => fastify("none"),
  "fastify-basic": () => fastify("basic"),
  "fastify-jwt": () => fastify("jwt"),
  "hono-plain": () => hono("none"),
  "hono-basic": () => hono("basic"),
  "hono-jwt": () => hono("jwt"),
  "express-plain": () => expressApp("none"),
  "express-session": () => expressApp("session")
}

/** Whether `server.ts` serves this variant from here. */
export const has = (name: string): boolean => servers[name] !== undefined

/**
 * Serves each named app on 127.0.0.1 on a free port, and answers its port and the headers its client sends.
 */
export const serve = (names: ReadonlyArray<string>): Promise<Array<Served>> =>
  Promise.all(names.map((name) => {
    const server = servers[name]
    if (server === undefined) throw new Error(`unknown variant ${name}`)
    return server()
  }))
