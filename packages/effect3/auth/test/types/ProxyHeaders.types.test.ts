/**
 * ProxyHeaders.middleware changes no type: the app it wraps keeps its errors and requirements, whatever goes inside.
 * Checked by `tsc -b` (part of `pnpm test`).
 */
import type { HttpServerError, HttpServerRequest } from "@effect/platform"
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { AuthenticationMiddleware, CurrentUser } from "effect-auth"
import * as ProxyHeaders from "effect-auth/ProxyHeaders"
import { expectTypeOf } from "vitest"

const router = HttpRouter.empty.pipe(
  HttpRouter.get("/", Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName)))
)
const middleware = ProxyHeaders.middleware({ trustedHosts: ["127.0.0.1"] })

describe("ProxyHeaders.middleware", () => {
  it("keeps the app's errors and requirements", () => {
    const authenticated = AuthenticationMiddleware(router)
    expectTypeOf(middleware(authenticated)).toEqualTypeOf(authenticated)
    expectTypeOf(middleware(router)).toEqualTypeOf<
      Effect.Effect<
        HttpServerResponse.HttpServerResponse,
        HttpServerError.RouteNotFound,
        CurrentUser | HttpServerRequest.HttpServerRequest
      >
    >()
    // `scheme` needs only the request
    expectTypeOf<Effect.Effect.Context<typeof ProxyHeaders.scheme>>().toEqualTypeOf<
      HttpServerRequest.HttpServerRequest
    >()
  })
})
