/**
 * What follows `scheme` in an `Authorization` header value, trimmed (`""` when nothing does), or `undefined` when
 * there is no header or it names another scheme (matched case-insensitively): then another backend may want it.
 */
export const credentialsFor = (scheme: string, authorization: string | undefined): string | undefined => {
  if (authorization === undefined) return undefined
  const value = authorization.trim()
  // the scheme ends at the first space or tab
  let end = 0
  while (end < value.length && value.charCodeAt(end) !== 32 && value.charCodeAt(end) !== 9) end++
  if (end !== scheme.length || value.slice(0, end).toLowerCase() !== scheme) return undefined
  return end === value.length ? "" : value.slice(end).trim()
}
