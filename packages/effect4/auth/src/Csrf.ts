/**
 * Cross-site request forgery: a browser sends its cookies (and cached Basic credentials) along with a form that
 * another site submits, so every state-changing request must show that it comes from this site's own pages. Two
 * checks, both on every request whose method is not GET, HEAD, OPTIONS or TRACE:
 * - where it comes from: `Sec-Fetch-Site` (`same-origin`, or `none` for what the user typed) or, from browsers that
 *   do not send it, `Origin`, whose host must be the request's `Host` (or one of `origins`);
 * - a token: `<nonce>.<HMAC>` of a random nonce kept in an `HttpOnly` cookie (the signed double-submit pattern, so
 *   that it protects the login form too) and, once the request carries a session cookie, of that session: a token
 *   minted before login, or for another session, is refused. It is sent back in a form field or a header.
 *
 * The checks go around authentication, never inside it: `Csrf.middleware()(AuthenticationMiddleware(router))`, so
 * that a forged form is refused before a backend hashes a password. The other nesting does not compile when the
 * router's handlers read the user (or are guarded by `requires`).
 *
 * @since 1.0.0
 */
import * as CsrfToken from "@effect-auth/core/CsrfToken"
import * as Signing from "@effect-auth/core/Signing"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as HttpEffect from "effect/http/HttpEffect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type { PayloadTooLarge } from "./AuthenticationError.js"
import type { CurrentCredentials, CurrentUser } from "./CurrentUser.js"
import { readContext } from "./internal/context.js"
import * as cookieJar from "./internal/cookieJar.js"
import type { CrossSiteRequest, CsrfError, Options } from "./internal/csrf.js"
import * as internal from "./internal/csrf.js"
import { InvalidToken } from "./internal/csrf.js"
import { isUrlEncoded, readUrlParams } from "./internal/form.js"

export {
  /**
   * A state-changing request that another site's page sent (`Sec-Fetch-Site: cross-site` or `same-site`, or an
   * `Origin` that is not this site): 403 `text/plain`.
   *
   * @since 1.0.0
   * @category errors
   */
  CrossSiteRequest,
  /**
   * A state-changing request without the CSRF token of its cookie and session (no cookie, two cookies of the name, no
   * token, a token of another cookie, or of another session): 403 `text/plain`, asking to reload the form (which sets
   * a cookie and a token that match).
   *
   * @since 1.0.0
   * @category errors
   */
  InvalidToken
} from "./internal/csrf.js"

export type {
  /**
   * Every refusal of the CSRF checks: `Effect.catchTag("CsrfError", …)` catches both.
   *
   * @since 1.0.0
   * @category errors
   */
  CsrfError,
  /**
   * The CSRF checks' options: the signing `secret`, the cookie's name and `Secure`, where the token travels, the
   * origins that may send state-changing requests and the largest form read.
   *
   * @since 1.0.0
   * @category models
   */
  Options
} from "./internal/csrf.js"

/**
 * @since 1.0.0
 */
export declare namespace Csrf {
  /**
   * The CSRF checks with their options worked out once.
   *
   * @since 1.0.0
   * @category models
   */
  export interface Service {
    /** The form field that carries the token. */
    readonly fieldName: string
    /** The header that carries the token. */
    readonly headerName: string
    /**
     * The token for the request's forms: `<nonce>.<HMAC>` of its cookie's nonce (or of a new one whose cookie is
     * then set on the response, whatever the handler answers) and of its session cookie, if it has one.
     */
    readonly token: Effect.Effect<string, never, HttpServerRequest.HttpServerRequest>
    /** The origin check alone (`Sec-Fetch-Site`, else `Origin`). */
    readonly checkOrigin: Effect.Effect<void, CrossSiteRequest, HttpServerRequest.HttpServerRequest>
    /** Both checks: the origin, then the token from the header or the URL-encoded form. */
    readonly check: Effect.Effect<void, CsrfError | PayloadTooLarge, HttpServerRequest.HttpServerRequest>
    /**
     * A new random value in the cookie, on `response`: at login and logout, so that a token known before (one an
     * attacker planted with its cookie) is worthless after.
     */
    readonly rotate: (
      response: HttpServerResponse.HttpServerResponse
    ) => Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest>
  }
}

// text fields only; a larger form has no business carrying a token
const defaultMaxFormBytes = 64 * 1024

const safeMethods = new Set(["GET", "HEAD", "OPTIONS", "TRACE"])

// an app as Effect 4 serves it: Effect 3's `HttpApp.Default`
type App<E, R> = Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>

/**
 * The CSRF service from options checked once, here (a secret shorter than 32 bytes or an invalid cookie name throws
 * at once).
 *
 * @since 1.0.0
 * @category constructors
 */
export const make = (options: Options = {}): Csrf.Service => {
  // by default a key per start (see `Options.secret`)
  const key = options.secret === undefined
    ? Signing.randomKey()
    : Signing.secretKey(Redacted.value(options.secret), "Csrf: the secret")
  const fieldName = options.fieldName ?? "csrf_token"
  const headerName = (options.headerName ?? "x-csrf-token").toLowerCase()
  const maxFormBytes = options.maxFormBytes ?? defaultMaxFormBytes
  const origins = new Set((options.origins ?? []).map((origin) => origin.toLowerCase()))
  // the `__Host-` name whenever the cookie is `Secure` (see `Options.cookieName`)
  const cookie = cookieJar.make({
    owner: "Csrf",
    name: options.cookieName ?? "csrf",
    hostPrefix: true,
    secure: options.secure ?? "auto",
    sameSite: "lax",
    path: "/"
  })
  // the nonce minted for a request that came without a cookie, so that two forms of one page get one token
  const minted = new WeakMap<object, string>()
  const keyOf = (request: HttpServerRequest.HttpServerRequest): object =>
    typeof request.source === "object" && request.source !== null ? request.source : request

  const nonceOf = internal.nonceOf(cookie)

  const token = readContext((context) => {
    const request = Context.getUnsafe(context, HttpServerRequest.HttpServerRequest)
    const session = internal.sessionOf(context, request)
    const nonce = nonceOf(request) ?? minted.get(keyOf(request))
    if (nonce !== undefined) return Effect.succeed(CsrfToken.sign(key, nonce, session))
    const fresh = CsrfToken.makeNonce()
    minted.set(keyOf(request), fresh)
    return Effect.as(
      HttpEffect.appendPreResponseHandler((request, response) => Effect.succeed(cookie.set(request, response, fresh))),
      CsrfToken.sign(key, fresh, session)
    )
  })

  const checkOriginOf = internal.checkOrigin(origins)

  const checkToken = (
    context: Context.Context<never>,
    request: HttpServerRequest.HttpServerRequest
  ): Effect.Effect<void, InvalidToken | PayloadTooLarge> => {
    // two cookies of the name: the platform's parser keeps the first, which a sibling site that tossed in its own
    // (with a longer `Path`, sent first) would choose. Neither is trusted: refused, whichever the token matches. It
    // cannot happen to a `__Host-` cookie (one per host), only to a plain one, over HTTP.
    const count = CsrfToken.countCookies(request.headers["cookie"], cookie.nameOf(request))
    if (count === 2) return Effect.fail(new InvalidToken({ reason: "two cookies" }))
    const nonce = nonceOf(request)
    if (nonce === undefined) return Effect.fail(new InvalidToken({ reason: "no cookie" }))
    const session = internal.sessionOf(context, request)
    const compare = internal.compare(key, nonce, session)
    const header = request.headers[headerName]
    if (header !== undefined || !isUrlEncoded(request)) return compare(header)
    return Effect.flatMap(readUrlParams(request, maxFormBytes), (params) => compare(params.get(fieldName)))
  }

  return {
    fieldName,
    headerName,
    token,
    checkOrigin: Effect.flatMap(HttpServerRequest.HttpServerRequest, checkOriginOf),
    check: readContext((context) => {
      const request = Context.getUnsafe(context, HttpServerRequest.HttpServerRequest)
      return Effect.andThen(checkOriginOf(request), checkToken(context, request))
    }),
    rotate: (response) =>
      Effect.map(
        HttpServerRequest.HttpServerRequest,
        (request) => cookie.set(request, response, CsrfToken.makeNonce())
      )
  }
}

/**
 * The CSRF checks and tokens that handlers and {@link middleware} use.
 *
 * @since 1.0.0
 * @category tags
 */
export class Csrf extends Context.Service<Csrf, Csrf.Service>()("effect-auth/Csrf") {}

/**
 * The CSRF service (see {@link make}).
 *
 * @since 1.0.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Csrf> => Layer.sync(Csrf, () => make(options))

/**
 * The token for the request's forms (see `Csrf.Service.token`): put it in a hidden field named `fieldName`.
 *
 * @since 1.0.0
 * @category accessors
 */
export const token: Effect.Effect<string, never, Csrf | HttpServerRequest.HttpServerRequest> = Effect.flatMap(
  Csrf,
  (csrf) => csrf.token
)

/**
 * A new token cookie on `response` (see `Csrf.Service.rotate`).
 *
 * @since 1.0.0
 * @category accessors
 */
export const rotate = (
  response: HttpServerResponse.HttpServerResponse
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, Csrf | HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(Csrf, (csrf) => csrf.rotate(response))

/**
 * @since 1.0.0
 * @category models
 */
export interface MiddlewareOptions {
  /**
   * Requests that need no token (the origin is still checked): routes for programs that send no cookie, such as a
   * token endpoint for API clients.
   */
  readonly exempt?: ((request: HttpServerRequest.HttpServerRequest) => boolean) | undefined
}

/**
 * What {@link middleware} accepts: any app whose handlers need no user, such as one already authenticated
 * (`AuthenticationMiddleware(router)`, whose requirements no longer hold `CurrentUser` or `CurrentCredentials`).
 * An app that still needs them would be authenticated outside the CSRF checks, so that a forged form would cost a
 * password hash before its refusal, and a malformed `Authorization` header would get 400 instead of 403: its type
 * gets a property it lacks, named after the fix, and does not compile.
 *
 * @since 1.0.0
 * @category models
 */
export type OutsideAuthentication<R> = [Extract<R, CurrentUser | CurrentCredentials>] extends [never] ? unknown
  : { readonly "Csrf.middleware goes around AuthenticationMiddleware, not inside it": never }

/**
 * Checks every state-changing request (not GET, HEAD, OPTIONS or TRACE) before the app sees it: the origin, then
 * the token (but for `exempt` requests). Refusals render themselves: 403 for either check, 413 for a form too large
 * to look into.
 *
 * It goes around authentication: a forged form is then refused before any backend runs (no password hashed, no
 * store read), and a state-changing request gets the CSRF check's 403 whatever its `Authorization` header holds.
 * Given an app whose handlers still need the user (the other nesting), it does not compile (see
 * {@link OutsideAuthentication}).
 *
 * @example
 * ```ts
 * import { AuthenticationMiddleware, CurrentUser } from "effect-auth"
 * import * as Csrf from "effect-auth/Csrf"
 * import { HttpRouter, HttpServerResponse } from "effect/http"
 * import { Effect } from "effect"
 *
 * const bye = Effect.map(CurrentUser, (user) => HttpServerResponse.text(`bye, ${user.displayName}`))
 * const Routes = HttpRouter.add("POST", "/logout", bye)
 * const app = Effect.map(HttpRouter.toHttpEffect(Routes), (router) => Csrf.middleware()(AuthenticationMiddleware(router)))
 * ```
 *
 * @since 1.0.0
 * @category middleware
 */
export const middleware = (options: MiddlewareOptions = {}) => {
  const exempt = options.exempt
  return <E, R>(app: App<E, R> & OutsideAuthentication<R>): App<
    E | CsrfError | PayloadTooLarge,
    R | Csrf | HttpServerRequest.HttpServerRequest
  > =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      if (safeMethods.has(request.method)) return app
      return Effect.flatMap(Csrf, (csrf) =>
        Effect.andThen(
          exempt !== undefined && exempt(request) ? csrf.checkOrigin : csrf.check,
          app
        ))
    })
}
