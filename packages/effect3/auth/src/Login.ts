/**
 * The building blocks of a login form's handlers: read the form (bounded), log in and send the user back to a safe
 * `next`, log out, and send browsers that are denied a page to the login form while other clients get the 401 and
 * its challenge. Pair them with `Csrf` (every state-changing request checked) and `Session` (the cookie).
 *
 * @since 0.2.0
 */
import * as LoginForm from "@effect-auth/core/LoginForm"
import * as Redirect from "@effect-auth/core/Redirect"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { AuthCredentials } from "./AuthCredentials.js"
import type { PayloadTooLarge, ServiceUnavailable, TooManyRequests } from "./AuthenticationError.js"
import * as Csrf from "./Csrf.js"
import { isUrlEncoded, readUrlParams } from "./internal/form.js"
import * as internal from "./internal/login.js"
import * as Outcome from "./internal/outcome.js"
import type { LoginRedirect } from "./PermissionDenied.js"
import * as Session from "./Session.js"
import type { SessionStoreError } from "./SessionStore.js"
import type * as Throttle from "./Throttle.js"
import type { Scope, User } from "./User.js"

/**
 * A path on this site for a `next` a client sent (a login form's, a query's): one `/` then anything but another
 * `/` or `\`, so that a redirect to it stays on this site whatever it held (`https://evil.example` becomes `/`,
 * `//evil.example` and `/\evil.example` become `/evil.example`); tabs and newlines are dropped, as browsers do.
 *
 * @example
 * ```ts
 * import * as Login from "effect-auth/Login"
 *
 * Login.safeNext("/dashboard?tab=2") // "/dashboard?tab=2"
 * Login.safeNext("//evil.example") // "/evil.example"
 * ```
 *
 * @since 0.2.0
 * @category redirects
 */
export const safeNext: (next: string) => string = Redirect.safeNext

/**
 * A login form that could not be read: not URL-encoded, or without a username or password, or with one longer
 * than allowed: 400 `text/plain`.
 *
 * @since 0.2.0
 * @category errors
 */
export class InvalidForm extends Outcome.make<InvalidForm>("effect-auth/InvalidLoginForm")("InvalidForm", {
  status: 400,
  description: "The login form could not be read",
  fields: { reason: Schema.String },
  body: "Bad Request: invalid login form",
  decode: () => ({ reason: "" })
}) {
  override get message(): string {
    return `Invalid login form: ${this.reason}`
  }
}

/**
 * What a login form sent: the password `Redacted` from the moment it is read, `next` already safe.
 *
 * @since 0.2.0
 * @category models
 */
export interface Form {
  readonly username: string
  readonly password: Redacted.Redacted<string>
  /** Where to go after login: a path on this site (see {@link safeNext}), `/` when the form had none. */
  readonly next: string
  /** Whether "remember me" was checked: any value of the field but `""` and `"off"`. */
  readonly remember: boolean
}

/**
 * @since 0.2.0
 * @category models
 */
export interface FormOptions {
  /** The largest form read, in bytes (default 8 KiB; a larger `Content-Length` gets 413 before it is read). */
  readonly maxBytes?: number | undefined
  /** The largest username, in UTF-16 units (default 256). */
  readonly maxUsername?: number | undefined
  /** The largest password, in UTF-16 units (default 1024: a long passphrase, not a megabyte to hash). */
  readonly maxPassword?: number | undefined
}

// a login form holds two short fields, a path and a token: 8 KiB is room for a long `next`
const defaultMaxBytes = 8 * 1024
const defaultMaxUsername = 256
const defaultMaxPassword = 1024

/**
 * Reads the request's login form (`username`, `password`, `next`, `remember`), URL-encoded, bounded in size.
 *
 * @since 0.2.0
 * @category forms
 */
export const readForm = (
  options: FormOptions = {}
): Effect.Effect<Form, InvalidForm | PayloadTooLarge, HttpServerRequest.HttpServerRequest> => {
  const maxBytes = options.maxBytes ?? defaultMaxBytes
  const limits = {
    maxUsername: options.maxUsername ?? defaultMaxUsername,
    maxPassword: options.maxPassword ?? defaultMaxPassword
  }
  return Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    if (!isUrlEncoded(request)) return Effect.fail(new InvalidForm({ reason: "not application/x-www-form-urlencoded" }))
    return Effect.flatMap(readUrlParams(request, maxBytes), (params): Effect.Effect<Form, InvalidForm> => {
      // the fields' rules are @effect-auth/core's; the password is `Redacted` as soon as it is read
      const parsed = LoginForm.parse(params, limits)
      if (parsed._tag === "Invalid") return Effect.fail(new InvalidForm({ reason: parsed.reason }))
      const { next, password, remember, username } = parsed
      return Effect.succeed({ username, password: Redacted.make(password), next, remember })
    })
  })
}

/**
 * Runs a login form's password check through a throttle (`Throttle.make`), in the store Basic's `throttle` counts
 * in: a browser with a device cookie for `username` counts against that cookie alone, any other client against
 * `username` and the request's client address; past a limit, `TooManyRequests` (429, `Retry-After`) before the
 * check runs. `None` from the check is a failure. A success sets a new device cookie for `username` on the response
 * (unless the guard has `deviceCookie: false`), so that this browser keeps logging in whatever others try.
 *
 * @example
 * ```ts
 * import { Throttle } from "effect-auth"
 * import * as Login from "effect-auth/Login"
 * import { Effect, Option } from "effect"
 *
 * const check = (_username: string) => Effect.succeed(Option.none<string>()) // a user table's lookup
 *
 * const submit = Effect.gen(function*() {
 *   const guard = yield* Throttle.make()
 *   const form = yield* Login.readForm()
 *   return yield* check(form.username).pipe(Login.throttled(guard, form.username))
 * })
 * ```
 *
 * @since 0.2.0
 * @category combinators
 */
export const throttled: {
  (guard: Throttle.Guard, username: string): <A, E, R>(
    attempt: Effect.Effect<Option.Option<A>, E, R>
  ) => Effect.Effect<
    Option.Option<A>,
    E | TooManyRequests | ServiceUnavailable,
    R | HttpServerRequest.HttpServerRequest
  >
  <A, E, R>(
    attempt: Effect.Effect<Option.Option<A>, E, R>,
    guard: Throttle.Guard,
    username: string
  ): Effect.Effect<Option.Option<A>, E | TooManyRequests | ServiceUnavailable, R | HttpServerRequest.HttpServerRequest>
} = dual(
  3,
  internal.throttled
)

/**
 * @since 0.2.0
 * @category models
 */
export interface LoginOptions {
  readonly user: User
  readonly scopes?: AuthCredentials | ReadonlyArray<Scope> | undefined
  /** Where to send the user: made safe here again (see {@link safeNext}); `/` by default. */
  readonly next?: string | undefined
  /**
   * "Remember me": `true` keeps the cookie's `Max-Age` (the session's lifetime, across browser restarts); `false`
   * (the default) makes it a browser-session cookie, gone when the browser closes. The session itself ends as the
   * store says either way.
   */
  readonly remember?: boolean | undefined
}

/**
 * Logs `user` in: a 303 to the safe `next` with a new session's cookie (`Session.login`: a pre-login session is
 * revoked, never reused) and a new CSRF cookie, so that tokens known before login are worthless after it.
 *
 * @since 0.2.0
 * @category handlers
 */
export const login = (
  options: LoginOptions
): Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  SessionStoreError,
  HttpServerRequest.HttpServerRequest | Session.Session | Csrf.Csrf
> =>
  Effect.gen(function*() {
    const session = yield* Session.Session
    const redirected = HttpServerResponse.redirect(safeNext(options.next ?? "/"), { status: 303 })
    const loggedIn = yield* session.login(redirected, options.user, options.scopes)
    return yield* Csrf.rotate(
      options.remember === true ? loggedIn : internal.withoutMaxAge(loggedIn, session.cookieName)
    )
  })

/**
 * Logs the request's session out: a 303 to `location` (default `/login`) that revokes the session, expires its
 * cookie and sets a new CSRF cookie.
 *
 * @since 0.2.0
 * @category handlers
 */
export const logout = (
  location = "/login"
): Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  SessionStoreError,
  HttpServerRequest.HttpServerRequest | Session.Session | Csrf.Csrf
> =>
  Effect.flatMap(
    Session.logout(HttpServerResponse.redirect(location, { status: 303 })),
    Csrf.rotate
  )

/**
 * Sends browsers that `requires` denied because they are anonymous to the login page: a request that accepts
 * `text/html` (a page load, GET or HEAD) gets a 303 to `login` with `next`, instead of the 401 with the challenge or
 * the 403 that other clients keep getting. An authenticated user who lacks a scope keeps the 403 (a login would not
 * help, and a redirect would loop).
 *
 * @example
 * ```ts
 * import { requires } from "effect-auth"
 * import * as Login from "effect-auth/Login"
 * import { HttpRouter, HttpServerResponse } from "@effect/platform"
 *
 * const router = HttpRouter.empty.pipe(
 *   HttpRouter.get(
 *     "/dashboard",
 *     HttpServerResponse.text("dashboard").pipe(requires("authenticated"), Login.redirectBrowsers("/login"))
 *   )
 * )
 * ```
 *
 * @since 0.2.0
 * @category combinators
 */
export const redirectBrowsers: {
  (login: string): <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E | LoginRedirect, R>
  <A, E, R>(self: Effect.Effect<A, E, R>, login: string): Effect.Effect<A, E | LoginRedirect, R>
} = dual(2, internal.redirectBrowsers)
