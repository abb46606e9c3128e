import * as Origin from "@effect-auth/core/Origin"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Result from "effect/Result"
import type { AuthResult } from "../AuthenticationBackend.js"
import { AuthenticationBackend } from "../AuthenticationBackend.js"
import type { AuthenticationError, TooManyRequests } from "../AuthenticationError.js"
import { ServiceUnavailable } from "../AuthenticationError.js"
import { Authentication } from "../CurrentUser.js"
import { hasEntry } from "./authentication.js"
import { isSameOrigin } from "./client.js"
import { readContext } from "./context.js"
import { appendNoStore, withNoStore } from "./noStore.js"
import { provideAuthentication, provideAuthenticationThen } from "./provide.js"

/** What a backend fails with: the refusals of credentials, and the two server-side outcomes. */
export type Refusal = AuthenticationError | ServiceUnavailable | TooManyRequests

/** The middleware's options, as `AuthenticationMiddleware.make` takes them (typed there). */
export interface Options {
  readonly onError?:
    | ((
      error: Refusal,
      request: HttpServerRequest.HttpServerRequest
    ) => Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, unknown>)
    | undefined
  readonly timeout?: Duration.Input | undefined
}

type Response = HttpServerResponse.HttpServerResponse
type Untyped = Effect.Effect<Response, unknown, unknown>

const internalServerError = HttpServerResponse.text("Internal Server Error", { status: 500 })

// answered here, as the handshake's response: no handler is involved, so it is no error of the app's
const crossOrigin = Effect.as(
  Effect.logDebug("Websocket refused: its Origin is not allowed"),
  HttpServerResponse.text("Forbidden", { status: 403 })
)

// a websocket handshake whose `Origin` is not allowed; a handshake without one comes from no browser page
const isForeignWebSocket = (
  request: HttpServerRequest.HttpServerRequest,
  check: AuthenticationBackend.OriginCheck
): boolean =>
  Origin.isForeignWebSocket(
    request.headers["upgrade"],
    request.headers["origin"],
    check,
    (origin) => isSameOrigin(request, origin)
  )

/**
 * The middleware with `options`, untyped (`AuthenticationMiddleware` types it): the backend read from the request's
 * context, built into a per-request effect once per backend, run before `app`.
 */
export const make = (options: Options): (app: Untyped) => Untyped => {
  const onError = options.onError
  const timeout = options.timeout
  const timedOut = () =>
    Effect.fail(new ServiceUnavailable({ reason: "AuthenticationBackend timed out", retryAfter: 1 }))
  const onFailure = (cause: Cause.Cause<Refusal>): Untyped => {
    const failure = Cause.findError(cause)
    if (Result.isSuccess(failure)) {
      const error = failure.success
      return Effect.andThen(
        appendNoStore,
        onError === undefined
          ? Effect.fail(error)
          : Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => onError(error, request))
      )
    }
    if (Cause.hasInterruptsOnly(cause)) return Effect.failCause(cause)
    // a bug in the backend, not a refusal: log it in full, answer without a stack or a secret
    return Effect.as(Effect.logError("AuthenticationBackend failed unexpectedly", cause), internalServerError)
  }
  return (app) => {
    // built once per backend (there is one, in practice): a request then costs a read of the context, the
    // backend's own work and, unless it is anonymous, one context entry
    const build = (backend: AuthenticationBackend.Service) => {
      const challenge = backend.anonymous.challenge
      const authenticate = timeout === undefined
        ? backend.authenticate
        // a request may run uninterruptibly, and a timeout cannot cut short what cannot be interrupted: the backend
        // (a read-only check) is made interruptible, so that a hanging one is abandoned, not waited for
        : Effect.timeoutOrElse(Effect.interruptible(backend.authenticate), { duration: timeout, orElse: timedOut })
      const authenticated = (anonymous: Untyped): Untyped =>
        Effect.matchCauseEffect(authenticate, {
          onFailure,
          onSuccess: (result: AuthResult) =>
            result._tag === "None"
              ? anonymous
              : provideAuthenticationThen(
                app,
                new Authentication(result.value[1], result.value[0], challenge),
                withNoStore,
                appendNoStore
              )
        })
      // an anonymous request needs no entry (internal/authentication.ts), so it costs no context copy; one is
      // installed only over an outer middleware's user, which must not show through
      const alone = authenticated(app)
      const nested = authenticated(provideAuthentication(app, backend.anonymous))
      const origins = backend.websocketOrigins
      return (context: Context.Context<never>): Untyped =>
        // a websocket from a page of another site would carry this backend's ambient credentials (a cookie): refused
        // before the backend runs
        origins !== undefined &&
          isForeignWebSocket(Context.getUnsafe(context, HttpServerRequest.HttpServerRequest), origins)
          ? crossOrigin
          : !hasEntry(context)
          ? alone
          : nested
    }
    let lastBackend: AuthenticationBackend.Service | undefined
    let lastBuilt: ReturnType<typeof build> | undefined
    // one read of the context for the backend, the request and whether an outer middleware installed a user
    return readContext((context) => {
      const backend = Context.getUnsafe(context, AuthenticationBackend)
      if (backend !== lastBackend) {
        lastBuilt = build(backend)
        lastBackend = backend
      }
      return lastBuilt!(context)
    })
  }
}
