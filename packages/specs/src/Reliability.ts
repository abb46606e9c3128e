/**
 * The client of the reliability specs, plain Node: requests with `node:http` over kept-alive connections (any method,
 * headers and bodies of any size, which `fetch` refuses), the heap after a forced collection, and the users of a load
 * test. Each line wraps {@link send} in its own Effect (packages/effect{3,4}/auth/test/utils/reliability.ts).
 */
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

/** A request {@link send} sends: GET with no headers and no body over a new connection, unless said otherwise. */
export interface SendInit {
  readonly agent?: Agent | false | undefined
  readonly method?: string | undefined
  readonly headers?: Record<string, string> | undefined
  readonly body?: string | Buffer | undefined
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
 * A keep-alive `http.Agent`: at most `maxSockets` connections, each carrying many requests one after another (what
 * load balancers and browsers do), so that a fault that leaks one request's state into the next on the same
 * connection shows. Its owner destroys it.
 */
export const keepAliveAgent = (maxSockets = 50): Agent => new Agent({ keepAlive: true, maxSockets })

/**
 * A request with `node:http` through `init.agent` (a new connection when absent). A connection the server breaks
 * rejects with the error's code (a string); `signal` aborting destroys the request (the client goes away).
 */
export const send = (
  url: string,
  init: SendInit = {},
  signal?: AbortSignal
): Promise<KeptReply> =>
  new Promise<KeptReply>((resolve, reject) => {
    const outgoing = httpRequest(
      url,
      { method: init.method ?? "GET", headers: init.headers ?? {}, agent: init.agent ?? false },
      (response) => {
        const chunks: Array<Buffer> = []
        response.on("data", (chunk: Buffer) => chunks.push(chunk))
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString("utf8"),
            socket: socketId(outgoing.socket!)
          }))
        response.on("error", (error: NodeJS.ErrnoException) => reject(error.code ?? error.message))
      }
    )
    outgoing.on("error", (error: NodeJS.ErrnoException) => reject(error.code ?? error.message))
    signal?.addEventListener("abort", () => outgoing.destroy(), { once: true })
    outgoing.end(init.body)
  })

/** {@link send}, answering the status or the code of the error that broke the connection. */
export const outcome = (url: string, init: SendInit = {}): Promise<number | string> =>
  send(url, init).then((reply) => reply.status, (code: string) => code)

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

/** Runs `task` on each of `items`, at most `concurrency` at a time, the results in order. */
export const forEachLimited = async <A, B>(
  items: ReadonlyArray<A>,
  concurrency: number,
  task: (item: A, index: number) => Promise<B>
): Promise<Array<B>> => {
  const results = new Array<B>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await task(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker))
  return results
}

/** The `n` users of a load test: `user-000` … */
export const userNames = (n: number): ReadonlyArray<string> =>
  Array.from({ length: n }, (_, i) => `user-${String(i).padStart(3, "0")}`)

/**
 * The order in which 2,000 requests from `users` are sent: every user many times, interleaved (a stride prime to the
 * count), so that consecutive requests on one connection come from different users.
 */
export const interleaved = (users: ReadonlyArray<string>, requests: number): ReadonlyArray<string> =>
  Array.from({ length: requests }, (_, i) => users[(i * 7919) % users.length]!)
