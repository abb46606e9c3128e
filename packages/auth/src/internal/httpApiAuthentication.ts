import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import type * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type { AuthenticationBackend } from "../AuthenticationBackend.js"
import { isAuthenticationError } from "../AuthenticationError.js"
import type { AuthenticationError, ServiceUnavailable, TooManyRequests } from "../AuthenticationError.js"
import { Authentication, CurrentAuthentication } from "../CurrentUser.js"
import type { PermissionDenied } from "../PermissionDenied.js"
import * as Policy from "../Policy.js"
import * as Requires from "../Requires.js"
import { UnauthenticatedUser } from "../User.js"
import { readContext, readService } from "./context.js"
import { appendNoStore } from "./noStore.js"
import * as policies from "./policy.js"

/** What `requires` (or `optional`) put on an endpoint. */
export interface RequirementValue {
  readonly requirement: policies.Requirement
  readonly options: Requires.RequiresOptions | undefined
  /** a refusal of credentials makes the request anonymous instead of failing it */
  readonly optional: boolean
}

type Check = (authentication: Authentication) => Effect.Effect<void, PermissionDenied>

/** What the middleware is told about the endpoint being served, by the endpoint's own guard. */
export interface EndpointRequirement {
  readonly check: Check | null
  readonly optional: boolean
}

/** The context entry through which an endpoint's guard tells the authentication middleware what it requires. */
export const CurrentRequirement = Context.GenericTag<EndpointRequirement, EndpointRequirement>(
  "effect-auth/HttpApiAuthentication/CurrentRequirement"
)

// --- the guard each `requires` attaches to its endpoint -------------------------------------------------------------

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
  const tag = HttpApiMiddleware.Tag<GuardTag>()(key, {
    provides: CurrentRequirement,
    failure: Schema.Never
  }) as unknown as GuardTag
  Object.defineProperty(tag, GuardTypeId, { value })
  return tag
}

const describe = (requirement: policies.Requirement): string =>
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
  const policy = policies.toPolicy(value.requirement)
  // the denial is `requires` itself, so status, redirect, challenge and websocket rules are the same everywhere
  const guarded = Requires.requires(Effect.void, value.requirement, value.options) as Effect.Effect<
    void,
    PermissionDenied,
    never
  >
  const withServices = policies.hasChecks(policy)
    ? Effect.mapInputContext(guarded, (input: Context.Context<never>) => Context.merge(services, input))
    : guarded
  const run: Check = (authentication) => Effect.provideService(withServices, CurrentAuthentication, authentication)
  const scopes = policies.allOfScopes(policy)
  // all of some scopes (the common case): a passing request allocates nothing
  return {
    optional: false,
    check: scopes === undefined
      ? run
      : (authentication) =>
        Requires.hasRequiredScope(authentication.credentials, scopes) ? Effect.void : run(authentication)
  }
}

// --- the per-request path --------------------------------------------------------------------------------------------

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

// --- the schemes declared and the backend --------------------------------------------------------------------------

const challengeScheme = (challenge: string): string => challenge.trim().split(/[ \t,]/, 1)[0]!.toLowerCase()

const describeScheme = (name: string, security: HttpApiSecurity.HttpApiSecurity): string =>
  security._tag === "ApiKey"
    ? `${name} (API key in ${security.in} "${security.key}")`
    : `${name} (${security._tag})`

/**
 * Why the schemes the middleware declares cannot be what the backend reads, or `undefined` when they may be. A
 * backend says its schemes only through its challenges: Basic (with a realm) and Bearer ones are checked both
 * ways; API keys and Basic without a realm send none, so they cannot be told apart and pass.
 *
 * @internal
 */
export const schemeMismatch = (
  key: string,
  security: Record<string, HttpApiSecurity.HttpApiSecurity>,
  challenges: ReadonlyArray<string>
): string | undefined => {
  const declared = Object.entries(security)
  const kinds = new Set(declared.map(([, s]) => s._tag.toLowerCase()))
  const challenged = new Set(challenges.map(challengeScheme))
  const problems: Array<string> = []
  for (const scheme of challenged) {
    if ((scheme === "basic" || scheme === "bearer") && !kinds.has(scheme)) {
      problems.push(`the backend challenges with ${scheme === "basic" ? "Basic" : "Bearer"}, which it does not declare`)
    }
  }
  // a Bearer backend always challenges, so a declared bearer scheme without one is not what the backend reads
  if (kinds.has("bearer") && !challenged.has("bearer")) {
    problems.push(`it declares bearer, but the backend sends no Bearer challenge`)
  }
  if (problems.length === 0) return undefined
  return `HttpApiAuthentication: the middleware "${key}" declares ${
    declared.map(([name, s]) => describeScheme(name, s)).join(", ")
  } and the AuthenticationBackend challenges with ${
    challenges.length === 0 ? "nothing" : challenges.map((c) => JSON.stringify(c)).join(", ")
  }: ${problems.join("; ")}. Declare the schemes the backend reads, so that the document says what is enforced`
}

// --- OpenAPI: a requirement as alternatives of scopes ----------------------------------------------------------------

// three-valued: whether an anonymous request with no scopes passes, fails, or may pass (a check cannot be run here)
type Verdict = "pass" | "fail" | "unknown"

const anonymousUser = new UnauthenticatedUser()

const anonymous = (policy: Policy.Policy<any>): Verdict => {
  switch (policy._tag) {
    case "Scope":
    case "Authenticated":
      return "fail"
    case "User":
      // the predicate is pure: what it says of the anonymous user is exact
      return policy.predicate(anonymousUser) ? "pass" : "fail"
    case "Check":
      return "unknown"
    case "Not": {
      const inner = anonymous(policy.policy)
      return inner === "pass" ? "fail" : inner === "fail" ? "pass" : "unknown"
    }
    case "All": {
      let out: Verdict = "pass"
      for (const p of policy.policies) {
        const v = anonymous(p)
        if (v === "fail") return "fail"
        if (v === "unknown") out = "unknown"
      }
      return out
    }
    case "Any": {
      let out: Verdict = "fail"
      for (const p of policy.policies) {
        const v = anonymous(p)
        if (v === "pass") return "pass"
        if (v === "unknown") out = "unknown"
      }
      return out
    }
    default:
      return "unknown"
  }
}

// past this many alternatives (all-of of any-ofs multiplies them), the operation lists its schemes without scopes
const maxAlternatives = 32

/**
 * The scopes of each alternative way to pass, for an authenticated request: every branch of an `any` is one (none
 * is dropped); a clause with no OpenAPI form (`not`, `user`, `check`) adds no scope to its alternative, and the
 * operation's description names it.
 */
const alternatives = (policy: Policy.Policy<any>): ReadonlyArray<ReadonlyArray<string>> | undefined => {
  switch (policy._tag) {
    case "Scope":
      return [[policy.scope]]
    case "All": {
      let out: ReadonlyArray<ReadonlyArray<string>> = [[]]
      for (const member of policy.policies) {
        const inner = alternatives(member)
        if (inner === undefined) return undefined
        out = out.flatMap((a) => inner.map((b) => Array.from(new Set([...a, ...b]))))
        if (out.length > maxAlternatives) return undefined
      }
      return out
    }
    case "Any": {
      const out: Array<ReadonlyArray<string>> = []
      for (const member of policy.policies) {
        const inner = alternatives(member)
        if (inner === undefined) return undefined
        out.push(...inner)
      }
      return out.length > maxAlternatives ? undefined : out
    }
    default:
      return [[]]
  }
}

const expressible = (policy: Policy.Policy<any>): boolean =>
  policy._tag === "Scope" || policy._tag === "Authenticated" ||
  ((policy._tag === "All" || policy._tag === "Any") && policy.policies.every(expressible))

/**
 * Rewrites an operation's `security` (one requirement per scheme, with empty scopes, as HttpApi writes it): each
 * scheme lists the scopes of each alternative, `{}` is listed when an anonymous request can pass, and the
 * operation's description says the policy in full (Swagger UI shows it), so that the document says what the
 * middleware enforces.
 *
 * @internal
 */
export const securityTransform = (
  requirement: policies.Requirement
): (operation: Record<string, any>) => Record<string, any> => {
  const policy = policies.toPolicy(requirement)
  const ways = alternatives(policy)
  const mayBeAnonymous = anonymous(policy) !== "fail"
  const note = `**Requires** \`${Policy.format(policy)}\`${
    expressible(policy) ? "" : " (clauses other than scopes are checked by the server and not listed in `security`)"
  }${mayBeAnonymous ? "; anonymous requests may pass" : ""}.`
  return (operation) => {
    const security: unknown = operation["security"]
    if (!Array.isArray(security) || security.length === 0) return operation
    const out: Array<Record<string, Array<string>>> = []
    const seen = new Set<string>()
    const add = (entry: Record<string, Array<string>>) => {
      const key = JSON.stringify(entry)
      if (!seen.has(key)) {
        seen.add(key)
        out.push(entry)
      }
    }
    if (mayBeAnonymous) add({})
    // `any()` denies everyone: its schemes stay listed without scopes rather than as "no security" (`[]`)
    for (const scopes of ways === undefined || ways.length === 0 ? [[]] : ways) {
      for (const entry of security as ReadonlyArray<Record<string, ReadonlyArray<string>>>) {
        add(Object.fromEntries(Object.keys(entry).map((name) => [name, [...scopes]])))
      }
    }
    const description = typeof operation["description"] === "string" ? `${operation["description"]}\n\n${note}` : note
    return { ...operation, security: out, description }
  }
}

/** The operation of an endpoint that takes the user optionally: `{}` (anonymous) is listed first. @internal */
export const optionalTransform = (operation: Record<string, any>): Record<string, any> => {
  const security: unknown = operation["security"]
  if (!Array.isArray(security) || security.length === 0) return operation
  return { ...operation, security: [{}, ...security.filter((entry) => Object.keys(entry).length > 0)] }
}
