/**
 * docs/security.md ("Behind a proxy"): the excerpt there stands in this file, and examples/docs/test/Proxy.test.ts
 * serves it through a real server.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Option } from "effect"
import { AuthenticationMiddleware } from "effect-auth"
import * as ProxyHeaders from "effect-auth/ProxyHeaders"

// what the app sees of the client: its address (the one the login throttles count) and its scheme
const client = Effect.gen(function*() {
  const request = yield* HttpServerRequest.HttpServerRequest
  const scheme = yield* ProxyHeaders.scheme
  return HttpServerResponse.text(`${Option.getOrElse(request.remoteAddress, () => "unknown")} over ${scheme}`)
})

const router = HttpRouter.empty.pipe(HttpRouter.get("/client", client))

// nginx on this host and the load balancers of the private network: their X-Forwarded-For and X-Forwarded-Proto are
// believed, anyone else's ignored; outermost, so that the backends and their throttles see the client
export const proxiedApp = AuthenticationMiddleware(router).pipe(
  ProxyHeaders.middleware({ trustedHosts: ["127.0.0.1", "::1", "10.0.0.0/8"] })
)
