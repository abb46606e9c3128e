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
 * @since 0.2.0
 */
import * as Cookies from "@effect/platform/Cookies"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerRespondable from "@effect/platform/HttpServerRespondable"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { KeyObject } from "node:crypto"
import { createSecretKey, randomBytes } from "node:crypto"
import type { CurrentCredentials, CurrentUser } from "./CurrentUser.js"
import { isSameOrigin, isSecureCookie } from "./internal/client.js"
import { readContext } from "./internal/context.js"
import * as csrfToken from "./internal/csrfToken.js"
import type { PayloadTooLarge } from "./internal/form.js"
import { isUrlEncoded, readUrlParams } from "./internal/form.js"
import { Session } from "./Session.js"

/**
 * A state-changing request that another site's page sent (`Sec-Fetch-Site: cross-site` or `same-site`, or an
 * `Origin` that is not this site): 403 `text/plain`.
 *
 * @since 0.2.0
 * @category errors
 */
export class CrossSiteRequest extends Schema.TaggedError<CrossSiteRequest>("effect-auth/CrossSiteRequest")(
  "CsrfError",
  {
    /** What gave it away, for logs: the `Sec-Fetch-Site` or `Origin` header as sent. */
    source: Schema.String
  },
  HttpApiSchema.annotations({ status: 403, description: "A cross-site request" })
) implements HttpServerRespondable.Respondable {
  /** @since 0.2.0 */
  static readonly status = 403 as const
  /** @since 0.2.0 */
  get status(): 403 {
    return 403
  }
  override get message(): string {
    return `Cross-site request refused (${this.source})`
  }
  /** @since 0.2.0 */
  [HttpServerRespondable.symbol]() {
    return Effect.succeed(crossSite)
  }
}

/**
 * A state-changing request without the CSRF token of its cookie and session (no cookie, two cookies of the name, no
 * token, a token of another cookie, or of another session): 403 `text/plain`, asking to reload the form (which sets
 * a cookie and a token that match).
 *
 * @since 0.2.0
 * @category errors
 */
export class InvalidToken extends Schema.TaggedError<InvalidToken>("effect-auth/InvalidCsrfToken")(
  "CsrfError",
  {
    /**
     * Which part was wrong, for logs: `"two cookies"` when the request carries two cookies of the name (a sibling
     * site tossed in its own: neither is trusted), `"other session"` for a token of this cookie minted for another
     * session or before login.
     */
    reason: Schema.Literal("no cookie", "two cookies", "no token", "mismatch", "other session")
  },
  HttpApiSchema.annotations({ status: 403, description: "A missing or invalid CSRF token" })
) implements HttpServerRespondable.Respondable {
  /** @since 0.2.0 */
  static readonly status = 403 as const
  /** @since 0.2.0 */
  get status(): 403 {
    return 403
  }
  override get message(): string {
    return `Invalid CSRF token (${this.reason})`
  }
  /** @since 0.2.0 */
  [HttpServerRespondable.symbol]() {
    return Effect.succeed(invalidToken)
  }
}

/**
 * Every refusal of the CSRF checks: `Effect.catchTag("CsrfError", …)` catches both.
 *
 * @since 0.2.0
 * @category errors
 */
export type CsrfError = CrossSiteRequest | InvalidToken

export {
  /**
   * A form body larger than allowed: 413, refused from its `Content-Length` before any of it is read.
   *
   * @since 0.2.0
   * @category errors
   */
  PayloadTooLarge
} from "./internal/form.js"

const crossSite = HttpServerResponse.text("Forbidden: cross-site request", { status: 403 })
const invalidToken = HttpServerResponse.text(
  "Forbidden: missing or invalid CSRF token. Reload the form and try again.",
  { status: 403 }
)

/**
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /**
   * The HMAC-SHA256 key that makes tokens (32 bytes or more, or the layer refuses it). By default a random key per
   * start: enough for one instance; several instances behind one site need the same key, from the environment.
   */
  readonly secret?: Redacted.Redacted<string> | undefined
  /**
   * The cookie's name (default `"csrf"`). When the cookie is `Secure` it gets the `__Host-` prefix, which a browser
   * accepts only from the host itself, `Secure`, for `Path=/` and without `Domain`, so that no sibling site can set
   * it; only that name is read then. Over plain HTTP, `http://localhost` included, the cookie is not `Secure` and
   * keeps the plain name: Chromium and Firefox would take a `__Host-` cookie from `http://localhost`, but Safari drops
   * `Secure` cookies there, and cookies do not tell ports apart, so that any local server could set it anyway.
   */
  readonly cookieName?: string | undefined
  /** The form field that carries the token (default `"csrf_token"`). */
  readonly fieldName?: string | undefined
  /** The header that carries the token for scripts (default `"x-csrf-token"`). */
  readonly headerName?: string | undefined
  /** Whether the cookie is `Secure` (default `"auto"`: when the request came over TLS or says it did). */
  readonly secure?: boolean | "auto" | undefined
  /**
   * More origins whose pages may send state-changing requests (`"https://app.example"`), for a site behind a proxy
   * that rewrites `Host`, or a sibling site; by default only pages whose host is the request's `Host`.
   */
  readonly origins?: ReadonlyArray<string> | undefined
  /**
   * The largest URL-encoded form read to find the token, in bytes (default 64 KiB: forms of text fields; larger
   * bodies get 413 before they are read).
   */
  readonly maxFormBytes?: number | undefined
}

/**
 * @since 0.2.0
 */
export declare namespace Csrf {
  /**
   * The CSRF checks with their options worked out once.
   *
   * @since 0.2.0
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

// HMAC-SHA256's own output length: a shorter key is easier to guess than the tokens it makes (RFC 2104 §3)
const minSecretBytes = 32
// text fields only; a larger form has no business carrying a token
const defaultMaxFormBytes = 64 * 1024

const safeMethods = new Set(["GET", "HEAD", "OPTIONS", "TRACE"])

const toKey = (secret: Redacted.Redacted<string> | undefined): KeyObject => {
  if (secret === undefined) return createSecretKey(randomBytes(32))
  const bytes = Buffer.from(Redacted.value(secret), "utf8")
  if (bytes.length < minSecretBytes) {
    throw new Error(`Csrf: the secret has ${bytes.length} bytes; it needs ${minSecretBytes} or more`)
  }
  return createSecretKey(bytes)
}

// What binds a token to a session, read before authentication runs (this check goes around it, so that a forged form
// costs no password hash and no store read): the value of the session cookie, as the `Session` service in the
// request's context names it, or `undefined` for a request without one (or an app without `Session`).
// - The whole value, not the session id alone: an id is public (logged, listed by `sessions list`), so a token bound
//   to it could be minted by anyone who sends `<victim's id>.<anything>` and asks for a form; the value also holds the
//   session's 32-byte secret (and its signature, when `Session` signs), which only the victim's browser has.
// - Unverified here: a forged or stale cookie only yields a token bound to that forged value, which opens nothing,
//   since authentication then refuses the cookie; and the token and the check read the same cookie, so they agree.
// - It costs one context lookup and an HMAC over some 100 more bytes; no store read. Login and logout still set a new
//   nonce, so that a token of the anonymous page before them is refused after, on both counts.
const sessionOf = (context: Context.Context<never>, request: HttpServerRequest.HttpServerRequest) => {
  const session = Context.getOption(context as Context.Context<Session>, Session)
  return session._tag === "None" ? undefined : request.cookies[session.value.cookieName]
}

/**
 * The CSRF service from options checked once, here (a secret shorter than 32 bytes or an invalid cookie name throws
 * at once).
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options = {}): Csrf.Service => {
  const key = toKey(options.secret)
  const name = options.cookieName ?? "csrf"
  const names = { secure: `__Host-${name}`, plain: name }
  const fieldName = options.fieldName ?? "csrf_token"
  const headerName = (options.headerName ?? "x-csrf-token").toLowerCase()
  const secure = options.secure ?? "auto"
  const maxFormBytes = options.maxFormBytes ?? defaultMaxFormBytes
  const origins = new Set((options.origins ?? []).map((origin) => origin.toLowerCase()))
  const base = { path: "/", httpOnly: true, sameSite: "lax" } as const
  const cookieOptions = { secure: { ...base, secure: true }, plain: { ...base, secure: false } }
  for (const cookieName of [names.secure, names.plain]) {
    const checked = Cookies.makeCookie(cookieName, "", base)
    if (checked._tag === "Left") throw new Error(`Csrf: invalid cookie name (${checked.left.reason})`)
  }
  // the `__Host-` name whenever the cookie is `Secure` (see `Options.cookieName`)
  const isSecure = (request: HttpServerRequest.HttpServerRequest) =>
    secure === "auto" ? isSecureCookie(request) : secure
  const cookieNameOf = (request: HttpServerRequest.HttpServerRequest) => isSecure(request) ? names.secure : names.plain
  // the nonce minted for a request that came without a cookie, so that two forms of one page get one token
  const minted = new WeakMap<object, string>()
  const keyOf = (request: HttpServerRequest.HttpServerRequest): object =>
    typeof request.source === "object" && request.source !== null ? request.source : request

  const setCookie = (
    request: HttpServerRequest.HttpServerRequest,
    response: HttpServerResponse.HttpServerResponse,
    nonce: string
  ) =>
    isSecure(request)
      ? HttpServerResponse.unsafeSetCookie(response, names.secure, nonce, cookieOptions.secure)
      : HttpServerResponse.unsafeSetCookie(response, names.plain, nonce, cookieOptions.plain)

  const nonceOf = (request: HttpServerRequest.HttpServerRequest): string | undefined => {
    const nonce = request.cookies[cookieNameOf(request)]
    return nonce !== undefined && csrfToken.isNonce(nonce) ? nonce : undefined
  }

  const token = readContext((context) => {
    const request = Context.unsafeGet(context, HttpServerRequest.HttpServerRequest)
    const session = sessionOf(context, request)
    const nonce = nonceOf(request) ?? minted.get(keyOf(request))
    if (nonce !== undefined) return Effect.succeed(csrfToken.sign(key, nonce, session))
    const fresh = csrfToken.makeNonce()
    minted.set(keyOf(request), fresh)
    return Effect.as(
      HttpApp.appendPreResponseHandler((request, response) => Effect.succeed(setCookie(request, response, fresh))),
      csrfToken.sign(key, fresh, session)
    )
  })

  const checkOriginOf = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<void, CrossSiteRequest> => {
    const origin = request.headers["origin"]
    const site = request.headers["sec-fetch-site"]
    if (origin !== undefined && origins.has(origin.toLowerCase())) return Effect.void
    if (site !== undefined) {
      // a browser that says where a request comes from cannot be made to lie by a page
      return site === "same-origin" || site === "none"
        ? Effect.void
        : Effect.fail(new CrossSiteRequest({ source: `Sec-Fetch-Site: ${site}` }))
    }
    // no browser page sent it (curl, a server), or a browser too old to say: the token decides
    if (origin === undefined) return Effect.void
    // scheme, host and port, as the browser would compare them
    return isSameOrigin(request, origin.toLowerCase())
      ? Effect.void
      : Effect.fail(new CrossSiteRequest({ source: `Origin: ${origin}` }))
  }

  const checkToken = (
    context: Context.Context<never>,
    request: HttpServerRequest.HttpServerRequest
  ): Effect.Effect<void, InvalidToken | PayloadTooLarge> => {
    // two cookies of the name: the platform's parser keeps the first, which a sibling site that tossed in its own
    // (with a longer `Path`, sent first) would choose. Neither is trusted: refused, whichever the token matches. It
    // cannot happen to a `__Host-` cookie (one per host), only to a plain one, over HTTP.
    const count = csrfToken.countCookies(request.headers["cookie"], cookieNameOf(request))
    if (count === 2) return Effect.fail(new InvalidToken({ reason: "two cookies" }))
    const nonce = nonceOf(request)
    if (nonce === undefined) return Effect.fail(new InvalidToken({ reason: "no cookie" }))
    const session = sessionOf(context, request)
    const compare = (given: string | null | undefined): Effect.Effect<void, InvalidToken> => {
      if (given === null || given === undefined || given === "") {
        return Effect.fail(new InvalidToken({ reason: "no token" }))
      }
      const verdict = csrfToken.verify(key, given, nonce, session)
      return verdict === "valid" ? Effect.void : Effect.fail(new InvalidToken({ reason: verdict }))
    }
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
      const request = Context.unsafeGet(context, HttpServerRequest.HttpServerRequest)
      return Effect.zipRight(checkOriginOf(request), checkToken(context, request))
    }),
    rotate: (response) =>
      Effect.map(
        HttpServerRequest.HttpServerRequest,
        (request) => setCookie(request, response, csrfToken.makeNonce())
      )
  }
}

/**
 * The CSRF checks and tokens that handlers and {@link middleware} use.
 *
 * @since 0.2.0
 * @category tags
 */
export class Csrf extends Context.Tag("effect-auth/Csrf")<Csrf, Csrf.Service>() {}

/**
 * The CSRF service (see {@link make}).
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<Csrf> => Layer.sync(Csrf, () => make(options))

/**
 * The token for the request's forms (see `Csrf.Service.token`): put it in a hidden field named `fieldName`.
 *
 * @since 0.2.0
 * @category accessors
 */
export const token: Effect.Effect<string, never, Csrf | HttpServerRequest.HttpServerRequest> = Effect.flatMap(
  Csrf,
  (csrf) => csrf.token
)

/**
 * A new token cookie on `response` (see `Csrf.Service.rotate`).
 *
 * @since 0.2.0
 * @category accessors
 */
export const rotate = (
  response: HttpServerResponse.HttpServerResponse
): Effect.Effect<HttpServerResponse.HttpServerResponse, never, Csrf | HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(Csrf, (csrf) => csrf.rotate(response))

/**
 * @since 0.2.0
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
 * @since 0.3.0
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
 * import { HttpRouter, HttpServerResponse } from "@effect/platform"
 * import { Effect } from "effect"
 *
 * const router = HttpRouter.empty.pipe(
 *   HttpRouter.post("/logout", Effect.map(CurrentUser, (user) => HttpServerResponse.text(`bye, ${user.displayName}`)))
 * )
 * const app = Csrf.middleware()(AuthenticationMiddleware(router))
 * ```
 *
 * @since 0.2.0
 * @category middleware
 */
export const middleware = (options: MiddlewareOptions = {}) => {
  const exempt = options.exempt
  return <E, R>(
    app: HttpApp.Default<E, R> & OutsideAuthentication<R>
  ): HttpApp.Default<E | CsrfError | PayloadTooLarge, R | Csrf | HttpServerRequest.HttpServerRequest> =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      if (safeMethods.has(request.method)) return app
      return Effect.flatMap(Csrf, (csrf) =>
        Effect.zipRight(
          exempt !== undefined && exempt(request) ? csrf.checkOrigin : csrf.check,
          app
        ))
    })
}
