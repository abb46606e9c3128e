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
