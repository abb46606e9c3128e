import type * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import type * as Schema from "effect/Schema"
import * as Requires from "../../Requires.js"
import { allOfScopes } from "../policyAnalysis.js"
import { assertUnguarded, makeGuard, RequirementAnnotation } from "./guards.js"
import * as openApi from "./openApi.js"
import { ForbiddenSchema, LoginRedirectSchema, NotFoundSchema, UnauthorizedSchema } from "./wireSchemas.js"

type Endpoint = HttpApiEndpoint.Top

/** The denials an endpoint with `requirement` can answer with, each with its status and its body. */
const denials = (
  requirement: Requires.Requirement,
  options: Requires.RequiresOptions | undefined
): ReadonlyArray<Schema.Top> => {
  // a requirement that always passes (`[]`, anyone) denies nothing
  const scopes = allOfScopes(Requires.toPolicy(requirement))
  if (scopes !== undefined && scopes.length === 0) return []
  return options?.redirect !== undefined
    ? [LoginRedirectSchema, ForbiddenSchema]
    : options?.status === 404
    ? [NotFoundSchema]
    : options?.status === 403
    ? [ForbiddenSchema]
    : [UnauthorizedSchema, ForbiddenSchema]
}

/**
 * `endpoint` with `requirement`: annotated (for the OpenAPI document, through `transform`), and guarded by a
 * middleware of its own that carries the requirement and lists the denials it can answer with (HttpApi lists a
 * middleware's errors among the endpoint's responses).
 */
export const requires = (
  endpoint: Endpoint,
  requirement: Requires.Requirement,
  options: Requires.RequiresOptions | undefined,
  transform: (operation: Record<string, any>) => Record<string, any>
): Endpoint => {
  assertUnguarded(endpoint, `requires(${JSON.stringify(String(requirement))})`)
  const guard = makeGuard(
    { requirement, options, optional: false },
    endpoint.method,
    endpoint.path,
    denials(requirement, options)
  )
  return openApi.withTransform(endpoint.annotate(RequirementAnnotation, { requirement, options }), transform)
    .middleware(guard as any)
}

/** `endpoint` taking the user optionally: guarded, and `{}` listed first in its OpenAPI `security`. */
export const optional = (endpoint: Endpoint): Endpoint => {
  assertUnguarded(endpoint, "optional")
  const guard = makeGuard({ requirement: [], options: undefined, optional: true }, endpoint.method, endpoint.path, [])
  return openApi.withTransform(endpoint, openApi.optionalTransform).middleware(guard as any)
}
