import { optionalSecurity, rewriteSecurity } from "@effect-auth/core/OpenApiSecurity"
import * as Context from "effect/Context"
import type * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as OpenApi from "effect/http-api/OpenApi"
import * as Policy from "../../Policy.js"
import * as Requires from "../../Requires.js"
import { alternatives, anonymous, expressible } from "../policyAnalysis.js"

type Operation = Record<string, any>

/**
 * Rewrites an operation's `security` (one requirement per scheme, with empty scopes, as HttpApi writes it): each
 * scheme lists the scopes of each alternative, `{}` is listed when an anonymous request can pass, and the
 * operation's description says the policy in full (Swagger UI shows it), so that the document says what the
 * middleware enforces.
 */
export const securityTransform = (requirement: Requires.Requirement): (operation: Operation) => Operation => {
  const policy = Requires.toPolicy(requirement)
  const mayBeAnonymous = anonymous(policy) !== "fail"
  const allowed = { alternatives: alternatives(policy), anonymous: mayBeAnonymous }
  const note = `**Requires** \`${Policy.format(policy)}\`${
    expressible(policy) ? "" : " (clauses other than scopes are checked by the server and not listed in `security`)"
  }${mayBeAnonymous ? "; anonymous requests may pass" : ""}.`
  return (operation) => {
    const security = rewriteSecurity(operation["security"], allowed)
    if (security === undefined) return operation
    const description = typeof operation["description"] === "string" ? `${operation["description"]}\n\n${note}` : note
    return { ...operation, security, description }
  }
}

/** The operation of an endpoint that takes the user optionally: `{}` (anonymous) is listed first. */
export const optionalTransform = (operation: Operation): Operation => {
  const security = optionalSecurity(operation["security"])
  return security === undefined ? operation : { ...operation, security }
}

/** `endpoint` with `transform` applied to its OpenAPI operation, after the transforms it already has. */
export const withTransform = <E extends HttpApiEndpoint.Top>(
  endpoint: E,
  transform: (operation: Operation) => Operation
): E => {
  const previous = Context.getOrUndefined(endpoint.annotations, OpenApi.Transform)
  return endpoint.annotate(
    OpenApi.Transform,
    previous === undefined ? transform : (operation) => transform(previous(operation))
  ) as unknown as E
}
