import { RejectedCredentials, ServiceUnavailable } from "effect-auth"

/** Every token we refuse, whatever the reason: the reason goes to the debug log, never to the client. */
export const invalidToken = new RejectedCredentials({
  message: "Invalid token",
  challenge: `Bearer error="invalid_token"`
})

/** A token that was good once: the only reason worth telling the client (it should refresh). */
export const tokenExpired = new RejectedCredentials({
  message: "Token expired",
  challenge: `Bearer error="invalid_token", error_description="The access token expired"`
})

/** No key set to check the token against (the JWKS endpoint failed): our fault, not the client's. */
export const keysUnavailable = new ServiceUnavailable({ reason: "JWKS unavailable", retryAfter: 30 })
