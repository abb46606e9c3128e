import { Schema } from "effect"

// 2023-11-14T22:13:20Z: the TestClock is set to it, and tokens are issued at it
export const now = 1_700_000_000_000
export const nowSeconds = now / 1000

/** The tests' user: its claims decode straight into it. */
export class AppUser extends Schema.Class<AppUser>("AppUser")({ sub: Schema.String, name: Schema.String }) {
  readonly isAuthenticated = true
  get displayName(): string {
    return this.name
  }
  get identity(): string {
    return this.sub
  }
}
