/**
 * @since 0.1.0
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import { AuthCredentials } from "./AuthCredentials.js"
import type { AuthResult } from "./AuthenticationBackend.js"
import { AuthenticationBackend } from "./AuthenticationBackend.js"
import type { AuthenticationError } from "./AuthenticationError.js"
import type { CurrentCredentials, CurrentUser } from "./CurrentUser.js"
import { attachAuth } from "./internal/provide.js"
import { UnauthenticatedUser } from "./User.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface AuthenticationMiddlewareOptions<EH, RH> {
  /**
   * Starlette's `on_error`: the response for a request whose credentials the backend refused.
   * Without it the `AuthenticationError` stays in the error channel (catch it with `Effect.catchTag`),
   * and renders as 400 `text/plain` when nothing handles it.
   */
  readonly onError?:
    | ((
      error: AuthenticationError,
      request: HttpServerRequest.HttpServerRequest
    ) => Effect.Effect<HttpServerResponse.HttpServerResponse, EH, RH>)
    | undefined
}

const anonymousCredentials = new AuthCredentials()
const anonymousUser = new UnauthenticatedUser()

const internalServerError = HttpServerResponse.text("Internal Server Error", { status: 500 })

const make = <EH, RH>(options: AuthenticationMiddlewareOptions<EH, RH>) => {
  const onError = options.onError
  return <E, R>(app: HttpApp.Default<E, R>) => {
    const onFailure = (
      cause: Cause.Cause<AuthenticationError>
    ): Effect.Effect<HttpServerResponse.HttpServerResponse, AuthenticationError | EH, RH | HttpServerRequest.HttpServerRequest> => {
      const failure = Cause.failureOption(cause)
      if (failure._tag === "Some") {
        return onError === undefined
          ? Effect.fail(failure.value)
          : Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => onError(failure.value, request))
      }
      if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
      // A bug in the backend, not a refusal: log it in full, answer without a stack or a secret.
      return Effect.as(Effect.logError("AuthenticationBackend failed unexpectedly", cause), internalServerError)
    }
    const onSuccess = (result: AuthResult): HttpApp.Default<E, Exclude<R, CurrentUser | CurrentCredentials>> =>
      result._tag === "None"
        ? attachAuth(app, anonymousCredentials, anonymousUser)
        : attachAuth(app, result.value[0], result.value[1])
    // built once per app: a request costs a context lookup and a match
    return Effect.flatMap(AuthenticationBackend, (authenticate) => Effect.matchCauseEffect(authenticate, { onFailure, onSuccess }))
  }
}

const defaultMiddleware = make({})

/**
 * Starlette's `AuthenticationMiddleware`: runs the `AuthenticationBackend` on every request (HTTP and websocket
 * upgrade) before routing, and gives handlers `CurrentUser` and `CurrentCredentials`. Wrap the whole app with it
 * (not `HttpRouter.use`, which skips unmatched paths), so a malformed `Authorization` header is a 400 even on a 404 path.
 *
 * The handlers' need for the user is discharged at the type level: the result no longer requires `CurrentUser` or
 * `CurrentCredentials`, and requires `AuthenticationBackend` instead.
 *
 * @example
 * ```ts
 * import { AuthenticationMiddleware } from "effect-auth"
 * import { HttpRouter, HttpServerResponse } from "@effect/platform"
 * import { Effect } from "effect"
 *
 * const router = HttpRouter.empty.pipe(HttpRouter.get("/", HttpServerResponse.text("hello")))
 *
 * const app = AuthenticationMiddleware(router)
 * // or, with Starlette's on_error:
 * const custom = AuthenticationMiddleware({
 *   onError: (error) => HttpServerResponse.json({ error: error.message }, { status: 401 })
 * })(router)
 * ```
 *
 * @since 0.1.0
 * @category middleware
 */
export const AuthenticationMiddleware: {
  <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<
    E | AuthenticationError,
    Exclude<R, CurrentUser | CurrentCredentials> | AuthenticationBackend
  >
  <EH = never, RH = never>(options: AuthenticationMiddlewareOptions<EH, RH>): <E, R>(
    app: HttpApp.Default<E, R>
  ) => HttpApp.Default<E | EH, Exclude<R, CurrentUser | CurrentCredentials> | AuthenticationBackend | RH>
} = ((appOrOptions: any): any =>
  Effect.isEffect(appOrOptions) ? defaultMiddleware(appOrOptions as any) : make(appOrOptions)) as any
