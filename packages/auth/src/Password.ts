/**
 * Comparing secrets without leaking them through timing.
 *
 * @since 0.1.0
 */
import { createHash, timingSafeEqual } from "node:crypto"
import * as Redacted from "effect/Redacted"

const digest = (secret: string | Redacted.Redacted<string>): Buffer =>
  createHash("sha256").update(typeof secret === "string" ? secret : Redacted.value(secret), "utf8").digest()

/**
 * Compares two secrets in constant time: the time taken depends on neither their contents nor their lengths
 * (both are hashed to the same length first).
 *
 * @since 0.1.0
 * @category comparisons
 */
export const equals = (
  a: string | Redacted.Redacted<string>,
  b: string | Redacted.Redacted<string>
): boolean => timingSafeEqual(digest(a), digest(b))
