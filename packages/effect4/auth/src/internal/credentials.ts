import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as Option from "effect/Option"
import * as Result from "effect/Result"
import type { AuthResult } from "../AuthenticationBackend.js"
import { AuthenticationBackend } from "../AuthenticationBackend.js"
import type { AuthenticationError, ServiceUnavailable, TooManyRequests } from "../AuthenticationError.js"
import { readService } from "./context.js"
import { withContext } from "./provide.js"

/** What a reader answers for a request without its credential: one value, shared by every such request. */
export const absent: Result.Result<Option.Option<never>, never> = Result.succeed(Option.none())

/**
 * A backend that reads one credential from the request (a header, a cookie, a query parameter) and checks it.
 */
export interface Skeleton<X, R> {
  /** `None` when the request does not present this credential (another backend may want it). */
  readonly read: (request: HttpServerRequest.HttpServerRequest) => Result.Result<Option.Option<X>, AuthenticationError>
  readonly verify: (
    credential: X
  ) => Effect.Effect<AuthResult, AuthenticationError | ServiceUnavailable | TooManyRequests, R>
  /** What a credential that `verify` answers `None` for is: this error, or anonymous when absent. */
  readonly refused?: AuthenticationError | undefined
  readonly challenge?: string | ReadonlyArray<string> | undefined
  /** How credentials from this backend are established (`AuthCredentials.method`), unless `verify` says. */
  readonly method?: string | undefined
}

/**
 * The backend, built once: `verify`'s services are captured here and given back per request, so the backend's
 * Layer, not the app, carries them.
 */
export const make = <X, R>(skeleton: Skeleton<X, R>): Effect.Effect<AuthenticationBackend.Service, never, R> =>
  Effect.map(Effect.context<R>(), (context) => {
    const read = skeleton.read
    const method = skeleton.method
    const given = withContext(skeleton.verify, context)
    const refused: Effect.Effect<AuthResult, AuthenticationError> = skeleton.refused === undefined
      ? Effect.succeedNone
      : Effect.fail(skeleton.refused)
    // one step after `verify`: a credential it does not know is refused (or anonymous), one it accepts gets the
    // backend's method unless `verify` named one
    const stamp = (result: AuthResult): Effect.Effect<AuthResult, AuthenticationError> => {
      if (result._tag === "None") return refused
      if (method === undefined || result.value[0].method !== undefined) return Effect.succeed(result)
      return Effect.succeed(Option.some([result.value[0].withMethod(method), result.value[1]] as const))
    }
    // a `verify` that answered at once (`Effect.succeed`, an `Exit` already) is followed up without another step
    const check = (credential: X) => {
      const verified = given(credential)
      return Exit.isExit(verified) && Exit.isSuccess(verified)
        ? stamp(verified.value as AuthResult)
        : Effect.flatMap(verified, stamp)
    }
    const authenticate = readService(HttpServerRequest.HttpServerRequest, (request) => {
      const parsed = read(request)
      if (parsed._tag === "Failure") return Effect.fail(parsed.failure)
      if (parsed.success._tag === "None") return Effect.succeedNone
      return check(parsed.success.value)
    })
    return AuthenticationBackend.make(authenticate, { challenge: skeleton.challenge })
  })
