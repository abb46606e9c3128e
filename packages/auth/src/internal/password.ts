import * as PasswordHash from "@effect-auth/core/PasswordHash"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as crypto from "node:crypto"
import { createHash } from "node:crypto"

/** The text of a secret given either way (a caller's plain string, or `Redacted` from the edge). */
export const reveal = (secret: string | Redacted.Redacted<string>): string =>
  typeof secret === "string" ? secret : Redacted.value(secret)

// Node's one-shot `crypto.hash` (20.12+) is several times quicker than a `createHash` object for one short input
const sha256: (text: string) => Buffer = typeof (crypto as { hash?: unknown }).hash === "function"
  ? (text) =>
    (crypto as unknown as { hash: (a: string, d: string, e: "buffer") => Buffer }).hash("sha256", text, "buffer")
  : (text) => createHash("sha256").update(text, "utf8").digest()

/** The SHA-256 of a secret: 32 bytes whatever its length, so that comparing two takes the same time. */
export const digest = (secret: string | Redacted.Redacted<string>): Buffer => sha256(reveal(secret))

/** scrypt of `password` (already normalized) with these parameters, off the main thread; its error as a failure. */
export const derive = (
  password: string,
  salt: Buffer,
  length: number,
  logN: number,
  r: number,
  p: number
): Effect.Effect<Buffer, Error> =>
  Effect.async<Buffer, Error>((resume) => {
    PasswordHash.derive(password, salt, length, logN, r, p, (error, key) => {
      resume(error === null ? Effect.succeed(key) : Effect.fail(error))
    })
  })
