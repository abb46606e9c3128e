import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type { AuthenticationBackend } from "../../AuthenticationBackend.js"
import { isAuthenticationError } from "../../AuthenticationError.js"
import type { AuthenticationError, ServiceUnavailable, TooManyRequests } from "../../AuthenticationError.js"
import { Authentication } from "../../CurrentUser.js"
import type { PermissionDenied } from "../../PermissionDenied.js"
import { readContext, readService } from "../context.js"
import { appendNoStore } from "../noStore.js"
import { CurrentRequirement } from "./guards.js"

/** @internal */
export const makeAuthenticate = (
  backend: AuthenticationBackend.Service
): Effect.Effect<
  Authentication,
  AuthenticationError | ServiceUnavailable | TooManyRequests | PermissionDenied,
  HttpServerRequest.HttpServerRequest
> => {
  const challenge = backend.anonymous.challenge
  const authenticated = Effect.matchCauseEffect(backend.authenticate, {
    onFailure: (cause) =>
      Effect.zipRight(
        Cause.isDie(cause)
          ? Effect.logError("AuthenticationBackend failed unexpectedly", cause)
          // a refusal of credentials depends on them: no cache keeps it
          : Cause.isFailure(cause)
          ? appendNoStore
          : Effect.void,
        Effect.failCause(cause)
      ),
    onSuccess: (result): Effect.Effect<Authentication> =>
      result._tag === "None"
        ? Effect.succeed(backend.anonymous)
        // a response computed for this user: no cache keeps it
        : Effect.as(appendNoStore, new Authentication(result.value[1], result.value[0], challenge))
  })
  // a refusal of credentials is an anonymous request on an endpoint that takes the user optionally
  const optional = Effect.catchIf(authenticated, isAuthenticationError, () => Effect.succeed(backend.anonymous))

  // the endpoint's guard, run just before, says what it requires; an endpoint without one requires nothing
  return readContext((context) => {
    const requirement = Context.getOption(context, CurrentRequirement)
    if (requirement._tag === "None") return authenticated
    const endpoint = requirement.value
    const base = endpoint.optional ? optional : authenticated
    return endpoint.check === null ? base : Effect.tap(base, endpoint.check)
  })
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
