/**
 * @since 0.1.0
 */
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as HttpServerRespondable from "@effect/platform/HttpServerRespondable"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

const reasons: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  410: "Gone",
  429: "Too Many Requests"
}

/**
 * A request that lacks the scopes a handler `requires`. It carries the required scopes and renders as the
 * response `requires` asked for: the status (403 `Forbidden` by default, 404 `Not Found` to hide the route),
 * or a 303 redirect to `redirect`.
 *
 * @since 0.1.0
 * @category errors
 */
export class PermissionDenied extends Schema.TaggedError<PermissionDenied>("effect-auth/PermissionDenied")(
  "PermissionDenied",
  {
    /** The scopes the handler requires. */
    scopes: Schema.Array(Schema.String),
    /** The status the denial renders with (ignored when `redirect` is set). */
    status: Schema.Int,
    /** Where to send the client instead: the full `Location`, `next` included. */
    redirect: Schema.optional(Schema.String)
  },
  HttpApiSchema.annotations({ status: 403, description: "The request lacks a required scope" })
) implements HttpServerRespondable.Respondable {
  override get message(): string {
    return `Missing required scope: ${this.scopes.join(", ")}`
  }
  /** @since 0.1.0 */
  [HttpServerRespondable.symbol]() {
    return Effect.succeed(toResponse(this))
  }
}

const toResponse = (self: PermissionDenied): HttpServerResponse.HttpServerResponse => {
  if (self.redirect !== undefined) {
    return HttpServerResponse.empty({ status: 303, headers: { location: self.redirect } })
  }
  const reason = reasons[self.status]
  return reason === undefined
    ? HttpServerResponse.empty({ status: self.status })
    : HttpServerResponse.text(reason, { status: self.status })
}
