/**
 * The refusals of credentials: one class per outcome, all tagged `"AuthenticationError"`, so that
 * `Effect.catchTag("AuthenticationError", …)` catches every one of them (Starlette's `AuthenticationError`).
 *
 * @since 1.0.0
 */
import * as Effect from "effect/Effect"
import * as HttpServerRespondable from "effect/http/HttpServerRespondable"
import * as Schema from "effect/Schema"
import { cutShort, cutShortResponse } from "./internal/cutShort.js"
import * as Outcome from "./internal/outcome.js"

/**
 * The request's credentials could not be read (a malformed `Authorization` header, bad base64): 400, `text/plain`,
 * the message as the body, as Starlette answers an `AuthenticationError`.
 *
 * @example
 * ```ts
 * import { InvalidCredentials } from "effect-auth"
 *
 * new InvalidCredentials({ message: "Invalid basic auth credentials" }) // 400
 * ```
 *
 * @since 1.0.0
 * @category errors
 */
export class InvalidCredentials extends Outcome.make<InvalidCredentials>("effect-auth/InvalidCredentials")(
  "AuthenticationError",
  {
    status: 400,
    description: "The request's credentials could not be read",
    fields: {
      message: Schema.String,
      /** A `WWW-Authenticate` challenge to send with the 400, e.g. `Bearer error="invalid_request"` (RFC 6750). */
      challenge: Schema.optional(Schema.String)
    },
    body: (error) => error.message,
    headers: (error) => challenged(error.challenge),
    decode: (message) => ({ message })
  }
) {}

/**
 * The request's credentials were read and refused (a bad signature, an expired or unknown token, an unknown API key):
 * 401, `text/plain`, the message as the body, with the `WWW-Authenticate` challenge when the scheme has one.
 *
 * @example
 * ```ts
 * import { RejectedCredentials } from "effect-auth"
 *
 * new RejectedCredentials({ message: "Token expired", challenge: `Bearer error="invalid_token"` }) // 401
 * ```
 *
 * @since 1.0.0
 * @category errors
 */
export class RejectedCredentials extends Outcome.make<RejectedCredentials>("effect-auth/RejectedCredentials")(
  "AuthenticationError",
  {
    status: 401,
    description: "The request's credentials were refused",
    fields: {
      message: Schema.String,
      /** The `WWW-Authenticate` challenge, e.g. `Bearer error="invalid_token"`. */
      challenge: Schema.optional(Schema.String)
    },
    body: (error) => error.message,
    headers: (error) => challenged(error.challenge),
    decode: (message) => ({ message })
  }
) {}

/**
 * Every refusal of credentials. Catch them all with `Effect.catchTag("AuthenticationError", …)`, or one outcome
 * with `Effect.catchIf(isRejectedCredentials, …)`; the middleware's `onError` receives them too.
 *
 * @example
 * ```ts
 * import type { AuthenticationError } from "effect-auth"
 * import { HttpServerResponse } from "effect/http"
 *
 * // a JSON body instead of Starlette's text/plain, keeping the status and the challenge
 * const onError = (error: AuthenticationError) =>
 *   HttpServerResponse.jsonUnsafe({ error: error.message }, {
 *     status: error.status,
 *     headers: error.challenge === undefined ? {} : { "www-authenticate": error.challenge }
 *   })
 * ```
 *
 * @since 1.0.0
 * @category errors
 */
export type AuthenticationError = Outcome.Guarded<typeof isAuthenticationError>

/**
 * Whether `u` is a refusal of credentials: the family's one list of classes, from which its type is derived.
 *
 * @since 1.0.0
 * @category guards
 */
export const isAuthenticationError = Outcome.guard(InvalidCredentials, RejectedCredentials)

/**
 * @since 1.0.0
 * @category guards
 */
export const isInvalidCredentials = (u: unknown): u is InvalidCredentials => u instanceof InvalidCredentials

/**
 * @since 1.0.0
 * @category guards
 */
export const isRejectedCredentials = (u: unknown): u is RejectedCredentials => u instanceof RejectedCredentials

/**
 * A server fault that stops the backend from deciding (a key set that cannot be fetched, a store that is down, too
 * much work at once): 503 with `Retry-After`. Never an `AuthenticationError`: the client's credentials may be fine.
 *
 * @since 1.0.0
 * @category errors
 */
export class ServiceUnavailable extends Outcome.make<ServiceUnavailable>("effect-auth/ServiceUnavailable")(
  "ServiceUnavailable",
  {
    status: 503,
    description: "Authentication is unavailable for a while",
    fields: {
      /** What failed, for logs; the client only sees `Service Unavailable`. */
      reason: Schema.String,
      /** Seconds after which the client may try again. */
      retryAfter: Schema.optional(Schema.Int)
    },
    body: "Service Unavailable",
    headers: (error) => ({ "retry-after": String(error.retryAfter ?? 1) }),
    decode: () => ({ reason: "" })
  }
) {}

/**
 * @since 1.0.0
 * @category guards
 */
export const isServiceUnavailable = (u: unknown): u is ServiceUnavailable => u instanceof ServiceUnavailable

// a refusal's headers: its challenge when the scheme has one
const challenged = (challenge: string | undefined): Record<string, string> | undefined =>
  challenge === undefined ? undefined : { "www-authenticate": challenge }

/**
 * Too many failed attempts lately, for this username or from this address (`Basic`'s `throttle`): 429 with
 * `Retry-After`. Neither a refusal of the credentials (they were not checked) nor a denial, so in neither family: its
 * own `_tag`, like `ServiceUnavailable`.
 *
 * @since 1.0.0
 * @category errors
 */
export class TooManyRequests extends Outcome.make<TooManyRequests>("effect-auth/TooManyRequests")(
  "TooManyRequests",
  {
    status: 429,
    description: "Too many failed attempts; try again later",
    fields: {
      /** What was throttled, for logs; the client only sees `Too Many Requests`. */
      reason: Schema.String,
      /** Seconds after which the client may try again. */
      retryAfter: Schema.Int
    },
    body: "Too Many Requests",
    headers: (error) => ({ "retry-after": String(error.retryAfter) }),
    decode: () => ({ reason: "", retryAfter: 1 })
  }
) {}

/**
 * @since 1.0.0
 * @category guards
 */
export const isTooManyRequests = (u: unknown): u is TooManyRequests => u instanceof TooManyRequests

/**
 * A form body larger than allowed (`Login.readForm`, the `Csrf` check of a form): 413 `Payload Too Large`, refused
 * from its `Content-Length` before any of it is read, or as soon as a body sent without one passes the limit. The
 * connection is closed, so that the client stops sending the rest. Not a refusal of credentials: its own `_tag`.
 *
 * @since 1.0.0
 * @category errors
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
    // `cutShort` is set on the instance by the reader that stopped the body, never by a constructor
    return (this as { readonly [cutShort]?: boolean })[cutShort] === true
      ? Effect.succeed(cutShortResponse)
      : super[HttpServerRespondable.symbol]()
  }
}

/**
 * @since 1.0.0
 * @category guards
 */
export const isPayloadTooLarge = (u: unknown): u is PayloadTooLarge => u instanceof PayloadTooLarge
