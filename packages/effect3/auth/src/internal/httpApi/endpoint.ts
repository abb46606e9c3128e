import type * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as Requires from "../../Requires.js"
import { allOfScopes } from "../policyAnalysis.js"
import { assertUnguarded, makeGuard, RequirementAnnotation } from "./guards.js"
import * as openApi from "./openApi.js"
import { ForbiddenSchema, LoginRedirectSchema, NotFoundSchema, UnauthorizedSchema } from "./wireSchemas.js"

type Endpoint = HttpApiEndpoint.HttpApiEndpoint.AnyWithProps
type Any = HttpApiEndpoint.HttpApiEndpoint.Any

/**
 * `endpoint` with `requirement`: annotated (for the OpenAPI document, through `transform`), guarded (for the
 * middleware), and listing the denials it can answer with, each with its status and its body.
 */
export const requires = (
  endpoint: Endpoint,
  requirement: Requires.Requirement,
  options: Requires.RequiresOptions | undefined,
  transform: (operation: Record<string, any>) => Record<string, any>
): Any => {
  assertUnguarded(endpoint, `requires(${JSON.stringify(String(requirement))})`)
  const annotated = openApi.withTransform(endpoint.annotate(RequirementAnnotation, { requirement, options }), transform)
    .middleware(makeGuard({ requirement, options, optional: false }, endpoint.method, endpoint.path))
  // a requirement that always passes (`[]`, anyone) denies nothing
  const scopes = allOfScopes(Requires.toPolicy(requirement))
  if (scopes !== undefined && scopes.length === 0) return annotated
  return options?.redirect !== undefined
    ? annotated.addError(LoginRedirectSchema).addError(ForbiddenSchema)
    : options?.status === 404
    ? annotated.addError(NotFoundSchema)
    : options?.status === 403
    ? annotated.addError(ForbiddenSchema)
    : annotated.addError(UnauthorizedSchema).addError(ForbiddenSchema)
}

/** `endpoint` taking the user optionally: guarded, and `{}` listed first in its OpenAPI `security`. */
export const optional = (endpoint: Endpoint): Any => {
  assertUnguarded(endpoint, "optional")
  return openApi.withTransform(endpoint, openApi.optionalTransform)
    .middleware(makeGuard({ requirement: [], options: undefined, optional: true }, endpoint.method, endpoint.path))
}
