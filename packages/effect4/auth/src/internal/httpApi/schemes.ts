import type { Declared } from "@effect-auth/core/OpenApiSecurity"
import * as core from "@effect-auth/core/OpenApiSecurity"
import type * as HttpApiSecurity from "effect/http-api/HttpApiSecurity"

// Effect 4 writes bearer as an HTTP scheme (`{ _tag: "Http", scheme: "Bearer" }`)
const declaredOf = (name: string, security: HttpApiSecurity.HttpApiSecurity): Declared => {
  switch (security._tag) {
    case "ApiKey":
      return { name, kind: "apikey", description: `${name} (API key in ${security.in} "${security.key}")` }
    case "Basic":
      return { name, kind: "basic", description: `${name} (Basic)` }
    case "Http":
      return { name, kind: security.scheme.toLowerCase(), description: `${name} (${security.scheme})` }
  }
}

/**
 * Why the schemes the middleware declares cannot be what the backend reads, or `undefined` when they may be (the
 * rule is `@effect-auth/core/OpenApiSecurity`'s, shared with the Effect 3 line).
 */
export const schemeMismatch = (
  key: string,
  security: Record<string, HttpApiSecurity.HttpApiSecurity>,
  challenges: ReadonlyArray<string>
): string | undefined =>
  core.schemeMismatch(key, Object.entries(security).map(([name, s]) => declaredOf(name, s)), challenges)
