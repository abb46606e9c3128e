/**
 * The libraries people would otherwise use, for context: Fastify 5 (+ `@fastify/basic-auth`) and Hono (+
 * `hono/basic-auth`, on `@hono/node-server`), each a one-route app that answers "hello", plain and behind Basic with
 * the same constant-time password comparison as effect-auth's `basic-equals` variant. `server.ts` serves them from
 * one process, as it does the Effect apps.
 */
import fastifyBasicAuth from "@fastify/basic-auth"
import { serve as serveHono } from "@hono/node-server"
import Fastify from "fastify"
import { Hono } from "hono"
import { basicAuth } from "hono/basic-auth"
import { timingSafeEqual } from "node:crypto"
import type { AddressInfo } from "node:net"

const username = "alice"
const password = "wonderland"
const basicHeader = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`
const expected = Buffer.from(password)

// constant time when the lengths match, as `Password.equals` is
const equals = (given: string): boolean => {
  const bytes = Buffer.from(given)
  return bytes.length === expected.length && timingSafeEqual(bytes, expected)
}

const fastify = async (auth: boolean): Promise<number> => {
  const app = Fastify({ logger: false })
  if (auth) {
    await app.register(fastifyBasicAuth, {
      authenticate: true,
      validate: async (_username, given) => {
        if (!equals(given)) throw new Error("Unauthorized")
      }
    })
    app.addHook("onRequest", app.basicAuth)
  }
  app.get("/", async () => "hello")
  await app.listen({ host: "127.0.0.1", port: 0 })
  return (app.server.address() as AddressInfo).port
}

const hono = (auth: boolean): Promise<number> => {
  const app = new Hono()
  if (auth) {
    app.use("/", basicAuth({ verifyUser: (name, given) => name === username && equals(given) }))
  }
  app.get("/", (c) => c.text("hello"))
  return new Promise((resolve) => {
    serveHono({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) => resolve(info.port))
  })
}

const servers: Record<string, () => Promise<number>> = {
  "fastify-plain": () => fastify(false),
  "fastify-basic": () => fastify(true),
  "hono-plain": () => hono(false),
  "hono-basic": () => hono(true)
}

/**
 * Serves each named app on 127.0.0.1 on a free port, and answers its port and the headers its client sends.
 */
export const serve = (
  names: ReadonlyArray<string>
): Promise<Array<{ readonly port: number; readonly headers: Record<string, string> }>> =>
  Promise.all(names.map(async (name) => {
    const server = servers[name]
    if (server === undefined) throw new Error(`unknown variant ${name}`)
    return { port: await server(), headers: name.endsWith("-basic") ? { authorization: basicHeader } : {} }
  }))
