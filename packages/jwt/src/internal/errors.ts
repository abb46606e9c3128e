import { AuthenticationError } from "effect-auth"

/** Every token we refuse, whatever the reason: the reason goes to the debug log, never to the client. */
export const invalidToken = new AuthenticationError({
  message: "Invalid token",
  status: 401,
  challenge: `Bearer error="invalid_token"`
})

/** A token that was good once: the only reason worth telling the client (it should refresh). */
export const tokenExpired = new AuthenticationError({
  message: "Token expired",
  status: 401,
  challenge: `Bearer error="invalid_token", error_description="The access token expired"`
})

/** No key set to check the token against (the JWKS endpoint failed): our fault, not the client's. */
export const keysUnavailable = new AuthenticationError({
  message: "Service Unavailable",
  status: 503
})
