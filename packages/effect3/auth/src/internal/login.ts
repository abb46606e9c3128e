import * as LoginForm from "@effect-auth/core/LoginForm"
import * as Redirect from "@effect-auth/core/Redirect"
import * as Cookies from "@effect/platform/Cookies"
import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { CurrentAuthentication } from "../CurrentUser.js"
import type { PermissionDenied } from "../PermissionDenied.js"
import { Forbidden, LoginRedirect, Unauthorized } from "../PermissionDenied.js"
import type * as Throttle from "../Throttle.js"

/** `Login.throttled`: `attempt` through `guard`, counted per device cookie when the browser has one for `username`. */
export const throttled = <A, E, R>(
  attempt: Effect.Effect<Option.Option<A>, E, R>,
  guard: Throttle.Guard,
  username: string
) =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    if (guard.deviceCookie._tag === "None") return guard(username, request.remoteAddress, attempt)
    const device = guard.deviceCookie.value
    const client = { address: request.remoteAddress, deviceCookie: Option.getOrUndefined(device.read(request)) }
    // a success sets a new device cookie on whatever response the handler then gives (the login's 303)
    return Effect.tap(
      guard(username, client, attempt),
      (result) =>
        result._tag === "Some"
          ? HttpApp.appendPreResponseHandler((request, response) => device.set(request, response, username))
          : Effect.void
    )
  })

/** The response with its cookie `name` made a browser-session cookie (no `Max-Age`, no `Expires`), if it sets one. */
export const withoutMaxAge = (response: HttpServerResponse.HttpServerResponse, name: string) => {
  const cookie = Cookies.get(response.cookies, name)
  if (cookie._tag === "None") return response
  const { expires: _expires, maxAge: _maxAge, ...options } = cookie.value.options ?? {}
  return HttpServerResponse.unsafeSetCookie(response, name, cookie.value.value, options)
}

/** Whether the request is a browser's page load (the rule is @effect-auth/core's). */
const isBrowser = (request: HttpServerRequest.HttpServerRequest): boolean =>
  LoginForm.isPageLoad(request.method, request.headers["accept"])

/** `Login.redirectBrowsers`: an anonymous browser's 401 or 403 from `self` becomes a `LoginRedirect` to `login`. */
export const redirectBrowsers = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  login: string
): Effect.Effect<A, E | LoginRedirect, R> =>
  Effect.catchIf(
    self,
    (error): error is E & PermissionDenied => error instanceof Unauthorized || error instanceof Forbidden,
    (denied) =>
      Effect.flatMap(
        Effect.all([
          Effect.serviceOption(HttpServerRequest.HttpServerRequest),
          Effect.serviceOption(CurrentAuthentication)
        ]),
        ([request, auth]): Effect.Effect<never, E | LoginRedirect> =>
          request._tag === "Some" && isBrowser(request.value) &&
            (denied instanceof Unauthorized || (auth._tag === "Some" && !auth.value.user.isAuthenticated))
            ? Effect.fail(
              new LoginRedirect({
                scopes: denied.scopes,
                clause: denied.clause,
                location: Redirect.withNext(login, request.value.originalUrl)
              })
            )
            : Effect.fail(denied)
      )
  )
