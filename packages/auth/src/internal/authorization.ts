/**
 * What follows `scheme` in an `Authorization` header value, trimmed (`""` when nothing does), or `undefined` when
 * there is no header or it names another scheme (matched case-insensitively): then another backend may want it.
 */
export const credentialsFor = (scheme: string, authorization: string | undefined): string | undefined => {
  if (authorization === undefined) return undefined
  const value = authorization.trim()
  const space = value.search(/[ \t]/)
  const given = space === -1 ? value : value.slice(0, space)
  if (given.length !== scheme.length || given.toLowerCase() !== scheme) return undefined
  return space === -1 ? "" : value.slice(space).trim()
}
