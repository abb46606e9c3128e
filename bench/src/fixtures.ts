/**
 * What the HTTP apps (server.ts) and the in-process tasks (micro.ts) share: the JWT users' claims and the HMAC secret.
 */
import { Schema } from "effect"

/** A JWT's user: its `sub` claim, decoded by a Schema. */
export class AppUser extends Schema.Class<AppUser>("AppUser")({ sub: Schema.String }) {
  readonly isAuthenticated = true
  get displayName(): string {
    return this.sub
  }
  get identity(): string {
    return this.sub
  }
}

/** The HS256 secret (32 bytes or more, as the backend requires). */
export const jwtSecret = "a JWT secret of 32 bytes or more, for the bench only"
