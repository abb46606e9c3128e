import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import type { AuthenticationBackend, AuthResult } from "../../AuthenticationBackend.js"
import { isAuthenticationError } from "../../AuthenticationError.js"
import type { AuthenticationError, ServiceUnavailable, TooManyRequests } from "../../AuthenticationError.js"
import { Authentication } from "../../CurrentUser.js"
import type { PermissionDenied } from "../../PermissionDenied.js"
import { readService } from "../context.js"
import { appendNoStore } from "../noStore.js"
import { handOver, requirementOf } from "./guards.js"

// the requests whose response is computed for a user (the backend accepted their credentials): `renderErrors`
// marks their response `Cache-Control: no-store` on its way out, where a pre-response handler would cost a write to
// the fiber's refs per request. Keyed by what the platform read the request from, which a router that rewrites the
// request (a mounted app) keeps
const personal = new WeakSet<object>()

const keyOf = (request: HttpServerRequest.HttpServerRequest): object =>
  typeof request.source === "object" && request.source !== null ? request.source : request

/** Whether the response to `request` is computed for a user, and must not be stored by a cache. @internal */
export const isPersonal = (request: HttpServerRequest.HttpServerRequest): boolean => personal.has(keyOf(request))

const logged = (cause: Cause.Cause<unknown>): Effect.Effect<void> =>
  Cause.isDie(cause)
    ? Effect.logError("AuthenticationBackend failed unexpectedly", cause)
    // a refusal of credentials depends on them: no cache keeps it
    : Cause.isFailure(cause)
    ? appendNoStore
    : Effect.void

/** @internal */
export const makeAuthenticate = (
  backend: AuthenticationBackend.Service
): Effect.Effect<
  Authentication,
  AuthenticationError | ServiceUnavailable | TooManyRequests | PermissionDenied,
  HttpServerRequest.HttpServerRequest
> => {
  const challenge = backend.anonymous.challenge
  const anonymous = Effect.succeed(backend.anonymous)
  // one request: the backend, then the endpoint's check (its guard, run just before, said what it requires; when it
  // has not run yet, it checks the user itself when it does), the user's response marked personal
  const run = (request: HttpServerRequest.HttpServerRequest) => {
    const endpoint = requirementOf(request)
    const check = endpoint === undefined ? null : endpoint.check
    const checked = (authentication: Authentication): Effect.Effect<Authentication, PermissionDenied> => {
      if (endpoint === undefined) {
        handOver(request, authentication)
        return Effect.succeed(authentication)
      }
      const denied = check === null ? undefined : check(authentication)
      return denied === undefined ? Effect.succeed(authentication) : Effect.as(denied, authentication)
    }
    return Effect.matchCauseEffect<
      AuthResult,
      AuthenticationError | ServiceUnavailable | TooManyRequests,
      HttpServerRequest.HttpServerRequest,
      Authentication,
      AuthenticationError | ServiceUnavailable | TooManyRequests,
      never,
      Authentication,
      PermissionDenied,
      never
    >(backend.authenticate, {
      onFailure: (cause) => {
        const failure = Cause.failureOption(cause)
        // a refusal of credentials is an anonymous request on an endpoint that takes the user optionally
        const refusedOptionally = endpoint !== undefined && endpoint.optional && failure._tag === "Some" &&
          isAuthenticationError(failure.value)
        const next: Effect.Effect<Authentication, AuthenticationError | ServiceUnavailable | TooManyRequests> =
          refusedOptionally ? anonymous : Effect.failCause(cause)
        return Effect.zipRight(logged(cause), next)
      },
      onSuccess: (result) => {
        if (result._tag === "None") return checked(backend.anonymous)
        personal.add(keyOf(request))
        return checked(new Authentication(result.value[1], result.value[0], challenge))
      }
    })
  }
  return readService(HttpServerRequest.HttpServerRequest, run)
}

/**
 * The middleware's service: one handler per scheme, as HttpApi wants. HttpApi tries the next scheme when one
 * fails, so with several schemes the first one's failure is kept for the request and the others fail with it: the
 * backend runs once, and a denial or a refusal is never retried as another scheme.
 *
 * @internal
 */
export const service = (tag: HttpApiMiddleware.TagClassAny, effect: Effect.Effect<any, any, any>): unknown => {
  if (!HttpApiMiddleware.isSecurity(tag)) return effect
  const names = Object.keys(tag.security)
  if (names.length === 1) return { [names[0]!]: () => effect }
  const failures = new WeakMap<HttpServerRequest.HttpServerRequest, unknown>()
  const once = readService(HttpServerRequest.HttpServerRequest, (request): Effect.Effect<unknown, unknown, any> => {
    return failures.has(request)
      ? Effect.fail(failures.get(request))
      : Effect.tapError(effect, (error) => Effect.sync(() => failures.set(request, error)))
  })
  return Object.fromEntries(names.map((name) => [name, () => once]))
}
