import type * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"

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
