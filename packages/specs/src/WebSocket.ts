/**
 * A minimal RFC 6455 client over `node:http`, enough for the specs: open a websocket with chosen headers and follow
 * it to its end. No `ws` package, so that both Effect lines run the same client whatever their dependencies.
 */
import { createHash, randomBytes } from "node:crypto"
import type { IncomingMessage } from "node:http"
import { request } from "node:http"
import type { Duplex } from "node:stream"

/**
 * How a websocket ended: its handshake refused (with the status of the HTTP answer), or opened and closed, with the
 * text messages received, and the close code and reason the server sent (1005 when its close frame had no code,
 * 1006 when the connection ended without one), as the `ws` client reports them.
 */
export type SocketOutcome =
  | { readonly _tag: "Rejected"; readonly status: number }
  | {
    readonly _tag: "Closed"
    readonly code: number
    readonly reason: string
    readonly messages: ReadonlyArray<string>
  }

// the GUID of RFC 6455 §1.3 that proves the server read the key
const handshakeGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

const opcode = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const

/** A client frame: final, masked (RFC 6455 §5.3 requires clients to mask). Payloads here stay under 126 bytes. */
const frame = (op: number, payload: Buffer): Buffer => {
  const mask = randomBytes(4)
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!))
  return Buffer.concat([Buffer.from([0x80 | op, 0x80 | payload.length]), mask, masked])
}

const closeFrame = (code: number, reason: string): Buffer => {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason))
  payload.writeUInt16BE(code, 0)
  payload.write(reason, 2)
  return frame(opcode.close, payload)
}

interface Frame {
  readonly fin: boolean
  readonly op: number
  readonly payload: Buffer
  readonly size: number
}

/** The first complete frame at the start of `buffer`, if it holds one. */
const parseFrame = (buffer: Buffer): Frame | undefined => {
  if (buffer.length < 2) return undefined
  const fin = (buffer[0]! & 0x80) !== 0
  const op = buffer[0]! & 0x0f
  const masked = (buffer[1]! & 0x80) !== 0
  let length = buffer[1]! & 0x7f
  let offset = 2
  if (length === 126) {
    if (buffer.length < 4) return undefined
    length = buffer.readUInt16BE(2)
    offset = 4
  } else if (length === 127) {
    if (buffer.length < 10) return undefined
    length = Number(buffer.readBigUInt64BE(2))
    offset = 10
  }
  const mask = masked ? buffer.subarray(offset, offset + 4) : undefined
  if (mask !== undefined) offset += 4
  if (buffer.length < offset + length) return undefined
  const data = buffer.subarray(offset, offset + length)
  const payload = mask === undefined ? Buffer.from(data) : Buffer.from(data.map((byte, i) => byte ^ mask[i % 4]!))
  return { fin, op, payload, size: offset + length }
}

/**
 * Follows an opened socket: answers pings, collects text messages, answers the first one by closing (1000, "done"),
 * as the test servers send one message, and answers the server's close.
 */
const follow = (socket: Duplex, head: Buffer, resolve: (outcome: SocketOutcome) => void) => {
  const messages: Array<string> = []
  let buffer = head
  let fragments: Array<Buffer> = []
  let closeSent = false
  let code = 1006
  let reason = ""
  const close = (closeCode: number, closeReason: string) => {
    if (closeSent) return
    closeSent = true
    socket.write(closeFrame(closeCode, closeReason))
  }
  const read = () => {
    for (let next = parseFrame(buffer); next !== undefined; next = parseFrame(buffer)) {
      buffer = buffer.subarray(next.size)
      if (next.op === opcode.ping) socket.write(frame(opcode.pong, next.payload))
      else if (next.op === opcode.close) {
        code = next.payload.length >= 2 ? next.payload.readUInt16BE(0) : 1005
        reason = next.payload.subarray(2).toString("utf8")
        close(code === 1005 ? 1000 : code, "")
        socket.end()
        return
      } else if (next.op === opcode.text || next.op === opcode.binary || next.op === opcode.continuation) {
        fragments.push(next.payload)
        if (next.fin) {
          messages.push(Buffer.concat(fragments).toString("utf8"))
          fragments = []
          close(1000, "done")
        }
      }
    }
  }
  socket.on("data", (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk])
    read()
  })
  socket.on("error", () => {})
  socket.on("close", () => resolve({ _tag: "Closed", code, reason, messages }))
  read()
}

/**
 * Opens a websocket to `url` (`http:` or `ws:`) with `headers` and follows it to its end: a refused handshake with
 * its status, or the messages received and the close code and reason. Fails if the server answers the upgrade
 * without the `Sec-WebSocket-Accept` RFC 6455 requires, or `timeoutMs` passes first.
 */
export const connect = (
  url: string,
  headers: Readonly<Record<string, string>> = {},
  timeoutMs = 10_000
): Promise<SocketOutcome> =>
  new Promise<SocketOutcome>((resolve, reject) => {
    const key = randomBytes(16).toString("base64")
    const accept = createHash("sha1").update(key + handshakeGuid).digest("base64")
    const outgoing = request(url.replace(/^ws/, "http"), {
      headers: {
        ...headers,
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-key": key,
        "sec-websocket-version": "13"
      }
    })
    const timer = setTimeout(() => {
      outgoing.destroy()
      reject(new Error(`websocket ${url}: no outcome within ${timeoutMs} ms`))
    }, timeoutMs)
    const settle = (outcome: SocketOutcome) => {
      clearTimeout(timer)
      resolve(outcome)
    }
    outgoing.on("response", (response: IncomingMessage) => {
      response.resume()
      settle({ _tag: "Rejected", status: response.statusCode ?? 0 })
      outgoing.destroy()
    })
    outgoing.on("upgrade", (response: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (response.headers["sec-websocket-accept"] !== accept) {
        clearTimeout(timer)
        socket.destroy()
        reject(new Error(`websocket ${url}: the server did not accept the key`))
        return
      }
      follow(socket, head, settle)
    })
    outgoing.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    outgoing.end()
  })
