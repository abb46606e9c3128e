/**
 * What a verified JWT's claims say beyond its signature and times, read without a JOSE library, written once for both
 * Effect lines: the scopes it grants.
 *
 * @since 0.3.0
 */

/**
 * The scopes a token grants: OAuth's `scope` (a space-separated string, RFC 8693 / RFC 9068), else `scp` (an array,
 * or a space-separated string as some issuers send it); none when neither is there. `undefined` when the claim is
 * malformed (neither a string nor an array of strings): the token is then refused, not taken as granting nothing.
 *
 * @since 0.3.0
 * @category parsing
 */
export const scopesOf = (payload: { readonly [claim: string]: unknown }): ReadonlyArray<string> | undefined => {
  const scope = payload["scope"] !== undefined ? payload["scope"] : payload["scp"]
  if (scope === undefined) return []
  if (typeof scope === "string") return scope.split(" ").filter((s) => s.length > 0)
  if (Array.isArray(scope) && scope.every((s) => typeof s === "string")) return scope
  return undefined
}

/**
 * What a token's claims are checked against, worked out once from a backend's options. Times are in seconds, as in
 * the claims.
 *
 * @since 0.3.0
 * @category models
 */
export interface Policy {
  /** The accepted `iss` values; when set, the claim is required. */
  readonly issuer?: ReadonlyArray<string> | undefined
  /** The accepted `aud` values, one of which the token must name; when set, the claim is required. */
  readonly audience?: ReadonlyArray<string> | undefined
  /** The `typ` header the token must have (compared as media types: `at+jwt` is `application/at+jwt`). */
  readonly typ?: string | undefined
  /** Claims a token must have. */
  readonly requiredClaims: ReadonlyArray<string>
  /** Leeway for `exp`, `nbf` and `iat`, in seconds. */
  readonly clockTolerance: number
  /** The oldest `iat` accepted, in seconds before now; when set, `iat` is required. */
  readonly maxTokenAge?: number | undefined
}

/**
 * When a token is valid, from its claims: what a verified-token cache checks again on every hit.
 *
 * @since 0.3.0
 * @category models
 */
export interface Lifetime {
  readonly notBefore: number | undefined
  readonly expiresAt: number | undefined
  readonly issuedAt: number | undefined
}

/**
 * What the claims check concludes: valid (with the token's lifetime), expired (the one reason worth telling the
 * client), or invalid for a reason that goes to the debug log only.
 *
 * @since 0.3.0
 * @category models
 */
export type Verdict =
  | { readonly _tag: "Valid"; readonly lifetime: Lifetime }
  | { readonly _tag: "Expired" }
  | { readonly _tag: "Invalid"; readonly reason: string }

const expired: Verdict = { _tag: "Expired" }
const invalid = (reason: string): Verdict => ({ _tag: "Invalid", reason })

/**
 * Checks a lifetime against the time `now` (in seconds): `nbf` not after now (give or take the tolerance), `exp`
 * after it, `iat` no older than the maximum age and not in the future.
 *
 * @since 0.3.0
 * @category guards
 */
export const checkLifetime = (lifetime: Lifetime, policy: Policy, now: number): Verdict => {
  const tolerance = policy.clockTolerance
  if (lifetime.notBefore !== undefined && lifetime.notBefore > now + tolerance) return invalid("nbf")
  if (lifetime.expiresAt !== undefined && lifetime.expiresAt <= now - tolerance) return expired
  if (policy.maxTokenAge !== undefined && lifetime.issuedAt !== undefined) {
    const age = now - lifetime.issuedAt
    if (age - tolerance > policy.maxTokenAge) return invalid("iat too old")
    if (age < -tolerance) return invalid("iat in the future")
  }
  return { _tag: "Valid", lifetime }
}

// media types compare case-insensitively, and a `typ` without a slash means `application/<typ>` (RFC 7515 §4.1.9)
const mediaType = (typ: string): string => {
  const lower = typ.toLowerCase()
  return typ.includes("/") ? lower : `application/${lower}`
}

const numericDate = (value: unknown): number | undefined | false =>
  value === undefined ? undefined : typeof value === "number" ? value : false

/**
 * Checks a verified token's header and claims (jose's rules, in jose's order): `typ`, the required claims, `iss`,
 * `aud`, then the times against `now` (in seconds), `exp`, `nbf` and `iat` being numbers when present.
 *
 * @since 0.3.0
 * @category guards
 */
export const checkClaims = (
  header: { readonly [parameter: string]: unknown },
  payload: { readonly [claim: string]: unknown },
  policy: Policy,
  now: number
): Verdict => {
  if (policy.typ !== undefined) {
    const typ = header["typ"]
    if (typeof typ !== "string" || mediaType(typ) !== mediaType(policy.typ)) return invalid("typ")
  }
  for (const claim of policy.requiredClaims) {
    if (!Object.hasOwn(payload, claim)) return invalid(`missing ${claim}`)
  }
  if (policy.maxTokenAge !== undefined && !Object.hasOwn(payload, "iat")) return invalid("missing iat")
  if (policy.audience !== undefined && !Object.hasOwn(payload, "aud")) return invalid("missing aud")
  if (policy.issuer !== undefined && !Object.hasOwn(payload, "iss")) return invalid("missing iss")
  if (policy.issuer !== undefined && !policy.issuer.includes(payload["iss"] as string)) return invalid("iss")
  if (policy.audience !== undefined) {
    const aud = payload["aud"]
    const named = typeof aud === "string"
      ? policy.audience.includes(aud)
      : Array.isArray(aud) && policy.audience.some((audience) => aud.includes(audience))
    if (!named) return invalid("aud")
  }
  const issuedAt = numericDate(payload["iat"])
  const notBefore = numericDate(payload["nbf"])
  const expiresAt = numericDate(payload["exp"])
  if (issuedAt === false || notBefore === false || expiresAt === false) return invalid("a time claim is no number")
  return checkLifetime({ notBefore, expiresAt, issuedAt }, policy, now)
}
