import { Buffer } from "node:buffer"

const compactJws = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/**
 * Whether a token is a compact JWS whose signature is written canonically: base64url leaves some low bits of the last
 * character unused and decoders ignore them, so without this check one token would have several spellings (4 for
 * HS256, 16 for RS256), and a denylist keyed on the token text could be walked around.
 */
export const isCanonicalJws = (token: string): boolean => {
  if (!compactJws.test(token)) return false
  const signature = token.slice(token.lastIndexOf(".") + 1)
  return Buffer.from(signature, "base64url").toString("base64url") === signature
}
