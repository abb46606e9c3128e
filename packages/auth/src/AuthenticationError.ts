/**
 * The refusals of credentials: one class per outcome, all tagged `"AuthenticationError"`, so that
 * `Effect.catchTag("AuthenticationError", …)` catches every one of them (Starlette's `AuthenticationError`).
 *
 * @since 0.1.0
 */
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as HttpServerRespondable from "@effect/platform/HttpServerRespondable"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

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
 * @since 0.2.0
 * @category errors
 */
export class InvalidCredentials extends Schema.TaggedError<InvalidCredentials>("effect-auth/InvalidCredentials")(
  "AuthenticationError",
  {
    message: Schema.String,
    /** A `WWW-Authenticate` challenge to send with the 400, e.g. `Bearer error="invalid_request"` (RFC 6750). */
    challenge: Schema.optional(Schema.String)
  },
  HttpApiSchema.annotations({ status: 400, description: "The request's credentials could not be read" })
) implements HttpServerRespondable.Respondable {
  /** @since 0.2.0 */
  static readonly status = 400 as const
  /** @since 0.2.0 */
  get status(): 400 {
    return 400
  }
  /** @since 0.1.0 */
  [HttpServerRespondable.symbol]() {
    return Effect.succeed(render(this))
  }
}

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
 * @since 0.2.0
 * @category errors
 */
export class RejectedCredentials extends Schema.TaggedError<RejectedCredentials>("effect-auth/RejectedCredentials")(
  "AuthenticationError",
  {
    message: Schema.String,
    /** The `WWW-Authenticate` challenge, e.g. `Bearer error="invalid_token"`. */
    challenge: Schema.optional(Schema.String)
  },
  HttpApiSchema.annotations({ status: 401, description: "The request's credentials were refused" })
) implements HttpServerRespondable.Respondable {
  /** @since 0.2.0 */
  static readonly status = 401 as const
  /** @since 0.2.0 */
  get status(): 401 {
    return 401
  }
  /** @since 0.2.0 */
  [HttpServerRespondable.symbol]() {
    return Effect.succeed(render(this))
  }
}

/**
 * Every refusal of credentials. Catch them all with `Effect.catchTag("AuthenticationError", …)`, or one outcome
 * with `Effect.catchIf(isRejectedCredentials, …)`; the middleware's `onError` receives them too.
 *
 * @example
 * ```ts
 * import type { AuthenticationError } from "effect-auth"
 * import { HttpServerResponse } from "@effect/platform"
 *
 * // a JSON body instead of Starlette's text/plain, keeping the status and the challenge
 * const onError = (error: AuthenticationError) =>
 *   HttpServerResponse.unsafeJson({ error: error.message }, {
 *     status: error.status,
 *     headers: error.challenge === undefined ? {} : { "www-authenticate": error.challenge }
 *   })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export type AuthenticationError = InvalidCredentials | RejectedCredentials

/**
 * @since 0.2.0
 * @category guards
 */
export const isAuthenticationError = (u: unknown): u is AuthenticationError =>
  u instanceof InvalidCredentials || u instanceof RejectedCredentials

/**
 * @since 0.2.0
 * @category guards
 */
export const isInvalidCredentials = (u: unknown): u is InvalidCredentials => u instanceof InvalidCredentials

/**
 * @since 0.2.0
 * @category guards
 */
export const isRejectedCredentials = (u: unknown): u is RejectedCredentials => u instanceof RejectedCredentials

/**
 * A server fault that stops the backend from deciding (a key set that cannot be fetched, a store that is down, too
 * much work at once): 503 with `Retry-After`. Never an `AuthenticationError`: the client's credentials may be fine.
 *
 * @since 0.2.0
 * @category errors
 */
export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>("effect-auth/ServiceUnavailable")(
  "ServiceUnavailable",
  {
    /** What failed, for logs; the client only sees `Service Unavailable`. */
    reason: Schema.String,
    /** Seconds after which the client may try again. */
    retryAfter: Schema.optional(Schema.Int)
  },
  HttpApiSchema.annotations({ status: 503, description: "Authentication is unavailable for a while" })
) implements HttpServerRespondable.Respondable {
  /** @since 0.2.0 */
  static readonly status = 503 as const
  /** @since 0.2.0 */
  get status(): 503 {
    return 503
  }
  /** @since 0.2.0 */
  [HttpServerRespondable.symbol]() {
    return Effect.succeed(
      HttpServerResponse.text("Service Unavailable", {
        status: 503,
        headers: { "retry-after": String(this.retryAfter ?? 1) }
      })
    )
  }
}

/**
 * @since 0.2.0
 * @category guards
 */
export const isServiceUnavailable = (u: unknown): u is ServiceUnavailable => u instanceof ServiceUnavailable

const render = (error: AuthenticationError): HttpServerResponse.HttpServerResponse =>
  HttpServerResponse.text(
    error.message,
    error.challenge === undefined
      ? { status: error.status }
      : { status: error.status, headers: { "www-authenticate": error.challenge } }
  )

/**
 * Too many failed attempts lately, for this username or from this address (`Basic`'s `throttle`): 429 with
 * `Retry-After`. Neither a refusal of the credentials (they were not checked) nor a denial, so in neither family: its
 * own `_tag`, like `ServiceUnavailable`.
 *
 * @since 0.2.0
 * @category errors
 */
export class TooManyRequests extends Schema.TaggedError<TooManyRequests>("effect-auth/TooManyRequests")(
  "TooManyRequests",
  {
    /** What was throttled, for logs; the client only sees `Too Many Requests`. */
    reason: Schema.String,
    /** Seconds after which the client may try again. */
    retryAfter: Schema.Int
  },
  HttpApiSchema.annotations({ status: 429, description: "Too many failed attempts; try again later" })
) implements HttpServerRespondable.Respondable {
  /** @since 0.2.0 */
  static readonly status = 429 as const
  /** @since 0.2.0 */
  get status(): 429 {
    return 429
  }
  /** @since 0.2.0 */
  [HttpServerRespondable.symbol]() {
    return Effect.succeed(
      HttpServerResponse.text("Too Many Requests", {
        status: 429,
        headers: { "retry-after": String(this.retryAfter) }
      })
    )
  }
}

/**
 * @since 0.2.0
 * @category guards
 */
export const isTooManyRequests = (u: unknown): u is TooManyRequests => u instanceof TooManyRequests
