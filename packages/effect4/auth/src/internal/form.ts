import * as Form from "@effect-auth/core/Form"
import * as ByteSize from "effect/ByteSize"
import * as Effect from "effect/Effect"
import * as HttpIncomingMessage from "effect/http/HttpIncomingMessage"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import { PayloadTooLarge } from "../AuthenticationError.js"
import { cutShort } from "./cutShort.js"

/** Whether the request says its body is a URL-encoded form (`application/x-www-form-urlencoded`, any parameters). */
export const isUrlEncoded = (request: HttpServerRequest.HttpServerRequest): boolean =>
  Form.isUrlEncoded(request.headers["content-type"])

/**
 * The request's URL-encoded body, read at most once per request (the platform caches the body, so the CSRF check
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
    // the limit is read when the body is first read (a reference, where Effect 3 had a FiberRef)
    Effect.provideService(HttpIncomingMessage.MaxBodySize, ByteSize.bytes(maxBytes)),
    Effect.map((text) => new URLSearchParams(text)),
    // the platform reports an oversized body and a broken one alike; only the first can happen to a body whose
    // length was declared within the limit, and a client that breaks its own upload gets no answer it can read
    Effect.catch(() => Effect.fail(Object.assign(new PayloadTooLarge({ maxBytes }), { [cutShort]: true })))
  )
}
