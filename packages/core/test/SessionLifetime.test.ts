import fc from "fast-check"
import { assert, describe, it } from "vitest"
import { checkLifetimes, isLive, isTouchDue, touchInterval } from "../src/SessionLifetime.js"

const session = { lastSeenAt: 0, idleTimeout: 60_000, expiresAt: 100_000 }

describe("SessionLifetime", () => {
  it("touchInterval: a quarter of the idle timeout, an hour at most", () => {
    assert.strictEqual(touchInterval(60_000), 15_000)
    assert.strictEqual(touchInterval(4 * 3_600_000), 3_600_000)
    assert.strictEqual(touchInterval(30 * 86_400_000), 3_600_000)
  })

  it("isLive: before the idle expiry and before the absolute one", () => {
    assert.isTrue(isLive(session, 59_999))
    assert.isFalse(isLive(session, 60_000))
    assert.isTrue(isLive({ ...session, lastSeenAt: 50_000 }, 99_999))
    assert.isFalse(isLive({ ...session, lastSeenAt: 50_000 }, 100_000))
  })

  it("isTouchDue: once a touch interval has passed since the last write", () => {
    assert.isFalse(isTouchDue(session, 14_999))
    assert.isTrue(isTouchDue(session, 15_000))
  })

  it("checkLifetimes: whole milliseconds, 4 or more, the idle one within the absolute one", () => {
    checkLifetimes(4, 4)
    checkLifetimes(60_000, 600_000)
    for (const [idle, absolute] of [[3, 10], [10, 3.5], [Number.NaN, 10], [20, 10], [10, Infinity]] as const) {
      assert.throws(() => checkLifetimes(idle, absolute), RangeError, undefined, `${idle}, ${absolute}`)
    }
  })

  it("a session written whenever a write is due never idles out while its requests come less than its idle timeout minus a touch interval apart", () =>
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 10_000_000 }),
        fc.array(fc.integer({ min: 0, max: 10_000_000 }), { maxLength: 50 }),
        (idleTimeout, gaps) => {
          const steady = idleTimeout - touchInterval(idleTimeout)
          let lastSeenAt = 0
          let now = 0
          for (const gap of gaps) {
            now += gap % steady
            const current = { lastSeenAt, idleTimeout, expiresAt: Number.MAX_SAFE_INTEGER }
            assert.isTrue(isLive(current, now))
            if (isTouchDue(current, now)) lastSeenAt = now
          }
        }
      )
    ))
})
