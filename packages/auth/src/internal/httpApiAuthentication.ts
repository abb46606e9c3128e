import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpRouter from "@effect/platform/HttpRouter"
import type * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { AuthenticationBackend } from "../AuthenticationBackend.js"
import type { AuthenticationError, ServiceUnavailable } from "../AuthenticationError.js"
import { Authentication, CurrentAuthentication } from "../CurrentUser.js"
import type { PermissionDenied } from "../PermissionDenied.js"
import * as Policy from "../Policy.js"
import * as Requires from "../Requires.js"
import * as policies from "./policy.js"

/** @internal */
export interface RequirementValue {
  readonly requirement: string | ReadonlyArray<string> | Policy.Policy<never>
  readonly options: Requires.RequiresOptions | undefined
}

type Check = (authentication: Authentication) => Effect.Effect<void, PermissionDenied>

// --- enforcement: one check per endpoint, built at start-up --------------------------------------------------------

const makeCheck = ({ options, requirement }: RequirementValue): Check => {
  // the denial is `requires` itself, so status, redirect, challenge and websocket rules are the same everywhere
  const guarded = Requires.requires(Effect.void, requirement, options)
  const scopes = policies.allOfScopes(policies.toPolicy(requirement))
  const run: Check = (authentication) => Effect.provideService(guarded, CurrentAuthentication, authentication)
  // all of some scopes (the common case): a passing request allocates nothing
  return scopes === undefined
    ? run
    : (authentication) =>
      Requires.hasRequiredScope(authentication.credentials, scopes) ? Effect.void : run(authentication)
}

const describe = (requirement: RequirementValue["requirement"]): string =>
  Policy.isPolicy(requirement) ? Policy.format(requirement) : JSON.stringify(requirement)

/** @internal */
export const routeTable = (
  api: HttpApi.HttpApi.AnyWithProps,
  key: string,
  getRequirement: (annotations: Context.Context<never>) => Option.Option<RequirementValue>
): Map<string, Check | null> => {
  const table = new Map<string, Check | null>()
  HttpApi.reflect(api, {
    onGroup() {},
    onEndpoint({ endpoint, group, middleware }) {
      const requirement = getRequirement(endpoint.annotations)
      if (requirement._tag === "Some") {
        const guarded = Array.from(middleware).some((tag) => tag.key === key)
        if (!guarded) {
          // fail at start-up rather than serve a protected endpoint unprotected
          throw new Error(
            `HttpApiAuthentication: endpoint "${group.identifier}.${endpoint.name}" requires ${
              describe(requirement.value.requirement)
            }, but neither its group nor the endpoint uses the authentication middleware, so nothing would enforce it`
          )
        }
      }
      table.set(
        `${endpoint.method} ${endpoint.path}`,
        requirement._tag === "Some" ? makeCheck(requirement.value) : null
      )
    }
  })
  return table
}

// --- the per-request path --------------------------------------------------------------------------------------------

/** @internal */
export const makeAuthenticate = (
  backend: AuthenticationBackend.Service,
  table: ReadonlyMap<string, Check | null>
): Effect.Effect<
  Authentication,
  AuthenticationError | ServiceUnavailable | PermissionDenied,
  HttpRouter.HttpRouter.Provided
> => {
  const checks = new WeakMap<HttpRouter.Route<any, any>, Check | null>()
  const challenge = backend.anonymous.challenge

  const authenticated = Effect.map(
    Effect.tapDefect(
      backend.authenticate,
      (cause) => Effect.logError("AuthenticationBackend failed unexpectedly", cause)
    ),
    (result): Authentication =>
      result._tag === "None"
        ? backend.anonymous
        : new Authentication(result.value[1], result.value[0], challenge)
  )

  const checkOf = (context: Context.Context<never>): Check | null => {
    const routeContext: HttpRouter.RouteContext | undefined = context.unsafeMap.get(HttpRouter.RouteContext.key)
    // attached to the whole API, the middleware runs before routing: no endpoint yet, so nothing to check
    if (routeContext === undefined) return null
    const route = routeContext.route
    let check = checks.get(route)
    if (check === undefined) {
      const key = `${route.method} ${route.path}`
      const found = table.get(key)
      if (found === undefined) {
        // a mount of another router (method "*") is not an endpoint; anything else means the layer was built from
        // another API than the one served, and guessing "public" could expose a protected endpoint
        if (route.method !== "*") {
          throw new Error(
            `HttpApiAuthentication: no endpoint ${key} in the HttpApi the layer was built from (pass the served API)`
          )
        }
        check = null
      } else {
        check = found
      }
      checks.set(route, check)
    }
    return check
  }

  return Effect.withFiberRuntime((fiber) => {
    let check: Check | null
    try {
      check = checkOf(fiber.currentContext)
    } catch (error) {
      return Effect.zipRight(Effect.logError(error), Effect.die(error))
    }
    return check === null ? authenticated : Effect.tap(authenticated, check)
  })
}

/** @internal */
export const service = (
  tag: HttpApiMiddleware.TagClassAny,
  effect: Effect.Effect<any, any, any>
): unknown =>
  HttpApiMiddleware.isSecurity(tag)
    ? Object.fromEntries(Object.keys(tag.security).map((name) => [name, () => effect]))
    : effect

// --- OpenAPI: a requirement as alternatives of scopes ----------------------------------------------------------------

interface Clause {
  readonly scopes: ReadonlyArray<string>
  /** whether an anonymous request can satisfy it */
  readonly anonymous: boolean
}

const maxAlternatives = 32

const clauses = (policy: Policy.Policy<any>): ReadonlyArray<Clause> | undefined => {
  switch (policy._tag) {
    case "Scope":
      return [{ scopes: [policy.scope], anonymous: false }]
    case "Authenticated":
      return [{ scopes: [], anonymous: false }]
    case "All": {
      let out: ReadonlyArray<Clause> = [{ scopes: [], anonymous: true }]
      for (const member of policy.policies) {
        const inner = clauses(member)
        if (inner === undefined) return undefined
        out = out.flatMap((a) =>
          inner.map((b) => ({
            scopes: Array.from(new Set([...a.scopes, ...b.scopes])),
            anonymous: a.anonymous && b.anonymous
          }))
        )
        if (out.length > maxAlternatives) return undefined
      }
      return out
    }
    case "Any": {
      const out: Array<Clause> = []
      for (const member of policy.policies) {
        const inner = clauses(member)
        if (inner === undefined) return undefined
        out.push(...inner)
      }
      return out.length > maxAlternatives ? undefined : out
    }
    default:
      // not, user predicates and checks have no OpenAPI form
      return undefined
  }
}

/**
 * Rewrites an operation's `security` (one requirement per scheme, with empty scopes, as HttpApi writes it) so that
 * each scheme lists the scopes of each alternative of the requirement; an alternative that anonymous requests
 * satisfy adds `{}` (authentication optional).
 *
 * @internal
 */
export const securityTransform = (
  requirement: string | ReadonlyArray<string> | Policy.Policy<never>
): (operation: Record<string, any>) => Record<string, any> => {
  const alternatives = clauses(policies.toPolicy(requirement))
  return (operation) => {
    const security: unknown = operation["security"]
    if (alternatives === undefined || !Array.isArray(security) || security.length === 0) return operation
    const out: Array<Record<string, Array<string>>> = []
    const seen = new Set<string>()
    const add = (entry: Record<string, Array<string>>) => {
      const key = JSON.stringify(entry)
      if (!seen.has(key)) {
        seen.add(key)
        out.push(entry)
      }
    }
    if (alternatives.some((clause) => clause.anonymous)) add({})
    for (const clause of alternatives) {
      for (const entry of security as ReadonlyArray<Record<string, ReadonlyArray<string>>>) {
        add(Object.fromEntries(Object.keys(entry).map((name) => [name, [...clause.scopes]])))
      }
    }
    return { ...operation, security: out }
  }
}
