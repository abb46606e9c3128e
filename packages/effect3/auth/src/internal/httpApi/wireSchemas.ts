import * as Schema from "effect/Schema"
import * as AuthenticationError from "../../AuthenticationError.js"
import * as PermissionDenied from "../../PermissionDenied.js"
import * as Outcome from "../outcome.js"

// each outcome's response as HttpApi lists it, derived from the outcome's own definition (its status, its body and
// its description): what the document says is what the class renders

/** A 401: `Unauthorized` for a denial, or the message of refused credentials; one `text/plain` response for both. */
export const UnauthorizedSchema: Schema.Schema<
  PermissionDenied.Unauthorized | AuthenticationError.RejectedCredentials,
  string
> = Outcome.text(
  [PermissionDenied.Unauthorized, AuthenticationError.RejectedCredentials],
  "Authentication is required (see WWW-Authenticate), or the credentials were refused"
)

export const ForbiddenSchema: Schema.Schema<PermissionDenied.Forbidden, string> = Outcome.text([
  PermissionDenied.Forbidden
])

export const NotFoundSchema: Schema.Schema<PermissionDenied.NotFound, void> = Outcome.empty(PermissionDenied.NotFound)

export const LoginRedirectSchema: Schema.Schema<PermissionDenied.LoginRedirect, void> = Outcome.empty(
  PermissionDenied.LoginRedirect
)

/** What the authentication middleware fails with. */
export const Failure = Schema.Union(
  Outcome.text([AuthenticationError.InvalidCredentials]),
  UnauthorizedSchema,
  Outcome.text([AuthenticationError.ServiceUnavailable]),
  Outcome.text([AuthenticationError.TooManyRequests])
)
