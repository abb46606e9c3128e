import { optionalSecurity, rewriteSecurity } from "@effect-auth/core/OpenApiSecurity"
import type * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as OpenApi from "@effect/platform/OpenApi"
import * as Context from "effect/Context"
import * as Policy from "../../Policy.js"
import * as Requires from "../../Requires.js"
import { alternatives, anonymous, expressible } from "../policyAnalysis.js"

/**
 * Rewrites an operation's `security` (one requirement per scheme, with empty scopes, as HttpApi writes it): each
 * scheme lists the scopes of each alternative, `{}` is listed when an anonymous request can pass, and the
 * operation's description says the policy in full (Swagger UI shows it), so that the document says what the
 * middleware enforces.
 *
 * @internal
 */
export const securityTransform = (
  requirement: Requires.Requirement
): (operation: Record<string, any>) => Record<string, any> => {
  const policy = Requires.toPolicy(requirement)
  const ways = alternatives(policy)
  const mayBeAnonymous = anonymous(policy) !== "fail"
  const note = `**Requires** \`${Policy.format(policy)}\`${
    expressible(policy) ? "" : " (clauses other than scopes are checked by the server and not listed in `security`)"
  }${mayBeAnonymous ? "; anonymous requests may pass" : ""}.`
  const allowed = { alternatives: ways, anonymous: mayBeAnonymous }
  return (operation) => {
    const security = rewriteSecurity(operation["security"], allowed)
    if (security === undefined) return operation
    const description = typeof operation["description"] === "string" ? `${operation["description"]}\n\n${note}` : note
    return { ...operation, security, description }
  }
}

/** The operation of an endpoint that takes the user optionally: `{}` (anonymous) is listed first. @internal */
export const optionalTransform = (operation: Record<string, any>): Record<string, any> => {
  const security = optionalSecurity(operation["security"])
  return security === undefined ? operation : { ...operation, security }
}

/** `endpoint` with `transform` applied to its OpenAPI operation, after the transforms it already has. */
export const withTransform = (
  endpoint: HttpApiEndpoint.HttpApiEndpoint.AnyWithProps,
  transform: (operation: Record<string, any>) => Record<string, any>
): HttpApiEndpoint.HttpApiEndpoint.AnyWithProps => {
  const previous = Context.getOption(endpoint.annotations, OpenApi.Transform)
  return endpoint.annotate(
    OpenApi.Transform,
    previous._tag === "Some" ? (operation) => transform(previous.value(operation)) : transform
  )
}
