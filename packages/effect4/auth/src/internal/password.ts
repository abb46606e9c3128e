import * as PasswordHash from "@effect-auth/core/PasswordHash"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"

/** The text of a secret given either way (a caller's plain string, or `Redacted` from the edge). */
export const reveal = (secret: string | Redacted.Redacted<string>): string =>
  typeof secret === "string" ? secret : Redacted.value(secret)

/** scrypt of `password` (already normalized) with these parameters, off the main thread; its error as a failure. */
export const derive = (
  password: string,
  salt: Buffer,
  length: number,
  logN: number,
  r: number,
  p: number
): Effect.Effect<Buffer, Error> =>
  Effect.callback<Buffer, Error>((resume) => {
    PasswordHash.derive(password, salt, length, logN, r, p, (error, key) => {
      resume(error === null ? Effect.succeed(key) : Effect.fail(error))
    })
  })
