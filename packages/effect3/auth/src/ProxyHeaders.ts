/**
 * Behind a reverse proxy (one that terminates TLS, a load balancer), every request comes from the proxy's address.
 * uvicorn's `ProxyHeadersMiddleware`, for Effect: a request from a trusted proxy gets the client's address (from
 * `X-Forwarded-For` or RFC 7239 `Forwarded`) as its `remoteAddress`, which the login throttles count and logs show,
 * and the client's scheme (`X-Forwarded-Proto` or `proto=`), which decides `Secure` cookies and a websocket's
 * same-origin check. A forwarding header from any other peer is ignored: a client cannot choose its own address.
 *
 * @since 0.3.0
 */
import type { Forwarded } from "@effect-auth/core/Forwarded"
import { fromForwarded, fromXForwarded, makeTrust } from "@effect-auth/core/Forwarded"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import { recordProto, schemeOf } from "./internal/client.js"
import { readContext } from "./internal/context.js"

/**
 * @since 0.3.0
 * @category models
 */
export interface Options {
  /**
   * The peers whose forwarding headers are believed: addresses (`"127.0.0.1"`, `"::1"`) and CIDR blocks
   * (`"10.0.0.0/8"`, `"fd00::/8"`); `"*"` believes every peer (only for an app that nothing but the proxy can
   * reach). Hops of the header that are trusted are skipped too, so a chain of proxies is walked to the client.
   */
  readonly trustedHosts: ReadonlyArray<string>
  /**
   * The header your proxy writes: `"x-forwarded-for"` (with `X-Forwarded-Proto`; the default, as nginx, HAProxy and
   * most load balancers write) or `"forwarded"` (RFC 7239). Only that one is read: the other passes from the client
   * through the proxy unchanged, and must not be believed.
   */
  readonly header?: "x-forwarded-for" | "forwarded" | undefined
}

/**
 * A middleware that believes the forwarding headers of trusted proxies. Options are checked when it is built (an
 * entry that is neither an address nor a CIDR block, an empty list: a `TypeError` at start-up). Per request, only
 * when the immediate peer is trusted, the header is walked from the right past trusted hops: the first untrusted hop
 * is the client, whose address replaces `request.remoteAddress`; a header that does not parse leaves the peer's
 * address. Wrap the whole app with it, outermost, so that everything inside sees the client.
 *
 * @example
 * ```ts
 * import { AuthenticationMiddleware } from "effect-auth"
 * import * as ProxyHeaders from "effect-auth/ProxyHeaders"
 * import { HttpRouter, HttpServerResponse } from "@effect/platform"
 *
 * const router = HttpRouter.empty.pipe(HttpRouter.get("/", HttpServerResponse.text("hello")))
 *
 * const app = AuthenticationMiddleware(router).pipe(
 *   ProxyHeaders.middleware({ trustedHosts: ["127.0.0.1", "10.0.0.0/8"] })
 * )
 * ```
 *
 * @since 0.3.0
 * @category middleware
 */
export const middleware = (options: Options): <E, R>(app: HttpApp.Default<E, R>) => HttpApp.Default<E, R> => {
  if (options.trustedHosts.length === 0) {
    throw new TypeError("ProxyHeaders: `trustedHosts` is empty: name the proxies whose headers are believed")
  }
  const header = options.header ?? "x-forwarded-for"
  if (header !== "x-forwarded-for" && header !== "forwarded") {
    throw new TypeError(`ProxyHeaders: \`header\` must be "x-forwarded-for" or "forwarded"`)
  }
  const isTrusted = makeTrust(options.trustedHosts)
  const read: (request: HttpServerRequest.HttpServerRequest) => Forwarded = header === "forwarded"
    ? (request) => fromForwarded(request.headers["forwarded"], isTrusted)
    : (request) => fromXForwarded(request.headers["x-forwarded-for"], request.headers["x-forwarded-proto"], isTrusted)
  return <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
    readContext((context) => {
      const request = Context.unsafeGet(context, HttpServerRequest.HttpServerRequest)
      const peer = request.remoteAddress
      // another peer's headers are the client's own words: the request goes on as it came
      if (peer._tag === "None" || !isTrusted(peer.value)) return app
      const forwarded = read(request)
      if (forwarded.proto !== undefined) recordProto(request, forwarded.proto)
      if (forwarded.address === undefined) return app
      // a copy of the context with the rewritten request, installed for the app's run (as HttpRouter installs a route's)
      const modified = request.modify({ remoteAddress: forwarded.address })
      return Effect.locally(
        app,
        FiberRef.currentContext,
        Context.add(context, HttpServerRequest.HttpServerRequest, modified)
      )
    }) as HttpApp.Default<E, R>
}

/**
 * The scheme the client used: `https` over TLS, or when a trusted proxy said so through {@link middleware}; `http`
 * otherwise. A forwarding header from a peer that is not trusted counts for nothing.
 *
 * @since 0.3.0
 * @category accessors
 */
export const scheme: Effect.Effect<"http" | "https", never, HttpServerRequest.HttpServerRequest> = Effect.map(
  HttpServerRequest.HttpServerRequest,
  schemeOf
)
