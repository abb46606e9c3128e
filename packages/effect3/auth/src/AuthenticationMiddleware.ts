/**
 * Starlette's `AuthenticationMiddleware`.
 *
 * @since 0.1.0
 */
import * as Origin from "@effect-auth/core/Origin"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { AuthResult } from "./AuthenticationBackend.js"
import { AuthenticationBackend } from "./AuthenticationBackend.js"
import type { AuthenticationError, TooManyRequests } from "./AuthenticationError.js"
import { ServiceUnavailable } from "./AuthenticationError.js"
import type { CurrentCredentials, CurrentUser } from "./CurrentUser.js"
import { Authentication } from "./CurrentUser.js"
import { hasEntry } from "./internal/authentication.js"
import { isSameOrigin } from "./internal/client.js"
import { readContext } from "./internal/context.js"
import { appendNoStore, withNoStore } from "./internal/noStore.js"
import { provideAuthentication, provideAuthenticationThen } from "./internal/provide.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface AuthenticationMiddlewareOptions<EH, RH> {
  /**
   * Starlette's `on_error`: the response for a request whose credentials the backend refused (or could not check:
   * `ServiceUnavailable`). Without it (plain `AuthenticationMiddleware`) the error stays in the error channel (catch
   * it with `Effect.catchTag`), and renders itself when nothing handles it (400 `text/plain` for invalid credentials).
   */
  readonly onError: (
    error: AuthenticationError | ServiceUnavailable | TooManyRequests,
    request: HttpServerRequest.HttpServerRequest
  ) => Effect.Effect<HttpServerResponse.HttpServerResponse, EH, RH>
  /**
   * How long the backend may take (a store or key set that hangs): past it, the request gets `ServiceUnavailable`
   * (503, `Retry-After`), and the backend's work is interrupted. No limit by default.
   */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * What the middleware does to an app: it discharges the handlers' need for the user and the credentials, and needs
 * the backend instead.
 *
 * @since 0.2.0
 * @category models
 */
export type Authenticated<E, R, EH = AuthenticationError | ServiceUnavailable | TooManyRequests, RH = never> =
  HttpApp.Default<
    E | EH,
    Exclude<R, CurrentUser | CurrentCredentials> | AuthenticationBackend | RH
  >

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
 * `app` with the request's entry installed (as `provideAuthentication` does: a copy of the fiber's context with the
 * entry, the caller's put back when `app` ends, however it ends), its response marked `Cache-Control: no-store`. The
 * frame that puts the context back marks the response it has in hand, so a request that succeeds costs no
 * pre-response handler (a write to the fiber's refs, as dear as the install's); a failure, rendered later, gets one.
 */
const installed = <E, R>(
  app: HttpApp.Default<E, R>,
  authentication: Authentication
): Effect.Effect<HttpServerResponse.HttpServerResponse, E, Exclude<R, CurrentUser | CurrentCredentials>> =>
  // HttpApp.Default's requirements hold the request, which the server provides: the type names the app's own, as before
  provideAuthenticationThen(app, authentication, withNoStore, appendNoStore) as Effect.Effect<
    HttpServerResponse.HttpServerResponse,
    E,
    Exclude<R, CurrentUser | CurrentCredentials>
  >

const make = <EH, RH>(options: Partial<AuthenticationMiddlewareOptions<EH, RH>>) => {
  const onError = options.onError
  const timeout = options.timeout === undefined ? undefined : Duration.decode(options.timeout)
  const timedOut = () => new ServiceUnavailable({ reason: "AuthenticationBackend timed out", retryAfter: 1 })
  return <E, R>(app: HttpApp.Default<E, R>): Authenticated<E, R, EH, RH> => {
    const onFailure = (
      cause: Cause.Cause<AuthenticationError | ServiceUnavailable | TooManyRequests>
    ): Effect.Effect<HttpServerResponse.HttpServerResponse, EH, RH | HttpServerRequest.HttpServerRequest> => {
      const failure = Cause.failureOption(cause)
      if (failure._tag === "Some") {
        return Effect.zipRight(
          appendNoStore,
          onError === undefined
            ? Effect.fail(failure.value as EH)
            : Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => onError(failure.value, request))
        )
      }
      if (Cause.isInterruptedOnly(cause)) return Effect.failCause(cause as Cause.Cause<never>)
      // a bug in the backend, not a refusal: log it in full, answer without a stack or a secret
      return Effect.as(Effect.logError("AuthenticationBackend failed unexpectedly", cause), internalServerError)
    }
    // built once per backend (there is one, in practice): a request then costs a read of the context, the
    // backend's own work and, unless it is anonymous, one context entry
    const build = (backend: AuthenticationBackend.Service) => {
      const challenge = backend.anonymous.challenge
      const authenticate = timeout === undefined
        ? backend.authenticate
        // the platform runs apps uninterruptibly, and a timeout cannot cut short what cannot be interrupted: the
        // backend (a read-only check) is made interruptible, so that a hanging one is abandoned, not waited for
        : Effect.timeoutFail(Effect.interruptible(backend.authenticate), { duration: timeout, onTimeout: timedOut })
      const authenticated = (
        anonymous: Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, unknown>
      ): Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, unknown> =>
        Effect.matchCauseEffect(authenticate, {
          onFailure,
          onSuccess: (result: AuthResult) =>
            result._tag === "None"
              ? anonymous
              : installed(app, new Authentication(result.value[1], result.value[0], challenge))
        })
      // an anonymous request needs no entry (internal/authentication.ts), so it costs no context copy; one is
      // installed only over an outer middleware's user, which must not show through
      const alone = authenticated(app)
      const nested = authenticated(provideAuthentication(app, backend.anonymous))
      const origins = backend.websocketOrigins
      return (
        context: Context.Context<never>
      ): Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, unknown> =>
        // a websocket from a page of another site would carry this backend's ambient credentials (a cookie): refused
        // before the backend runs
        origins !== undefined &&
          isForeignWebSocket(Context.unsafeGet(context, HttpServerRequest.HttpServerRequest), origins)
          ? crossOrigin
          : !hasEntry(context)
          ? alone
          : nested
    }
    let lastBackend: AuthenticationBackend.Service | undefined
    let lastBuilt: ReturnType<typeof build> | undefined
    // one read of the context for the backend, the request and whether an outer middleware installed a user
    return readContext((context) => {
      const backend = Context.unsafeGet(context, AuthenticationBackend)
      if (backend !== lastBackend) {
        lastBuilt = build(backend)
        lastBackend = backend
      }
      return lastBuilt!(context)
    }) as Authenticated<E, R, EH, RH>
  }
}

const defaultMiddleware = make<AuthenticationError | ServiceUnavailable | TooManyRequests, never>({})

/**
 * Starlette's `AuthenticationMiddleware`: runs the `AuthenticationBackend` on every request (HTTP and websocket
 * upgrade) before routing, and gives handlers `CurrentUser` and `CurrentCredentials`. Wrap the whole app with it
 * (not `HttpRouter.use`, which skips unmatched paths), so a malformed `Authorization` header is a 400 even on a
 * path that does not exist.
 *
 * The handlers' need for the user is discharged at the type level: the result no longer requires `CurrentUser` or
 * `CurrentCredentials`, and requires `AuthenticationBackend` instead. `AuthenticationMiddleware.make({ onError })`
 * gives one with Starlette's `on_error`.
 *
 * What depends on credentials is not stored by caches: every response to a request the backend authenticated (however
 * it was rendered) and every refusal of credentials gets `Cache-Control: no-store`, unless it sets its own
 * `Cache-Control`. A websocket handshake whose `Origin` the backend does not allow (another scheme, host or port than
 * the site's, for `"same-origin"`) is refused with 403.
 *
 * @example
 * ```ts
 * import { AuthenticationMiddleware } from "effect-auth"
 * import { HttpRouter, HttpServerResponse } from "@effect/platform"
 *
 * const router = HttpRouter.empty.pipe(HttpRouter.get("/", HttpServerResponse.text("hello")))
 *
 * const app = AuthenticationMiddleware(router)
 * // or, with Starlette's on_error:
 * const custom = AuthenticationMiddleware.make({
 *   onError: (error) => HttpServerResponse.json({ error: error.message }, { status: error.status })
 * })(router)
 * ```
 *
 * @since 0.1.0
 * @category middleware
 */
export const AuthenticationMiddleware: {
  <E, R>(app: HttpApp.Default<E, R>): Authenticated<E, R>
  /**
   * The middleware with options: Starlette's `on_error`, a `timeout` for the backend.
   *
   * @since 0.2.0
   */
  readonly make: {
    <EH, RH>(
      options: AuthenticationMiddlewareOptions<EH, RH>
    ): <E, R>(app: HttpApp.Default<E, R>) => Authenticated<E, R, EH, RH>
    (
      options: { readonly timeout: Duration.DurationInput }
    ): <E, R>(app: HttpApp.Default<E, R>) => Authenticated<E, R>
  }
} = Object.assign(<E, R>(app: HttpApp.Default<E, R>): Authenticated<E, R> => defaultMiddleware(app), { make })
