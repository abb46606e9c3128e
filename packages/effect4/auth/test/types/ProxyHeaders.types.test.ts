/**
 * ProxyHeaders.middleware changes no type: the app it wraps keeps its errors and requirements, whatever goes inside.
 * Checked by `tsc -b` (part of `pnpm test`).
 */
import { describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { AuthenticationMiddleware, CurrentUser } from "effect-auth"
import * as ProxyHeaders from "effect-auth/ProxyHeaders"
import type * as HttpServerError from "effect/http/HttpServerError"
import type * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { expectTypeOf } from "vitest"

// an app as Effect 4 has it: an effect answering the request (here one that may fail as a router's lookup does)
const app = Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName)) as Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  HttpServerError.HttpServerError,
  CurrentUser | HttpServerRequest.HttpServerRequest
>
const middleware = ProxyHeaders.middleware({ trustedHosts: ["127.0.0.1"] })

describe("ProxyHeaders.middleware", () => {
  it("keeps the app's errors and requirements", () => {
    const authenticated = AuthenticationMiddleware(app)
    expectTypeOf(middleware(authenticated)).toEqualTypeOf(authenticated)
    expectTypeOf(middleware(app)).toEqualTypeOf(app)
    // an app that never reads the request still gets it: the middleware reads it
    const text = Effect.succeed(HttpServerResponse.text("hello"))
    expectTypeOf(middleware(text)).toEqualTypeOf<
      Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest>
    >()
    // `scheme` needs only the request
    expectTypeOf<Effect.Services<typeof ProxyHeaders.scheme>>().toEqualTypeOf<
      HttpServerRequest.HttpServerRequest
    >()
  })
})
