/**
 * The Effect 4 line's copy of ../../src/fixtures.ts (that one is on Effect 3's `Schema`): the JWT users' claims and
 * the HMAC secret.
 */
import * as Schema from "effect/Schema"

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

/** The HS256 secret (32 bytes or more, as the backend requires); the same as the Effect 3 bench's. */
export const jwtSecret = "a JWT secret of 32 bytes or more, for the bench only"
