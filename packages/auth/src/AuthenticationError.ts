/**
 * @since 0.1.0
 */
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as HttpServerRespondable from "@effect/platform/HttpServerRespondable"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/**
 * A backend's refusal of what the request presented (a malformed header, a bad signature, an expired token).
 * Handle it with `Effect.catchTag("AuthenticationError", …)` or the middleware's `onError`; left alone it
 * renders as Starlette's default: 400, `text/plain`, the message as the body.
 *
 * A backend may give another `status` (401 for a rejected token) and a `challenge` for the
 * `WWW-Authenticate` header (e.g. `Bearer error="invalid_token"`).
 *
 * @example
 * ```ts
 * import { AuthenticationError } from "effect-auth"
 *
 * new AuthenticationError({ message: "Invalid basic auth credentials" }) // 400
 * new AuthenticationError({ message: "Token expired", status: 401, challenge: `Bearer error="invalid_token"` })
 * ```
 *
 * @since 0.1.0
 * @category errors
 */
export class AuthenticationError extends Schema.TaggedError<AuthenticationError>(
  "effect-auth/AuthenticationError"
)(
  "AuthenticationError",
  {
    message: Schema.String,
    status: Schema.optional(Schema.Int),
    challenge: Schema.optional(Schema.String)
  },
  HttpApiSchema.annotations({ status: 400, description: "The request's credentials could not be read" })
) implements HttpServerRespondable.Respondable {
  /** @since 0.1.0 */
  [HttpServerRespondable.symbol]() {
    return Effect.succeed(
      HttpServerResponse.text(this.message, {
        status: this.status ?? 400,
        ...(this.challenge === undefined ? {} : { headers: { "www-authenticate": this.challenge } })
      })
    )
  }
}
