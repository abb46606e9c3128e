/**
 * docs/errors.md: each excerpt there stands in this file, and examples/docs/test/Errors.test.ts serves it
 * through a real server.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Option } from "effect"
import {
  AuthCredentials,
  AuthenticationBackend,
  AuthenticationMiddleware,
  Bearer,
  isForbidden,
  isRejectedCredentials,
  Password,
  requires,
  ServiceUnavailable,
  SimpleUser
} from "effect-auth"
import * as ErrorResponse from "effect-auth/ErrorResponse"

// --- a backend that can fail in each way ---------------------------------------------------------------------------

// "t0ken" is accepted, "down" stands for a user store that cannot be reached, anything else is refused
export const TokensLive = Bearer.layer({
  realm: "docs",
  verify: (token) =>
    Password.equals(token, "down")
      ? Effect.fail(new ServiceUnavailable({ reason: "user store unreachable", retryAfter: 5 }))
      : Effect.succeed(
        Password.equals(token, "t0ken")
          ? Option.some([new AuthCredentials(["authenticated"]), new SimpleUser("robot")] as const)
          : Option.none()
      )
})

export const errorsRouter = HttpRouter.empty.pipe(
  HttpRouter.get("/admin", HttpServerResponse.text("admin").pipe(requires("admin"))),
  HttpRouter.get(
    "/reports",
    HttpServerResponse.text("reports").pipe(
      requires("reports"),
      // one outcome: a signed-in user without the scope gets a page; every other denial renders as it would
      Effect.catchIf(
        isForbidden,
        (denied) => HttpServerResponse.text(`you need: ${denied.scopes.join(", ")}`, { status: 403 })
      )
    )
  ),
  HttpRouter.get(
    "/feed",
    HttpServerResponse.text("feed").pipe(
      requires("authenticated"),
      // the whole family: whatever the denial, an empty feed, with the denial's status and headers
      Effect.catchTag("PermissionDenied", (denied) => ErrorResponse.withBody(denied, { json: [] }))
    )
  )
)

// --- Starlette's on_error ------------------------------------------------------------------------------------------

// JSON instead of text/plain; ErrorResponse.withBody keeps each error's status and headers (WWW-Authenticate, and
// Retry-After for a 503)
export const jsonErrors = AuthenticationMiddleware.make({
  onError: (error, request) =>
    Effect.zipRight(
      Effect.logInfo(`refused credentials on ${request.url}`),
      ErrorResponse.withBody(error, {
        json: { error: error._tag === "ServiceUnavailable" ? "try again later" : error.message }
      })
    )
})

export const withJsonErrors = jsonErrors(errorsRouter)

// --- or the error channel ------------------------------------------------------------------------------------------

// without onError the errors stay typed: catch the whole family by its tag, or one outcome by its guard
export const caught = AuthenticationMiddleware(errorsRouter).pipe(
  Effect.catchIf(
    isRejectedCredentials,
    (error) => HttpServerResponse.text(`${error.message}: get a new token at /token`, { status: 401 })
  ),
  Effect.catchTag("AuthenticationError", (error) => HttpServerResponse.text(error.message, { status: error.status }))
)

// --- a backend of your own that declares a challenge ---------------------------------------------------------------

// the challenge makes `requires` answer anonymous denials with 401 and this WWW-Authenticate header
export const ChallengeLive = AuthenticationBackend.layer(
  Effect.map(HttpServerRequest.HttpServerRequest, () => Option.none()),
  { challenge: `Custom realm="docs"` }
)
