import * as Form from "@effect-auth/core/Form"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerRespondable from "@effect/platform/HttpServerRespondable"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Outcome from "./outcome.js"

/**
 * A form body larger than allowed: 413 `Payload Too Large`, refused from its `Content-Length` before any of it is
 * read, or as soon as a body sent without one passes the limit. The connection is closed, so that the client stops
 * sending the rest.
 */
export class PayloadTooLarge extends Outcome.make<PayloadTooLarge>("effect-auth/PayloadTooLarge")("PayloadTooLarge", {
  status: 413,
  description: "The form is larger than allowed",
  fields: { maxBytes: Schema.Int },
  body: "Payload Too Large",
  headers: { connection: "close" },
  decode: () => ({ maxBytes: 0 })
}) {
  override get message(): string {
    return `Form body larger than ${this.maxBytes} bytes`
  }
  override [HttpServerRespondable.symbol]() {
    // `cutShort` is set on the instance by the reader that stopped the body (below), never by a constructor
    return (this as { readonly [cutShort]?: boolean })[cutShort] === true
      ? Effect.succeed(cutShortResponse)
      : super[HttpServerRespondable.symbol]()
  }
}

// A body cut short as it passed the limit: the platform stops it by destroying the connection, then waits for a
// response with a body to be written to it, which never ends on a destroyed connection (the request's fiber, and
// the request with its buffered body, would stay in memory for good). With no body, the platform does not wait.
const cutShort = Symbol.for("effect-auth/PayloadTooLarge/cutShort")
const cutShortResponse = HttpServerResponse.empty({ status: 413, headers: { connection: "close" } })

/** Whether the request says its body is a URL-encoded form (`application/x-www-form-urlencoded`, any parameters). */
export const isUrlEncoded = (request: HttpServerRequest.HttpServerRequest): boolean =>
  Form.isUrlEncoded(request.headers["content-type"])

/**
 * The request's URL-encoded body, read at most once per request (the platform caches the text, so the CSRF check
 * and the handler share one read), `maxBytes` at most: a larger `Content-Length` is refused before reading, a body
 * without one as soon as it passes the limit. `None`-like empty params for a body that is not a form.
 */
export const readUrlParams = (
  request: HttpServerRequest.HttpServerRequest,
  maxBytes: number
): Effect.Effect<URLSearchParams, PayloadTooLarge> => {
  if (Form.declaredTooLarge(request.headers["content-length"], maxBytes)) {
    return Effect.fail(new PayloadTooLarge({ maxBytes }))
  }
  return request.text.pipe(
    HttpIncomingMessage.withMaxBodySize(Option.some(maxBytes)),
    Effect.map((text) => new URLSearchParams(text)),
    // the platform reports an oversized body and a broken one alike; only the first can happen to a body whose
    // length was declared within the limit, and a client that breaks its own upload gets no answer it can read
    Effect.catchAll(() => Effect.fail(Object.assign(new PayloadTooLarge({ maxBytes }), { [cutShort]: true })))
  )
}
