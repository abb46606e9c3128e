import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { Agent, request as httpRequest } from "node:http"
import { setFlagsFromString } from "node:v8"
import { runInNewContext } from "node:vm"

/** What {@link send} answers: the status, the headers, the body, and which connection carried the request. */
export interface KeptReply {
  readonly status: number
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  readonly body: string
  /** A number per client socket: requests that share one went over one kept-alive connection. */
  readonly socket: number
}

// `reusedSocket` is not set on a request that waited in the agent's queue for a socket: count sockets instead
const socketIds = new WeakMap<object, number>()
let nextSocketId = 0
const socketId = (socket: object): number => {
  let id = socketIds.get(socket)
  if (id === undefined) {
    id = nextSocketId++
    socketIds.set(socket, id)
  }
  return id
}

/**
 * A keep-alive `http.Agent` for the life of the scope: at most `maxSockets` connections, each carrying many requests
 * one after another (what load balancers and browsers do), so that a fault that leaks one request's state into the
 * next on the same connection shows.
 */
export const keepAliveAgent = (maxSockets = 50): Effect.Effect<Agent, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => new Agent({ keepAlive: true, maxSockets })),
    (agent) => Effect.sync(() => agent.destroy())
  )

/**
 * A request with `node:http` (any method, headers of any size, a body of any size), through `agent` (a new
 * connection when it is `false`). A connection the server breaks is a `Left` with the error's code, not a defect.
 */
export const send = (
  url: string,
  init: {
    readonly agent?: Agent | false | undefined
    readonly method?: string | undefined
    readonly headers?: Record<string, string> | undefined
    readonly body?: string | Buffer | undefined
  } = {}
): Effect.Effect<KeptReply, string> =>
  Effect.callback<KeptReply, string>((resume) => {
    const outgoing = httpRequest(
      url,
      { method: init.method ?? "GET", headers: init.headers ?? {}, agent: init.agent ?? false },
      (response) => {
        const chunks: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => chunks.push(chunk))
        response.on("end", () =>
          resume(Effect.succeed({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString("utf8"),
            socket: socketId(outgoing.socket!)
          })))
        response.on("error", (error: NodeJS.ErrnoException) => resume(Effect.fail(error.code ?? error.message)))
      }
    )
    outgoing.on("error", (error: NodeJS.ErrnoException) => resume(Effect.fail(error.code ?? error.message)))
    outgoing.end(init.body)
    return Effect.sync(() => outgoing.destroy())
  })

/** {@link send} through `agent`, a GET: a broken connection is a defect here (the tests expect none). */
export const get = (agent: Agent, url: string, headers: Record<string, string> = {}): Effect.Effect<KeptReply> =>
  Effect.orDie(send(url, { agent, headers }))

/**
 * The heap in use after a full collection, when a collection can be forced: V8's `gc` is made reachable at run
 * time (`--expose-gc` cannot be passed to the test workers from here), else `undefined`.
 */
export const heapAfterGc: () => number | undefined = (() => {
  let gc: (() => void) | undefined
  try {
    setFlagsFromString("--expose-gc")
    gc = runInNewContext("gc") as () => void
  } catch {
    gc = undefined
  }
  return () => {
    if (gc === undefined) return undefined
    gc()
    gc()
    return process.memoryUsage().heapUsed
  }
})()

/** The `n` users of a load test: `user-000` … */
export const userNames = (n: number): ReadonlyArray<string> =>
  Array.from({ length: n }, (_, i) => `user-${String(i).padStart(3, "0")}`)

/**
 * The order in which 2,000 requests from `users` are sent: every user many times, interleaved (a stride prime to the
 * count), so that consecutive requests on one connection come from different users.
 */
export const interleaved = (users: ReadonlyArray<string>, requests: number): ReadonlyArray<string> =>
  Array.from({ length: requests }, (_, i) => users[(i * 7919) % users.length]!)
