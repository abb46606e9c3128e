import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerRespondable from "effect/http/HttpServerRespondable"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Result from "effect/Result"
import type { AuthenticationBackend, AuthResult } from "../../AuthenticationBackend.js"
import { isAuthenticationError } from "../../AuthenticationError.js"
import type { AuthenticationError, ServiceUnavailable, TooManyRequests } from "../../AuthenticationError.js"
import { Authentication, CurrentAuthentication } from "../../CurrentUser.js"
import { hasEntry } from "../authentication.js"
import { readContext } from "../context.js"
import { appendNoStore, withNoStore } from "../noStore.js"
import type { EndpointRequirement, GuardTag } from "./guards.js"
import { guardOf } from "./guards.js"

type Response = HttpServerResponse.HttpServerResponse
type Refusal = AuthenticationError | ServiceUnavailable | TooManyRequests
type Served = Effect.Effect<Response, unknown, unknown>

/** What a security handler is given (HttpApi's handler, wrapped, and the endpoint it serves). */
export interface Wrapped {
  readonly endpoint: HttpApiEndpoint.Top
}

// effect-auth's outcomes (a refusal, a denial, a hidden route) are answered here, as they render everywhere: the
// middleware never fails with one, so HttpApi has nothing to try the next scheme with
const render = (error: unknown): Served =>
  HttpServerRespondable.isRespondable(error) ? HttpServerRespondable.toResponse(error) : Effect.fail(error)

const renderPersonal = (error: unknown): Served => Effect.map(render(error), withNoStore)

// the handler's own failures (HttpApi renders them further out) still reach a cache: marked on their way
const personal = (served: Served): Served =>
  Effect.matchCauseEffect(served, {
    onFailure: (cause) => Effect.andThen(appendNoStore, Effect.failCause(cause)),
    onSuccess: (response) => Effect.succeed(withNoStore(response))
  })

/**
 * The authentication middleware's one step per request: the backend runs once, its refusal is answered (or, on an
 * endpoint that takes the user optionally, makes the request anonymous), the endpoint's requirement is checked, and
 * the handler runs with the user; a user's response is `Cache-Control: no-store`. A user installed by an outer
 * middleware (the global `AuthenticationMiddleware.layer` beside the HttpApi layer) is taken as it is, so that the
 * backend does not run twice.
 */
export const makeAuthenticate = (
  backend: AuthenticationBackend.Service,
  requirements: ReadonlyMap<GuardTag, EndpointRequirement>
) => {
  const challenge = backend.anonymous.challenge
  const byEndpoint = new WeakMap<HttpApiEndpoint.Top, EndpointRequirement>()
  const requirementOf = (endpoint: HttpApiEndpoint.Top): EndpointRequirement => {
    let found = byEndpoint.get(endpoint)
    if (found === undefined) {
      const guard = guardOf(endpoint)
      found = guard === undefined ? undefined : requirements.get(guard)
      // the layer checked every endpoint of its API at start-up: another API's endpoint is refused, never served
      if (found === undefined) {
        throw new Error(
          `HttpApiAuthentication: endpoint "${endpoint.identifier}" (${endpoint.method} ${endpoint.path}) is not ` +
            `one of the API HttpApiAuthentication.layer(Tag, Api) was given`
        )
      }
      byEndpoint.set(endpoint, found)
    }
    return found
  }
  const logged = (cause: Cause.Cause<unknown>): Served =>
    Effect.andThen(Effect.logError("AuthenticationBackend failed unexpectedly", cause), Effect.failCause(cause))

  return (httpEffect: Served, options: Wrapped): Served => {
    const endpoint = requirementOf(options.endpoint)
    const check = endpoint.check
    const serve = (authentication: Authentication, isPersonal: boolean): Served => {
      const inner = Effect.provideService(httpEffect, CurrentAuthentication, authentication)
      const denied = check === null ? undefined : check(authentication)
      const checked = denied === undefined
        ? inner
        : Effect.matchEffect(denied, { onFailure: render, onSuccess: () => inner })
      return isPersonal ? personal(checked) : checked
    }
    const run = Effect.matchCauseEffect(backend.authenticate as Effect.Effect<AuthResult, Refusal>, {
      onFailure: (cause): Served => {
        const failure = Cause.findError(cause)
        if (Result.isFailure(failure)) return Cause.hasInterruptsOnly(cause) ? Effect.failCause(cause) : logged(cause)
        // a refusal of credentials depends on them: no cache keeps it; on an optional endpoint it is anonymous
        return endpoint.optional && isAuthenticationError(failure.success)
          ? serve(backend.anonymous, true)
          : renderPersonal(failure.success)
      },
      onSuccess: (result): Served =>
        result._tag === "None"
          ? serve(backend.anonymous, false)
          : serve(new Authentication(result.value[1], result.value[0], challenge), true)
    })
    return readContext((context) =>
      hasEntry(context) ? serve(Context.getUnsafe(context, CurrentAuthentication), true) : run
    )
  }
}

/**
 * The middleware's service: one handler per scheme, as HttpApi wants. The handler never fails with effect-auth's
 * outcomes (it answers them), so HttpApi does not try the next scheme; should anything else fail, the first scheme's
 * failure is kept for the request and the others fail with it: the backend runs once per request, and a refusal
 * never falls through to another scheme.
 */
export const service = (
  names: ReadonlyArray<string>,
  authenticate: (httpEffect: Served, options: Wrapped) => Served
): Record<string, (httpEffect: Served, options: Wrapped) => Served> => {
  if (names.length === 1) return { [names[0]!]: authenticate }
  const failures = new WeakMap<HttpServerRequest.HttpServerRequest, Cause.Cause<unknown>>()
  const once = (httpEffect: Served, options: Wrapped): Served =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
      const failed = failures.get(request)
      return failed !== undefined
        ? Effect.failCause(failed)
        : Effect.tapCause(authenticate(httpEffect, options), (cause) => Effect.sync(() => failures.set(request, cause)))
    })
  return Object.fromEntries(names.map((name) => [name, once]))
}
