import * as Effect from "effect/Effect"
import WebSocket from "ws"

export { type Reply, request, serve } from "effect-auth/NodeTesting"

export const basic = (username: string, password: string): Record<string, string> => ({
  authorization: `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`
})

export type SocketOutcome =
  | { readonly _tag: "Rejected"; readonly status: number }
  | {
    readonly _tag: "Closed"
    readonly code: number
    readonly reason: string
    readonly messages: ReadonlyArray<string>
  }

/**
 * Opens a websocket with the `ws` client and follows it to its end: a rejected handshake (with its status),
 * or the messages received and the close code and reason.
 */
export const connect = (
  url: string,
  headers: Record<string, string> = {}
): Effect.Effect<SocketOutcome> =>
  Effect.callback<SocketOutcome>((resume) => {
    const socket = new WebSocket(url.replace(/^http/, "ws"), { headers })
    const messages: Array<string> = []
    socket.on("unexpected-response", (_request, response) => {
      resume(Effect.succeed({ _tag: "Rejected", status: response.statusCode ?? 0 }))
      socket.terminate()
    })
    socket.on("message", (data) => {
      messages.push(String(data))
      // the test servers send one message; answering closes cleanly
      socket.close(1000, "done")
    })
    socket.on("close", (code, reason) => {
      resume(Effect.succeed({ _tag: "Closed", code, reason: String(reason), messages }))
    })
    socket.on("error", () => {})
    return Effect.sync(() => socket.terminate())
  })
