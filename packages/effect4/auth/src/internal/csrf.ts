import * as CsrfOrigin from "@effect-auth/core/CsrfOrigin"
import * as CsrfToken from "@effect-auth/core/CsrfToken"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { KeyObject } from "node:crypto"
import { Session } from "../Session.js"
import { isSameOrigin } from "./client.js"
import type * as cookieJar from "./cookieJar.js"
import * as Outcome from "./outcome.js"

// `Csrf`'s refusals (re-exported there) and the parts of its checks that need none of its options but the origins.

/** `Csrf`'s options (re-exported there as `Csrf.Options`). */
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
 * A state-changing request that another site's page sent (`Sec-Fetch-Site: cross-site` or `same-site`, or an
 * `Origin` that is not this site): 403 `text/plain`.
 *
 * @since 1.0.0
 * @category errors
 */
export class CrossSiteRequest extends Outcome.make<CrossSiteRequest>("effect-auth/CrossSiteRequest")("CsrfError", {
  status: 403,
  description: "A cross-site request",
  fields: {
    /** What gave it away, for logs: the `Sec-Fetch-Site` or `Origin` header as sent. */
    source: Schema.String
  },
  body: "Forbidden: cross-site request",
  decode: () => ({ source: "" })
}) {
  override get message(): string {
    return `Cross-site request refused (${this.source})`
  }
}

/**
 * A state-changing request without the CSRF token of its cookie and session (no cookie, two cookies of the name, no
 * token, a token of another cookie, or of another session): 403 `text/plain`, asking to reload the form (which sets
 * a cookie and a token that match).
 *
 * @since 1.0.0
 * @category errors
 */
export class InvalidToken extends Outcome.make<InvalidToken>("effect-auth/InvalidCsrfToken")("CsrfError", {
  status: 403,
  description: "A missing or invalid CSRF token",
  fields: {
    /**
     * Which part was wrong, for logs: `"two cookies"` when the request carries two cookies of the name (a sibling
     * site tossed in its own: neither is trusted), `"other session"` for a token of this cookie minted for another
     * session or before login.
     */
    reason: Schema.Literals(["no cookie", "two cookies", "no token", "mismatch", "other session"])
  },
  body: "Forbidden: missing or invalid CSRF token. Reload the form and try again.",
  decode: () => ({ reason: "mismatch" as const })
}) {
  override get message(): string {
    return `Invalid CSRF token (${this.reason})`
  }
}

/**
 * Every refusal of the CSRF checks: `Effect.catchTag("CsrfError", …)` catches both.
 *
 * @since 1.0.0
 * @category errors
 */
export type CsrfError = CrossSiteRequest | InvalidToken

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
export const sessionOf = (context: Context.Context<never>, request: HttpServerRequest.HttpServerRequest) => {
  const session = Context.getOption(context as Context.Context<Session>, Session)
  return session._tag === "None" ? undefined : request.cookies[session.value.cookieName]
}

/** The origin check (`Sec-Fetch-Site`, else `Origin`), with the origins the app added (lower-cased). */
export const checkOrigin =
  (origins: ReadonlySet<string>) =>
  (request: HttpServerRequest.HttpServerRequest): Effect.Effect<void, CrossSiteRequest> => {
    // the rule is @effect-auth/core's; the site's own origin is the request's (its scheme by the TLS rule)
    const source = CsrfOrigin.refusal(
      request.headers["origin"],
      request.headers["sec-fetch-site"],
      origins,
      (origin) => isSameOrigin(request, origin)
    )
    return source === undefined ? Effect.void : Effect.fail(new CrossSiteRequest({ source }))
  }

/** The request's nonce: its cookie's value, when it is one `CsrfToken.makeNonce` could have made. */
export const nonceOf =
  (cookie: cookieJar.CookieJar) => (request: HttpServerRequest.HttpServerRequest): string | undefined => {
    const nonce = cookie.read(request)
    return nonce !== undefined && CsrfToken.isNonce(nonce) ? nonce : undefined
  }

/** The check of a token sent back (from a header or a form field) against the request's nonce and session. */
export const compare =
  (key: KeyObject, nonce: string, session: string | undefined) =>
  (given: string | null | undefined): Effect.Effect<void, InvalidToken> => {
    if (given === null || given === undefined || given === "") {
      return Effect.fail(new InvalidToken({ reason: "no token" }))
    }
    const verdict = CsrfToken.verify(key, given, nonce, session)
    return verdict === "valid" ? Effect.void : Effect.fail(new InvalidToken({ reason: verdict }))
  }
