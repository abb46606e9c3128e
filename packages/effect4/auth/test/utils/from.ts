import * as Effect from "effect/Effect"
import { request as httpRequest } from "node:http"

/** What {@link requestFrom} answers. */
export interface FromReply {
  readonly status: number
  readonly retryAfter: string | undefined
  readonly body: string
}

/**
 * A GET over a new connection from `localAddress` (any of 127.0.0.0/8 reaches a server on 127.0.0.1), so that the
 * server sees that client address: `fetch` cannot choose its source address.
 */
export const requestFrom = (
  url: string,
  localAddress: string,
  headers: Record<string, string> = {}
): Effect.Effect<FromReply> =>
  Effect.callback<FromReply>((resume) => {
    const outgoing = httpRequest(url, { localAddress, headers, agent: false }, (response) => {
      let body = ""
      response.setEncoding("utf8")
      response.on("data", (chunk: string) => {
        body += chunk
      })
      response.on("end", () => {
        const retryAfter = response.headers["retry-after"]
        resume(Effect.succeed({ status: response.statusCode ?? 0, retryAfter, body }))
      })
    })
    outgoing.on("error", (error) => resume(Effect.die(error)))
    outgoing.end()
    return Effect.sync(() => outgoing.destroy())
  })
