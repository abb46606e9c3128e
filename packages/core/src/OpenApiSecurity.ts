/**
 * What the HttpApi adapters of both Effect lines write into an OpenAPI document, and check of the schemes they
 * declare: an operation's `security` rewritten to say what the middleware enforces, and why the schemes a middleware
 * declares cannot be what the backend reads. Plain data in, plain data out: each line reads its own `HttpApiSecurity`
 * values into {@link Declared}.
 *
 * @since 0.3.0
 */

/**
 * An OpenAPI security requirement: scheme names to scopes.
 *
 * @since 0.3.0
 * @category models
 */
export type Requirement = Record<string, Array<string>>

/**
 * What an endpoint's policy allows, as {@link rewriteSecurity} lists it.
 *
 * @since 0.3.0
 * @category models
 */
export interface Allowed {
  /** The scopes of each alternative (`any` branches); `undefined` or empty when none can be listed. */
  readonly alternatives: ReadonlyArray<ReadonlyArray<string>> | undefined
  /** Whether an anonymous request may pass: `{}` is listed first. */
  readonly anonymous: boolean
}

/**
 * An operation's `security` (one requirement per scheme, with empty scopes, as HttpApi writes it) rewritten: each
 * scheme lists the scopes of each alternative, `{}` is listed first when an anonymous request can pass, and no entry
 * twice. `any()` (no alternative) keeps its schemes listed without scopes rather than as "no security". An operation
 * without `security` is left as it is (`undefined`).
 *
 * @since 0.3.0
 * @category OpenAPI
 */
export const rewriteSecurity = (security: unknown, allowed: Allowed): Array<Requirement> | undefined => {
  if (!Array.isArray(security) || security.length === 0) return undefined
  const out: Array<Requirement> = []
  const seen = new Set<string>()
  const add = (entry: Requirement) => {
    const key = JSON.stringify(entry)
    if (!seen.has(key)) {
      seen.add(key)
      out.push(entry)
    }
  }
  if (allowed.anonymous) add({})
  const ways = allowed.alternatives === undefined || allowed.alternatives.length === 0 ? [[]] : allowed.alternatives
  for (const scopes of ways) {
    for (const entry of security as ReadonlyArray<Record<string, unknown>>) {
      add(Object.fromEntries(Object.keys(entry).map((name) => [name, [...scopes]])))
    }
  }
  return out
}

/**
 * The `security` of an operation that takes the user optionally: `{}` first, then the schemes; `undefined` when the
 * operation has none.
 *
 * @since 0.3.0
 * @category OpenAPI
 */
export const optionalSecurity = (security: unknown): Array<Requirement> | undefined => {
  if (!Array.isArray(security) || security.length === 0) return undefined
  return [{}, ...(security as Array<Requirement>).filter((entry) => Object.keys(entry).length > 0)]
}

/**
 * A scheme a middleware declares: its name in the document, its kind, and how an error message names it.
 *
 * @since 0.3.0
 * @category models
 */
export interface Declared {
  readonly name: string
  /** `basic`, `bearer`, `apikey`, or another HTTP scheme in lower case. */
  readonly kind: string
  /** `apiKey (API key in header "x-api-key")`, `basic (Basic)`. */
  readonly description: string
}

const challengeScheme = (challenge: string): string => challenge.trim().split(/[ \t,]/, 1)[0]!.toLowerCase()

/**
 * Why the schemes a middleware declares cannot be what the backend reads, or `undefined` when they may be. A
 * backend says its schemes only through its challenges: Basic (with a realm) and Bearer ones are checked both ways;
 * API keys and Basic without a realm send none, so they cannot be told apart and pass.
 *
 * @since 0.3.0
 * @category checks
 */
export const schemeMismatch = (
  key: string,
  declared: ReadonlyArray<Declared>,
  challenges: ReadonlyArray<string>
): string | undefined => {
  const kinds = new Set(declared.map((scheme) => scheme.kind))
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
    declared.map((scheme) => scheme.description).join(", ")
  } and the AuthenticationBackend challenges with ${
    challenges.length === 0 ? "nothing" : challenges.map((c) => JSON.stringify(c)).join(", ")
  }: ${problems.join("; ")}. Declare the schemes the backend reads, so that the document says what is enforced`
}
