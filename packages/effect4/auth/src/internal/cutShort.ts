import * as HttpServerResponse from "effect/http/HttpServerResponse"

/**
 * Marks a `PayloadTooLarge` whose body was cut short as it passed the limit. The platform stops such a body by
 * destroying the connection, then waits for a response with a body to be written to it, which never ends on a
 * destroyed connection (the request's fiber, and the request with its buffered body, would stay in memory for good).
 * With no body, the platform does not wait: such an error renders `cutShortResponse`.
 */
export const cutShort = Symbol.for("effect-auth/PayloadTooLarge/cutShort")

export const cutShortResponse = HttpServerResponse.empty({ status: 413, headers: { connection: "close" } })
