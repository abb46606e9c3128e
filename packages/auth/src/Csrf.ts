/**
 * Cross-site request forgery: a browser sends its cookies (and cached Basic credentials) along with a form that
 * another site submits, so every state-changing request must show that it comes from this site's own pages. Two
 * checks, both on every request whose method is not GET, HEAD, OPTIONS or TRACE:
 * - where it comes from: `Sec-Fetch-Site` (`same-origin`, or `none` for what the user typed) or, from browsers that
 *   do not send it, `Origin`, whose host must be the request's `Host` (or one of `origins`);
 * - a token: an HMAC of a random value kept in an `HttpOnly` cookie (the signed double-submit pattern, bound to a
 *   pre-session cookie, so that it protects the login form too), sent back in a form field or a header.
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
import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from "node:crypto"
import type { PayloadTooLarge } from "./internal/form.js"
import { isUrlEncoded, readUrlParams } from "./internal/form.js"
import { isTls } from "./internal/tls.js"

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
 * A state-changing request without the CSRF token of its cookie (no cookie, no token, or a token that does not
 * match): 403 `text/plain`, asking to reload the form (which sets a cookie and a token that match).
 *
 * @since 0.2.0
 * @category errors
 */
export class InvalidToken extends Schema.TaggedError<InvalidToken>("effect-auth/InvalidCsrfToken")(
  "CsrfError",
  {
    /** Which part was wrong, for logs. */
    reason: Schema.Literal("no cookie", "no token", "mismatch")
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
  /** The cookie's name (default `"csrf"`); over HTTPS it gets the `__Host-` prefix (`Secure`, `Path=/`, no domain). */
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
     * The token for the request's forms: the HMAC of its cookie, or of a new random value whose cookie is then set
     * on the response (whatever the handler answers).
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
// 32 random bytes: beyond guessing, as many as the HMAC that covers them; 43 base64url characters
const nonceBytes = 32
const tokenPattern = /^[A-Za-z0-9_-]{43}$/
// text fields only; a larger form has no business carrying a token
const defaultMaxFormBytes = 64 * 1024
// distinguishes these MACs from any other use of the same key
const domain = "effect-auth/csrf\u0000"

const safeMethods = new Set(["GET", "HEAD", "OPTIONS", "TRACE"])

const toKey = (secret: Redacted.Redacted<string> | undefined): KeyObject => {
  if (secret === undefined) return createSecretKey(randomBytes(32))
  const bytes = Buffer.from(Redacted.value(secret), "utf8")
  if (bytes.length < minSecretBytes) {
    throw new Error(`Csrf: the secret has ${bytes.length} bytes; it needs ${minSecretBytes} or more`)
  }
  return createSecretKey(bytes)
}

const hostOf = (origin: string): string | undefined => {
  try {
    return new URL(origin).host
  } catch {
    return undefined
  }
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
  const isSecure = (request: HttpServerRequest.HttpServerRequest) => secure === "auto" ? isTls(request) : secure
  const mac = (nonce: string) => createHmac("sha256", key).update(domain + nonce, "latin1").digest("base64url")
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
    const nonce = request.cookies[isSecure(request) ? names.secure : names.plain]
    return nonce !== undefined && tokenPattern.test(nonce) ? nonce : undefined
  }

  const token = Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const nonce = nonceOf(request) ?? minted.get(keyOf(request))
    if (nonce !== undefined) return Effect.succeed(mac(nonce))
    const fresh = randomBytes(nonceBytes).toString("base64url")
    minted.set(keyOf(request), fresh)
    return Effect.as(
      HttpApp.appendPreResponseHandler((request, response) => Effect.succeed(setCookie(request, response, fresh))),
      mac(fresh)
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
    const host = request.headers["host"]
    return host !== undefined && hostOf(origin.toLowerCase()) === host.toLowerCase()
      ? Effect.void
      : Effect.fail(new CrossSiteRequest({ source: `Origin: ${origin}` }))
  }

  const checkToken = (
    request: HttpServerRequest.HttpServerRequest
  ): Effect.Effect<void, InvalidToken | PayloadTooLarge> => {
    const nonce = nonceOf(request)
    if (nonce === undefined) return Effect.fail(new InvalidToken({ reason: "no cookie" }))
    const expected = Buffer.from(mac(nonce), "latin1")
    const compare = (given: string | null | undefined): Effect.Effect<void, InvalidToken> =>
      given === null || given === undefined || given === ""
        ? Effect.fail(new InvalidToken({ reason: "no token" }))
        // 43 ASCII characters both, or no match: the comparison takes the same time whatever the token holds
        : tokenPattern.test(given) && timingSafeEqual(Buffer.from(given, "latin1"), expected)
        ? Effect.void
        : Effect.fail(new InvalidToken({ reason: "mismatch" }))
    const header = request.headers[headerName]
    if (header !== undefined || !isUrlEncoded(request)) return compare(header)
    return Effect.flatMap(readUrlParams(request, maxFormBytes), (params) => compare(params.get(fieldName)))
  }

  return {
    fieldName,
    headerName,
    token,
    checkOrigin: Effect.flatMap(HttpServerRequest.HttpServerRequest, checkOriginOf),
    check: Effect.flatMap(
      HttpServerRequest.HttpServerRequest,
      (request) => Effect.zipRight(checkOriginOf(request), checkToken(request))
    ),
    rotate: (response) =>
      Effect.map(
        HttpServerRequest.HttpServerRequest,
        (request) => setCookie(request, response, randomBytes(nonceBytes).toString("base64url"))
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
 * Checks every state-changing request (not GET, HEAD, OPTIONS or TRACE) before the app sees it: the origin, then
 * the token (but for `exempt` requests). Refusals render themselves: 403 for either check, 413 for a form too large
 * to look into.
 *
 * @example
 * ```ts
 * import { AuthenticationMiddleware } from "effect-auth"
 * import * as Csrf from "effect-auth/Csrf"
 * import { HttpRouter, HttpServerResponse } from "@effect/platform"
 *
 * const router = HttpRouter.empty.pipe(HttpRouter.post("/logout", HttpServerResponse.text("bye")))
 * const app = Csrf.middleware()(AuthenticationMiddleware(router))
 * ```
 *
 * @since 0.2.0
 * @category middleware
 */
export const middleware = (options: MiddlewareOptions = {}) => {
  const exempt = options.exempt
  return <E, R>(
    app: HttpApp.Default<E, R>
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
