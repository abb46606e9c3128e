import * as HttpApi from "@effect/platform/HttpApi"
import type * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import type * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { Authentication } from "../../CurrentUser.js"
import { CurrentAuthentication } from "../../CurrentUser.js"
import type { PermissionDenied } from "../../PermissionDenied.js"
import * as Policy from "../../Policy.js"
import * as Requires from "../../Requires.js"
import { readService } from "../context.js"
import { allOfScopes, hasChecks } from "../policyAnalysis.js"

/** What `requires` (or `optional`) put on an endpoint. */
export interface RequirementValue {
  readonly requirement: Requires.Requirement
  readonly options: Requires.RequiresOptions | undefined
  /** a refusal of credentials makes the request anonymous instead of failing it */
  readonly optional: boolean
}

/** A check of the user: `undefined` when it passes at once (no effect to run), else the effect that decides. */
type Check = (authentication: Authentication) => Effect.Effect<void, PermissionDenied> | undefined

/** What the middleware is told about the endpoint being served, by the endpoint's own guard. */
export interface EndpointRequirement {
  readonly check: Check | null
  readonly optional: boolean
}

// what each request's endpoint requires, written by the endpoint's guard just before the authentication middleware
// reads it (HttpApi runs an endpoint's own middleware outside its group's): a table keyed by the request, where a
// context entry would cost a copy of the request's context and two writes to the fiber's refs per request
const requirements = new WeakMap<HttpServerRequest.HttpServerRequest, EndpointRequirement>()

// the user of a request that the middleware authenticated before the endpoint's guard ran (the endpoint added the
// middleware after `requires`, so HttpApi runs it outside the guard): the guard checks it when it runs
const unchecked = new WeakMap<HttpServerRequest.HttpServerRequest, Authentication>()

/** What the endpoint that `request` is being served by requires, as its guard said; `undefined` before it ran. */
export const requirementOf = (request: HttpServerRequest.HttpServerRequest): EndpointRequirement | undefined =>
  requirements.get(request)

/** Hands the user of a request whose guard has not run yet over to the guard, which checks it when it runs. */
export const handOver = (request: HttpServerRequest.HttpServerRequest, authentication: Authentication): void => {
  unchecked.set(request, authentication)
}

/**
 * The service of a guard (one step): it tells the authentication middleware what its endpoint requires, or, when
 * the middleware ran first, checks the user it authenticated (fails closed: a guard is never skipped).
 */
export const tell = (
  requirement: EndpointRequirement
): Effect.Effect<void, PermissionDenied, HttpServerRequest.HttpServerRequest> =>
  readService(HttpServerRequest.HttpServerRequest, (request) => {
    const authentication = unchecked.get(request)
    if (authentication === undefined) {
      requirements.set(request, requirement)
      return Effect.void
    }
    unchecked.delete(request)
    return (requirement.check === null ? undefined : requirement.check(authentication)) ?? Effect.void
  })

/** @internal */
export const GuardTypeId: unique symbol = Symbol.for("effect-auth/HttpApiAuthentication/Guard")

/** An endpoint middleware that carries its endpoint's requirement and hands it to the authentication middleware. */
export interface GuardTag extends HttpApiMiddleware.TagClassAny {
  readonly [GuardTypeId]: RequirementValue
}

export const isGuard = (u: unknown): u is GuardTag => typeof u === "function" && GuardTypeId in u

/**
 * A guard of its own for each annotated endpoint: the served endpoint carries its requirement, so no other copy of
 * the API can decide what it requires, and a guard that nothing provides stops the server at start-up.
 */
export const makeGuard = (value: RequirementValue, method: string, path: string): GuardTag => {
  const what = value.optional ? "optional" : `requires ${describe(value.requirement)}`
  // the key is what "Service not found" names when a server serves this endpoint without the layer built from its API
  const key = `effect-auth/HttpApiAuthentication: the guard of ${method} ${path} (${what}), which ` +
    `HttpApiAuthentication.layer(Tag, Api) provides when given the API served`
  // the Tag class, which carries its requirement once `GuardTypeId` is defined on it just below
  const tag = HttpApiMiddleware.Tag<GuardTag>()(key, { failure: Schema.Never }) as unknown as GuardTag
  Object.defineProperty(tag, GuardTypeId, { value })
  return tag
}

const describe = (requirement: Requires.Requirement): string =>
  Policy.isPolicy(requirement) ? Policy.format(requirement) : JSON.stringify(requirement)

/**
 * The guards of `api`'s endpoints; throws when a guarded endpoint's group does not use the middleware `key`, or when
 * an endpoint behind the middleware has no guard (its document and its enforcement would disagree).
 */
export const guards = (api: HttpApi.HttpApi.AnyWithProps, key: string): ReadonlyArray<GuardTag> => {
  const out: Array<GuardTag> = []
  const undeclared: Array<string> = []
  HttpApi.reflect(api, {
    onGroup() {},
    onEndpoint({ endpoint, group, middleware }) {
      const own = Array.from(endpoint.middlewares).filter(isGuard)
      const authenticated = Array.from(middleware).some((tag) => tag.key === key)
      if (own.length === 0) {
        // behind the middleware, HttpApi documents every endpoint as "authentication required": one that does not
        // say what it requires would let anonymous requests through while its document says otherwise
        if (authenticated) undeclared.push(`${group.identifier}.${endpoint.name}`)
        return
      }
      if (!authenticated) {
        // fail at start-up rather than serve a protected endpoint unprotected
        throw new Error(
          `HttpApiAuthentication: endpoint "${group.identifier}.${endpoint.name}" ${
            own.map((guard) =>
              guard[GuardTypeId].optional ?
                "takes the user optionally" :
                `requires ${describe(guard[GuardTypeId].requirement)}`
            ).join(" and ")
          }, but neither its group nor the endpoint uses the authentication middleware "${key}", so nothing would enforce it`
        )
      }
      out.push(...own)
    }
  })
  if (undeclared.length > 0) {
    throw new Error(
      `HttpApiAuthentication: ${undeclared.map((name) => `"${name}"`).join(", ")} ${
        undeclared.length === 1 ? "is" : "are"
      } behind the authentication middleware "${key}" but ${undeclared.length === 1 ? "does" : "do"} not say what ${
        undeclared.length === 1 ? "it requires" : "they require"
      }: the OpenAPI document would say ` +
        `authentication is required while anonymous requests pass. Declare it on each endpoint: ` +
        `HttpApiAuthentication.requires(...) for what it requires, requires([]) or optional for anyone`
    )
  }
  return out
}

/**
 * What the middleware checks for an endpoint, built once at start-up. `services` are what the layer was given:
 * the effectful checks of a policy run with them (and with the request's own context, which wins).
 */
export const endpointRequirement = (value: RequirementValue, services: Context.Context<never>): EndpointRequirement => {
  if (value.optional) return { check: null, optional: true }
  const policy = Requires.toPolicy(value.requirement)
  // the denial is `requires` itself, so status, redirect, challenge and websocket rules are the same everywhere; what
  // it needs (the request, the user, the checks' services) is provided below, per request
  const guarded = Requires.requires(Effect.void, value.requirement, value.options) as Effect.Effect<
    void,
    PermissionDenied,
    never
  >
  const withServices = hasChecks(policy)
    ? Effect.mapInputContext(guarded, (input: Context.Context<never>) => Context.merge(services, input))
    : guarded
  const run = (authentication: Authentication) =>
    Effect.provideService(withServices, CurrentAuthentication, authentication)
  const scopes = allOfScopes(policy)
  // all of some scopes (the common case): a passing request allocates nothing and runs no effect
  return {
    optional: false,
    check: scopes === undefined
      ? run
      : (authentication) =>
        Requires.hasRequiredScope(authentication.credentials, scopes) ? undefined : run(authentication)
  }
}

/** Throws when `endpoint` already has a guard: two would hide one another (one requirement per endpoint). */
export const assertUnguarded = (endpoint: HttpApiEndpoint.HttpApiEndpoint.AnyWithProps, what: string): void => {
  if (Array.from(endpoint.middlewares).some(isGuard)) {
    throw new Error(
      `HttpApiAuthentication: endpoint "${endpoint.name}" (${endpoint.method} ${endpoint.path}) already has a ` +
        `requirement; ${what} would hide it: combine them in one requires(Policy.all(…))`
    )
  }
}

/** What an endpoint requires, as `requires` annotated it (the public `HttpApiAuthentication.RequirementAnnotation`). */
export class RequirementAnnotation extends Context.Tag("effect-auth/HttpApiAuthentication/Requirement")<
  RequirementAnnotation,
  {
    readonly requirement: string | ReadonlyArray<string> | Policy.Policy<any>
    readonly options: Requires.RequiresOptions | undefined
  }
>() {}

/** The type of the guard `requires` attaches to an endpoint (the public `HttpApiAuthentication.Guard`). */
export interface Guard<R> {
  readonly [HttpApiMiddleware.TypeId]: {
    readonly provides: never
    readonly failure: never
    readonly failureContext: never
  }
  readonly "~effect-auth/HttpApiAuthentication/Guard": (_: never) => R
}

/** What guards need and which guards an API has. */
export declare namespace Guard {
  /** What a guard's checks need. */
  export type Context<G> = G extends Guard<infer R> ? R : never

  /** The guards of an API's groups. */
  export type FromGroups<Groups extends HttpApiGroup.HttpApiGroup.Any> = Extract<
    HttpApiGroup.HttpApiGroup.ClientContext<Groups>,
    Guard<any>
  >
}
