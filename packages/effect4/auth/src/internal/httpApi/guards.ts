import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as HttpApi from "effect/http-api/HttpApi"
import type * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import type * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as HttpApiMiddleware from "effect/http-api/HttpApiMiddleware"
import type * as Schema from "effect/Schema"
import type { Authentication } from "../../CurrentUser.js"
import { CurrentAuthentication } from "../../CurrentUser.js"
import * as Policy from "../../Policy.js"
import * as Requires from "../../Requires.js"
import { allOfScopes, hasChecks } from "../policyAnalysis.js"
import type { ForbiddenSchema, LoginRedirectSchema, NotFoundSchema, UnauthorizedSchema } from "./wireSchemas.js"

/** What `requires` (or `optional`) put on an endpoint. */
export interface RequirementValue {
  readonly requirement: Requires.Requirement
  readonly options: Requires.RequiresOptions | undefined
  /** a refusal of credentials makes the request anonymous instead of failing it */
  readonly optional: boolean
}

/** A check of the user: `undefined` when it passes at once (no effect to run), else the effect that decides. */
export type Check = (authentication: Authentication) => Effect.Effect<void, unknown> | undefined

/** What the middleware checks for an endpoint, built once at start-up. */
export interface EndpointRequirement {
  readonly check: Check | null
  readonly optional: boolean
}

/** @internal */
export const GuardTypeId: unique symbol = Symbol.for("effect-auth/HttpApiAuthentication/Guard")

/** An endpoint middleware that carries its endpoint's requirement (and lists the denials it can answer with). */
export interface GuardTag extends HttpApiMiddleware.AnyService {
  readonly [GuardTypeId]: RequirementValue
}

export const isGuard = (u: unknown): u is GuardTag => typeof u === "function" && GuardTypeId in u

const describe = (requirement: Requires.Requirement): string =>
  Policy.isPolicy(requirement) ? Policy.format(requirement) : JSON.stringify(requirement)

/**
 * A guard of its own for each annotated endpoint: the served endpoint carries its requirement, so no other copy of
 * the API can decide what it requires, and a guard that nothing provides stops the server at start-up. `errors` are
 * the denials the endpoint can answer with, which HttpApi lists among the endpoint's responses.
 */
export const makeGuard = (
  value: RequirementValue,
  method: string,
  path: string,
  errors: ReadonlyArray<Schema.Top>
): GuardTag => {
  const what = value.optional ? "optional" : `requires ${describe(value.requirement)}`
  // the key is what "Service not found" names when a server serves this endpoint without the layer built from its API
  const key = `effect-auth/HttpApiAuthentication: the guard of ${method} ${path} (${what}), which ` +
    `HttpApiAuthentication.layer(Tag, Api) provides when given the API served`
  const tag = HttpApiMiddleware.Service<GuardTag>()(key, { error: errors }) as unknown as GuardTag
  Object.defineProperty(tag, GuardTypeId, { value })
  return tag
}

/** The guard `endpoint` carries, if any. */
export const guardOf = (endpoint: HttpApiEndpoint.Top): GuardTag | undefined => {
  for (const middleware of endpoint.middlewares) if (isGuard(middleware)) return middleware
  return undefined
}

/**
 * The guards of `api`'s endpoints; throws when a guarded endpoint does not use the middleware `key`, or when an
 * endpoint behind the middleware has no guard (its document and its enforcement would disagree).
 */
export const guards = (api: HttpApi.Top, key: string): ReadonlyArray<GuardTag> => {
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
        if (authenticated) undeclared.push(`${group.identifier}.${endpoint.identifier}`)
        return
      }
      if (!authenticated) {
        // fail at start-up rather than serve a protected endpoint unprotected
        throw new Error(
          `HttpApiAuthentication: endpoint "${group.identifier}.${endpoint.identifier}" ${
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
    const one = undeclared.length === 1
    throw new Error(
      `HttpApiAuthentication: ${undeclared.map((name) => `"${name}"`).join(", ")} ${one ? "is" : "are"} behind ` +
        `the authentication middleware "${key}" but ${one ? "does" : "do"} not say what ${
          one ? "it requires" : "they require"
        }: the OpenAPI document would say authentication is required while anonymous requests pass. Declare it on ` +
        `each endpoint: HttpApiAuthentication.requires(...) for what it requires, requires([]) or optional for anyone`
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
    unknown,
    never
  >
  const withServices = hasChecks(policy)
    ? Effect.updateContext(guarded, (input: Context.Context<never>) => Context.merge(services, input))
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
export const assertUnguarded = (endpoint: HttpApiEndpoint.Top, what: string): void => {
  if (guardOf(endpoint) !== undefined) {
    throw new Error(
      `HttpApiAuthentication: endpoint "${endpoint.identifier}" (${endpoint.method} ${endpoint.path}) already has a ` +
        `requirement; ${what} would hide it: combine them in one requires(Policy.all(…))`
    )
  }
}

/** What an endpoint requires, as `requires` annotated it (the public `HttpApiAuthentication.RequirementAnnotation`). */
export class RequirementAnnotation extends Context.Service<
  RequirementAnnotation,
  {
    readonly requirement: string | ReadonlyArray<string> | Policy.Policy<any>
    readonly options: Requires.RequiresOptions | undefined
  }
>()("effect-auth/HttpApiAuthentication/Requirement") {}

/** The denials an endpoint's handler may fail with, as the endpoint lists them. */
export type Denials = readonly [
  typeof UnauthorizedSchema,
  typeof ForbiddenSchema,
  typeof NotFoundSchema,
  typeof LoginRedirectSchema
]

/** The type of the guard `requires` attaches to an endpoint (the public `HttpApiAuthentication.Guard`). */
export interface Guard<R> {
  readonly "~effect/http-api/HttpApiMiddleware": {
    readonly provides: never
    readonly requires: never
    readonly error: Denials
    readonly clientError: never
    readonly requiredForClient: false
  }
  readonly "~effect-auth/HttpApiAuthentication/Guard": (_: never) => R
}

/** What guards need and which guards an API has. */
export declare namespace Guard {
  /** What a guard's checks need. */
  export type Context<G> = G extends Guard<infer R> ? R : never

  /** The guards of an API's groups. */
  export type FromGroups<Groups extends HttpApiGroup.Constraint> = Extract<
    HttpApiEndpoint.Middleware<HttpApiGroup.Endpoints<Groups>>,
    Guard<any>
  >
}
