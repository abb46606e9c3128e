/**
 * @since 0.1.0
 */
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as HttpServerRespondable from "@effect/platform/HttpServerRespondable"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/**
 * A backend's refusal of what the request presented (a malformed header, a bad signature, a wrong password).
 * Handle it with `Effect.catchTag("AuthenticationError", …)` or the middleware's `onError`; left alone it
 * renders as Starlette's default: 400, `text/plain`, the message as the body.
 *
 * @since 0.1.0
 * @category errors
 */
export class AuthenticationError extends Schema.TaggedError<AuthenticationError>(
  "effect-auth/AuthenticationError"
)(
  "AuthenticationError",
  { message: Schema.String },
  HttpApiSchema.annotations({ status: 400, description: "The request's credentials could not be read" })
) implements HttpServerRespondable.Respondable {
  /** @since 0.1.0 */
  [HttpServerRespondable.symbol]() {
    return Effect.succeed(HttpServerResponse.text(this.message, { status: 400 }))
  }
}
