import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { JSONWebKeySet } from "jose"
import { createServer } from "node:http"

export { request, serve } from "effect-auth/NodeTesting"

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` })

export interface JwksServer {
  readonly url: string
  /** How many requests the endpoint has had (a 404 for any path but /jwks.json). */
  readonly fetches: () => number
  /** What the server answers from now on. */
  readonly publish: (keys: JSONWebKeySet) => void
}

/** A real JWKS endpoint (plain node:http) on 127.0.0.1, counting the fetches, for the life of the scope. */
export const jwksServer = (initial: JSONWebKeySet): Effect.Effect<JwksServer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.callback<{ readonly server: ReturnType<typeof createServer>; readonly jwks: JwksServer }>((resume) => {
      let keys = initial
      let fetches = 0
      const server = createServer((req, res) => {
        fetches++
        if (req.url !== "/jwks.json") {
          res.writeHead(404).end()
          return
        }
        res.writeHead(200, { "content-type": "application/jwk-set+json" }).end(JSON.stringify(keys))
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const port = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({
          server,
          jwks: {
            url: `http://127.0.0.1:${port}/jwks.json`,
            fetches: () => fetches,
            publish: (next) => {
              keys = next
            }
          }
        }))
      })
    }),
    ({ server }) =>
      Effect.callback<void>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map(({ jwks }) => jwks))
