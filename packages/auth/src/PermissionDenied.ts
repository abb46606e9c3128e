/**
 * @since 0.1.0
 */
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as HttpServerRespondable from "@effect/platform/HttpServerRespondable"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Policy from "./Policy.js"

const reasons: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  410: "Gone",
  429: "Too Many Requests"
}

/**
 * A request that the policy of `requires` denied. It carries the scopes the policy names and renders as the
 * response `requires` asked for: the status (403 `Forbidden` by default, 401 `Unauthorized` with the backend's
 * `WWW-Authenticate` challenge for an anonymous request, 404 `Not Found` to hide the route), or a 303 redirect.
 *
 * `policy` and `clause` (the part of the policy that failed) are for logs and `catchTag` handlers: they are not
 * schema fields, so they never reach a response body.
 *
 * @since 0.1.0
 * @category errors
 */
export class PermissionDenied extends Schema.TaggedError<PermissionDenied>("effect-auth/PermissionDenied")(
  "PermissionDenied",
  {
    /** The scopes the policy names. */
    scopes: Schema.Array(Schema.String),
    /** The status the denial renders with (303 with `redirect`). */
    status: Schema.Int,
    /** Where to send the client instead: the full `Location`, `next` included. */
    redirect: Schema.optional(Schema.String),
    /** The `WWW-Authenticate` challenge of a 401. */
    challenge: Schema.optional(Schema.String)
  },
  HttpApiSchema.annotations({ status: 403, description: "The request lacks a required scope" })
) implements HttpServerRespondable.Respondable {
  /** The policy that denied the request. */
  declare readonly policy?: Policy.Policy<any>
  /** The clause of the policy that failed. */
  declare readonly clause?: Policy.Policy<any>

  /**
   * A denial that remembers the policy and the failing clause (for logs; never rendered).
   *
   * @since 0.1.0
   */
  static fromPolicy(
    fields: ConstructorParameters<typeof PermissionDenied>[0],
    policy: Policy.Policy<any>,
    clause: Policy.Policy<any>
  ): PermissionDenied {
    const error = new PermissionDenied(fields, true)
    Object.defineProperty(error, "policy", { value: policy, enumerable: false })
    Object.defineProperty(error, "clause", { value: clause, enumerable: false })
    return error
  }

  override get message(): string {
    return this.clause === undefined
      ? `Missing required scope: ${this.scopes.join(", ")}`
      : `Denied by ${String(this.clause)}`
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
  const headers = self.challenge === undefined ? undefined : { "www-authenticate": self.challenge }
  const reason = reasons[self.status]
  return reason === undefined
    ? HttpServerResponse.empty({ status: self.status, ...(headers && { headers }) })
    : HttpServerResponse.text(reason, { status: self.status, ...(headers && { headers }) })
}
