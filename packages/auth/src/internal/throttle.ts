import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type { ServiceUnavailable } from "../AuthenticationError.js"
import { isAuthenticationError, TooManyRequests } from "../AuthenticationError.js"
import type { Count, Options, ThrottleStore } from "../Throttle.js"

// OWASP's Authentication Cheat Sheet leaves the numbers to the app; these let a person mistype a password several
// times, and a few people behind one NAT do so, while a guesser gets 50 tries per address per quarter hour
const defaultUsername = 10
const defaultAddress = 50
const defaultWindow = Duration.minutes(15)

/**
 * The key an address counts under: IPv4 as it is (an IPv4-mapped IPv6 address as its IPv4), IPv6 by its /64, the
 * block one host or subscriber usually holds (counting per address would give a guesser 2^64 budgets).
 */
export const addressKey = (address: string): string => {
  const zone = address.indexOf("%")
  const plain = (zone === -1 ? address : address.slice(0, zone)).toLowerCase()
  if (!plain.includes(":")) return `a:${plain}`
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(plain)
  if (mapped !== null) return `a:${mapped[1]!}`
  const [head = "", tail] = plain.split("::", 2)
  const first = head === "" ? [] : head.split(":")
  const last = tail === undefined || tail === "" ? [] : tail.split(":")
  const groups = tail === undefined
    ? first
    : [...first, ...Array(Math.max(0, 8 - first.length - last.length)).fill("0"), ...last]
  return `a:${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, "")).join(":")}::/64`
}

// the same name typed differently (case, full-width letters) is one name to a guesser: counted as one
const usernameKey = (username: string): string => `u:${username.normalize("NFKC").toLowerCase()}`

const refuse = (what: string, count: Count, now: number) =>
  Effect.fail(
    new TooManyRequests({
      reason: `too many failed attempts for this ${what}`,
      retryAfter: Math.max(1, Math.ceil((count.resetAt - now) / 1000))
    })
  )

/**
 * Wraps one login attempt: refused before it runs when its username or address has failed too often in the window;
 * counted against both when it fails (`None`, or an `AuthenticationError`); the username's count forgotten when it
 * succeeds after failures. A server fault (`ServiceUnavailable`) is nobody's failure. Options are checked here, once.
 */
export const make = (options: Options | undefined, store: ThrottleStore.Service) => {
  const username = options?.username ?? defaultUsername
  const address = options?.address ?? defaultAddress
  const window = Duration.decode(options?.window ?? defaultWindow)
  for (const [name, n] of [["username", username], ["address", address]] as const) {
    if (!Number.isInteger(n) || n < 1) throw new TypeError(`Throttle: \`${name}\` must be a positive integer`)
  }
  return <A, E, R>(
    name: string,
    from: Option.Option<string>,
    attempt: Effect.Effect<Option.Option<A>, E, R>
  ): Effect.Effect<Option.Option<A>, E | TooManyRequests | ServiceUnavailable, R> => {
    const user = usernameKey(name)
    const client = from._tag === "Some" ? addressKey(from.value) : undefined
    const failed = client === undefined
      ? Effect.asVoid(store.hit(user, window))
      : Effect.zipRight(store.hit(user, window), Effect.asVoid(store.hit(client, window)))
    return Effect.gen(function*() {
      const byUser = yield* store.get(user)
      const byClient = client === undefined ? undefined : yield* store.get(client)
      if (byClient !== undefined && byClient.count >= address) {
        return yield* refuse("address", byClient, yield* Clock.currentTimeMillis)
      }
      // a locked username is refused to addresses that have failed (and to requests without an address)
      if (byUser.count >= username && (byClient === undefined || byClient.count > 0)) {
        return yield* refuse("username", byUser, yield* Clock.currentTimeMillis)
      }
      const result = yield* Effect.tapError(attempt, (error) => isAuthenticationError(error) ? failed : Effect.void)
      if (result._tag === "None") yield* failed
      else if (byUser.count > 0) yield* store.reset(user)
      return result
    })
  }
}
