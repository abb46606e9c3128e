import type { Declared } from "@effect-auth/core/OpenApiSecurity"
import * as core from "@effect-auth/core/OpenApiSecurity"
import type * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"

const declaredOf = (name: string, security: HttpApiSecurity.HttpApiSecurity): Declared => ({
  name,
  kind: security._tag.toLowerCase(),
  description: security._tag === "ApiKey"
    ? `${name} (API key in ${security.in} "${security.key}")`
    : `${name} (${security._tag})`
})

/**
 * Why the schemes the middleware declares cannot be what the backend reads, or `undefined` when they may be (the
 * rule is `@effect-auth/core/OpenApiSecurity`'s, shared with the Effect 4 line).
 *
 * @internal
 */
export const schemeMismatch = (
  key: string,
  security: Record<string, HttpApiSecurity.HttpApiSecurity>,
  challenges: ReadonlyArray<string>
): string | undefined =>
  core.schemeMismatch(key, Object.entries(security).map(([name, s]) => declaredOf(name, s)), challenges)
