/**
 * Isolation under load, through a real server: requests sent at once as different users (and anonymously) each see
 * their own user, never another's, and an anonymous one never sees anybody.
 *
 * Wiring it on a line (see packages/effect3/auth/test/guarantees/Isolation.test.ts):
 * - a backend that reads {@link userHeader}: a request that sends it is `SimpleUser(value)` with the scopes
 *   `["authenticated"]`, one without it is anonymous;
 * - behind `AuthenticationMiddleware`, a handler at `path` (default `/`) that answers 200 with a text body naming
 *   the user it sees: {@link bodyOf} (the display name, or `"anonymous"`), or anything `expected` derives from it
 *   (e.g. an outer middleware that appends what it saw of the context);
 * - serve it on 127.0.0.1 port 0, then `await underLoad(baseUrl, options)` (a fixed batch of 30 at once) or
 *   `await property(baseUrl, options)` (fast-check: random batches of up to 40 at once).
 *
 * On a line, wired as:
 * ```ts
 * it.scoped("concurrent requests each see their own user", () =>
 *   Effect.flatMap(serve(app), (url) => Effect.promise(() => Isolation.underLoad(url))))
 * ```
 */
import * as FastCheck from "fast-check"
import * as assert from "node:assert/strict"
import { request } from "./Http.js"

/** The request header that says who the request is from. */
export const userHeader = "x-user"

/** What a handler answers by default: the user's display name, or `"anonymous"` for no user. */
export const bodyOf = (user: string | undefined): string => user ?? "anonymous"

/** Where the handler is, and the body it answers for a user (by default {@link bodyOf}). */
export interface Options {
  readonly path?: `/${string}` | undefined
  readonly expected?: ((user: string | undefined) => string) | undefined
}

/** A batch of 30 requests: every fourth anonymous, the others `user-<i>`. */
export const users: ReadonlyArray<string | undefined> = Array.from(
  { length: 30 },
  (_, i) => (i % 4 === 0 ? undefined : `user-${i}`)
)

/** Sends one request per entry of `batch` at once (`undefined` is anonymous) and checks each answer is its own. */
export const concurrent = async (
  baseUrl: string,
  batch: ReadonlyArray<string | undefined>,
  options: Options = {}
): Promise<void> => {
  const expected = options.expected ?? bodyOf
  const replies = await Promise.all(
    batch.map((user) =>
      request(`${baseUrl}${options.path ?? "/"}`, { headers: user === undefined ? {} : { [userHeader]: user } })
    )
  )
  assert.deepStrictEqual(
    replies.map((reply) => [reply.status, reply.body]),
    batch.map((user) => [200, expected(user)])
  )
}

/** {@link concurrent} with the batch of {@link users}. */
export const underLoad = (baseUrl: string, options: Options = {}): Promise<void> => concurrent(baseUrl, users, options)

/** A batch: up to 40 requests, from users of a small pool (so that the same user comes twice) or anonymous. */
export const batch: FastCheck.Arbitrary<ReadonlyArray<string | undefined>> = FastCheck.array(
  FastCheck.option(FastCheck.integer({ min: 0, max: 15 }).map((n) => `user-${n}`), { nil: undefined }),
  { minLength: 1, maxLength: 40 }
)

/** {@link concurrent} as a property: `numRuns` (20) random batches, one after another. */
export const property = async (
  baseUrl: string,
  options: Options & { readonly numRuns?: number | undefined } = {}
): Promise<void> => {
  await FastCheck.assert(
    FastCheck.asyncProperty(batch, (users) => concurrent(baseUrl, users, options)),
    { numRuns: options.numRuns ?? 20 }
  )
}
