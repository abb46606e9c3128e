/**
 * A session's lifetimes, written once for the stores of both Effect lines: an idle expiry that slides with use,
 * written at most once per touch interval, and an absolute one that holds however the session is used.
 *
 * @since 0.3.0
 */

/** What the lifetimes of a stored session are made of (times in milliseconds since the epoch). */
export interface Lifetimes {
  /** When the session was last seen, as written. */
  readonly lastSeenAt: number
  /** How long the session may go unused, in milliseconds. */
  readonly idleTimeout: number
  /** When the session ends however much it is used. */
  readonly expiresAt: number
}

// a session in use is written at most once an hour, and at least four times per idle timeout so that a session
// used steadily never idles out between two writes
const maxTouchInterval = 60 * 60 * 1000

/**
 * How long a session may go without its last-seen time being written again: an hour, or a quarter of its idle
 * timeout when that is shorter.
 *
 * @since 0.3.0
 * @category lifetimes
 */
export const touchInterval = (idleTimeout: number): number => Math.min(maxTouchInterval, Math.floor(idleTimeout / 4))

/**
 * Whether a session is live at `now`: before its absolute expiry and before `lastSeenAt + idleTimeout`.
 *
 * @since 0.3.0
 * @category lifetimes
 */
export const isLive = (session: Lifetimes, now: number): boolean =>
  now < session.expiresAt && now < session.lastSeenAt + session.idleTimeout

/**
 * Whether a session seen at `now` is due a write of its last-seen time: a touch interval has passed since the last.
 *
 * @since 0.3.0
 * @category lifetimes
 */
export const isTouchDue = (session: Lifetimes, now: number): boolean =>
  now - session.lastSeenAt >= touchInterval(session.idleTimeout)

/**
 * Checks a new session's lifetimes: whole milliseconds, 4 or more (a touch interval of at least 1), the idle one no
 * longer than the absolute one. Throws a `RangeError` otherwise: wrong lifetimes are a bug in the caller's constants.
 *
 * @since 0.3.0
 * @category lifetimes
 */
export const checkLifetimes = (idleTimeout: number, absoluteTimeout: number): void => {
  for (const [name, value] of [["idleTimeout", idleTimeout], ["absoluteTimeout", absoluteTimeout]] as const) {
    if (!Number.isSafeInteger(value) || value < 4) {
      throw new RangeError(`SessionStore: \`${name}\` must be a whole number of milliseconds, 4 or more`)
    }
  }
  if (idleTimeout > absoluteTimeout) throw new RangeError("SessionStore: `idleTimeout` exceeds `absoluteTimeout`")
}
