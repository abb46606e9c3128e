/**
 * Behind a reverse proxy (one that terminates TLS, a load balancer), every request comes from the proxy's address.
 * uvicorn's `ProxyHeadersMiddleware`, for Effect: a request from a trusted proxy gets the client's address (from
 * `X-Forwarded-For` or RFC 7239 `Forwarded`) as its `remoteAddress`, which the login throttles count and logs show,
 * and the client's scheme (`X-Forwarded-Proto` or `proto=`), which decides `Secure` cookies and a websocket's
 * same-origin check. A forwarding header from any other peer is ignored: a client cannot choose its own address.
 *
 * @since 1.0.0
 */
import type { Forwarded } from "@effect-auth/core/Forwarded"
import { fromForwarded, fromXForwarded, makeTrust } from "@effect-auth/core/Forwarded"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Option from "effect/Option"
import { recordProto, schemeOf } from "./internal/client.js"
import { readContext } from "./internal/context.js"

/**
 * An HTTP app: what answers a request (Effect 4 has no `HttpApp` module; this is its `Default`).
 *
 * @since 1.0.0
 * @category models
 */
export type HttpApp<E = never, R = never> = Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  E,
  R | HttpServerRequest.HttpServerRequest
>

/**
 * @since 1.0.0
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
 * when the immediate peer (`request.peerAddress`, the transport's) is trusted, the header is walked from the right
 * past trusted hops: the first untrusted hop is the client, whose address replaces `request.remoteAddress` (the
 * proxy's stays `request.peerAddress`) and whose scheme becomes `request.protocol` (which `HttpServerRequest.toURL`
 * takes); a header that does not parse leaves the peer's address. Wrap the whole app with it, outermost (a global
 * router middleware, provided before the authentication middleware's), so that everything inside sees the client.
 *
 * @example
 * ```ts
 * import * as ProxyHeaders from "effect-auth/ProxyHeaders"
 * import * as HttpRouter from "effect/http/HttpRouter"
 * import * as HttpServerResponse from "effect/http/HttpServerResponse"
 *
 * // outermost: a global router middleware wraps the lookup, before the authentication middleware
 * const TrustProxy = HttpRouter.middleware(ProxyHeaders.middleware({ trustedHosts: ["127.0.0.1", "10.0.0.0/8"] }), {
 *   global: true
 * })
 * const Routes = HttpRouter.add("GET", "/", HttpServerResponse.text("hello"))
 * ```
 *
 * @since 1.0.0
 * @category middleware
 */
export const middleware = (options: Options): <E, R>(app: HttpApp<E, R>) => HttpApp<E, R> => {
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
  return <E, R>(app: HttpApp<E, R>): HttpApp<E, R> =>
    readContext((context) => {
      const request = Context.getUnsafe(context, HttpServerRequest.HttpServerRequest)
      // the transport peer (`peerAddress`), whatever another middleware made of `remoteAddress`
      const peer = request.peerAddress
      // another peer's headers are the client's own words: the request goes on as it came
      if (peer._tag === "None" || !isTrusted(peer.value)) return app
      const forwarded = read(request)
      if (forwarded.proto !== undefined) recordProto(request, forwarded.proto)
      if (forwarded.address === undefined && forwarded.proto === undefined) return app
      // the rewritten request, provided for the app's run (a copy of the context; the caller's is put back after):
      // the client's address as `remoteAddress`, the proxy's kept as `peerAddress`, the client's scheme as `protocol`
      // (which `HttpServerRequest.toURL` prefers)
      return Effect.provideService(
        app,
        HttpServerRequest.HttpServerRequest,
        request.modify({
          ...(forwarded.address === undefined ? {} : { remoteAddress: Option.some(forwarded.address) }),
          peerAddress: peer,
          ...(forwarded.proto === undefined ? {} : { protocol: forwarded.proto })
        })
      )
    })
}

/**
 * The scheme the client used: `https` over TLS, or when a trusted proxy said so through {@link middleware}; `http`
 * otherwise. A forwarding header from a peer that is not trusted counts for nothing.
 *
 * @since 1.0.0
 * @category accessors
 */
export const scheme: Effect.Effect<"http" | "https", never, HttpServerRequest.HttpServerRequest> = HttpServerRequest
  .HttpServerRequest.useSync(schemeOf)
