/**
 * What a store fails with when it cannot be read or written (a database down, a query refused, its layer closed):
 * `SessionStoreError`, `ThrottleStoreError` and `@effect-auth/sql`'s `UserStoreError` are made here, alike.
 *
 * @since 1.0.0
 */
import type * as Cause from "effect/Cause"
import * as Data from "effect/Data"
import type * as Effect from "effect/Effect"
import * as HttpServerRespondable from "effect/http/HttpServerRespondable"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as internal from "./internal/storeFailure.js"

/**
 * A store's error class, tagged `tag`, with a `message` and the `cause` it came from. It carries no HTTP status: the
 * library's edges that call a store (the session backend, the throttle guard) log it and answer `ServiceUnavailable`
 * (503, `Retry-After: 1`). App code that calls a store itself and leaves its error unhandled in a handler gets that
 * same answer, rendered by the edges' own function, never an empty 500 nor the store's message.
 *
 * @example
 * ```ts
 * import { StoreError } from "effect-auth/StoreError"
 *
 * export class ProfileStoreError extends StoreError("ProfileStoreError") {}
 * ```
 *
 * @since 1.0.0
 * @category constructors
 */
export const StoreError = <Tag extends string>(tag: Tag): new(
  args: { readonly message: string; readonly cause?: unknown }
) => StoreError<Tag> =>
  class extends Data.TaggedError(tag)<{ readonly message: string; readonly cause?: unknown }> {
    // the rendering is the edges' own (internal/storeFailure.ts): the status is decided there, once
    [HttpServerRespondable.symbol]() {
      return internal.response()
    }
  } as never

/**
 * An instance of a {@link StoreError} class.
 *
 * @since 1.0.0
 * @category models
 */
export interface StoreError<Tag extends string> extends Cause.YieldableError, HttpServerRespondable.Respondable {
  readonly _tag: Tag
  readonly message: string
  readonly cause?: unknown
  [HttpServerRespondable.symbol](): Effect.Effect<HttpServerResponse.HttpServerResponse>
}
