/**
 * The `WWW-Authenticate` challenges of the Basic (RFC 7617) and Bearer (RFC 6750) schemes, written once for both
 * Effect lines: each quotes its parameters, escaping quotes and backslashes.
 *
 * @since 0.3.0
 */

/**
 * The error codes of RFC 6750 §3.1.
 *
 * @since 0.3.0
 * @category models
 */
export type BearerError = "invalid_request" | "invalid_token" | "insufficient_scope"

/**
 * A quoted-string (RFC 9110 §5.6.4): `"…"`, with quotes and backslashes escaped.
 *
 * @since 0.3.0
 * @category formatting
 */
export const quote = (value: string): string => `"${value.replace(/["\\]/g, "\\$&")}"`

/**
 * The Basic challenge for a realm: `Basic realm="<realm>", charset="UTF-8"`.
 *
 * @since 0.3.0
 * @category formatting
 */
export const basic = (realm: string): string => `Basic realm=${quote(realm)}, charset="UTF-8"`

/**
 * A Bearer challenge: `Bearer`, `Bearer realm="api"`, `Bearer realm="api", error="invalid_token"`.
 *
 * @since 0.3.0
 * @category formatting
 */
export const bearer = (realm?: string | undefined, error?: BearerError | undefined): string => {
  const params: Array<string> = []
  if (realm !== undefined) params.push(`realm=${quote(realm)}`)
  if (error !== undefined) params.push(`error=${quote(error)}`)
  return params.length === 0 ? "Bearer" : `Bearer ${params.join(", ")}`
}

/**
 * The values of query parameter `name` in `url` (a path with its query, as a server request's `url`), in order: none
 * when the URL has no query or no such parameter. The fragment, if any, is not part of the query.
 *
 * @since 0.3.0
 * @category parsing
 */
export const queryValues = (url: string, name: string): ReadonlyArray<string> => {
  const question = url.indexOf("?")
  if (question === -1) return []
  const hash = url.indexOf("#", question)
  return new URLSearchParams(hash === -1 ? url.slice(question + 1) : url.slice(question + 1, hash)).getAll(name)
}
