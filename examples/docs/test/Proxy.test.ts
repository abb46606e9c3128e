/**
 * docs/security.md, "Behind a proxy" (src/Proxy.ts), through a real server: the proxy on 127.0.0.1 says who the
 * client is; a client that connects directly (from 127.0.0.2) cannot.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { AuthenticationBackend } from "effect-auth"
import { serve } from "effect-auth/NodeTesting"
import { request as httpRequest } from "node:http"
import { proxiedApp } from "../src/Proxy.js"

// a GET from a chosen local address (any of 127.0.0.0/8 reaches the server): `fetch` cannot choose it
const getFrom = (url: string, localAddress: string, headers: Record<string, string>) =>
  Effect.async<string>((resume) => {
    const outgoing = httpRequest(url, { localAddress, headers, agent: false }, (response) => {
      let body = ""
      response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk))
      response.on("end", () => resume(Effect.succeed(body)))
    })
    outgoing.on("error", (error) => resume(Effect.die(error)))
    outgoing.end()
    return Effect.sync(() => outgoing.destroy())
  })

describe("docs: behind a proxy", () => {
  it.scoped("the trusted proxy's headers name the client; a stranger's are ignored", () =>
    Effect.gen(function*() {
      const url = yield* serve(proxiedApp).pipe(Effect.provide(AuthenticationBackend.layer(Effect.succeedNone)))
      const forwarded = { "x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https" }
      assert.strictEqual(yield* getFrom(`${url}/client`, "127.0.0.1", forwarded), "203.0.113.7 over https")
      assert.strictEqual(yield* getFrom(`${url}/client`, "127.0.0.2", forwarded), "127.0.0.2 over http")
    }))
})
