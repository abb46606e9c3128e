import type * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import * as HttpApp from "@effect/platform/HttpApp"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Runtime from "effect/Runtime"
import type { Authenticate } from "../AuthenticationBackend.js"
import { AuthenticationBackend } from "../AuthenticationBackend.js"
import { Authentication, CurrentAuthentication } from "../CurrentUser.js"
import type { AccessTableOptions, ArbitraryPrincipalOptions, Principal, RunAsOptions } from "../Testing.js"
import type { Scope as AppScope, User } from "../User.js"
import { backendChallenge } from "./authentication.js"

/**
 * The implementation of `Testing.runAs` (typed there): a fresh context for the run holding the principal's
 * authentication, and the request and route parameters of `options` when given.
 */
export const runAs = (principal: Principal, options: RunAsOptions | undefined) => {
  const given = options?.challenge
  const explicit = given === undefined ? undefined : typeof given === "string" ? given : given.join(", ")
  const request = options?.request === undefined
    ? undefined
    : typeof options.request === "string"
    ? fromTarget(options.request)
    : options.request
  const params = options?.params
  return <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, any> =>
    Effect.flatMap(
      explicit === undefined
        ? backendChallenge
        : Effect.succeed(explicit),
      (challenge) => {
        // a fresh context for the run, built from nothing the caller holds: the caller's context is never written to
        let context: Context.Context<any> = Context.make(
          CurrentAuthentication,
          new Authentication(principal.user, principal.credentials, challenge)
        )
        if (request !== undefined) {
          context = Context.add(
            Context.add(context, HttpServerRequest.HttpServerRequest, request),
            HttpServerRequest.ParsedSearchParams,
            HttpServerRequest.searchParamsFromURL(new URL(request.originalUrl, "http://localhost"))
          )
        }
        if (params !== undefined) {
          context = Context.add(context, HttpRouter.RouteContext, {
            [HttpRouter.RouteContextTypeId]: HttpRouter.RouteContextTypeId,
            params,
            route: HttpRouter.makeRoute(
              request?.method ?? "*",
              (request === undefined
                ? "*"
                : new URL(request.originalUrl, "http://localhost").pathname) as HttpRouter.PathInput,
              Effect.dieMessage("Testing.runAs: a synthetic route has no handler")
            )
          })
        }
        return Effect.provide(self, context) as Effect.Effect<A, E, any>
      }
    )
}

// "PUT /posts/1?x=y" or "/posts/1": a request with no body, from nowhere
const fromTarget = (target: string): HttpServerRequest.HttpServerRequest => {
  const space = target.indexOf(" ")
  const [method, path] = space === -1 ? ["GET", target] : [target.slice(0, space), target.slice(space + 1)]
  return HttpServerRequest.fromWeb(new Request(`http://localhost${path}`, { method }))
}

/** What a backend answering `principal` answers for every request: `None` for anonymous. */
export const authenticateAs = (principal: Principal): Authenticate =>
  Effect.succeed(
    principal._tag === "Anonymous" ? Option.none() : Option.some([principal.credentials, principal.user] as const)
  )

/** The `users` option of `Testing.arbitraryPrincipal` as an arbitrary, `undefined` when not given. */
export const arbitraryUsers = (
  users: ArbitraryPrincipalOptions["users"]
): FastCheck.Arbitrary<User> | undefined =>
  users === undefined
    ? undefined
    : Array.isArray(users)
    ? fromUsers(users)
    : users as FastCheck.Arbitrary<User>

const fromUsers = (users: ReadonlyArray<User>): FastCheck.Arbitrary<User> => {
  // an empty list would make every property vacuous: say so at once
  if (users.length === 0) throw new TypeError("Testing.arbitraryPrincipal: `users` is empty")
  return FastCheck.constantFrom(...users)
}

/** Whether the argument of `Testing.arbitraryPrincipal` is the scopes alone. */
export const isScopes = (
  options: ReadonlyArray<AppScope> | ArbitraryPrincipalOptions
): options is ReadonlyArray<AppScope> => Array.isArray(options)

/**
 * The implementation of `Testing.accessTable` (typed there): one web handler per principal, each around a stand-in
 * backend answering it, every route requested through each; dies when no request reached a stand-in.
 */
export const accessTable = (
  app: HttpApp.Default<unknown, unknown> | Layer.Layer<HttpApi.Api, unknown, unknown>,
  options: AccessTableOptions
): any =>
  Effect.scoped(Effect.gen(function*() {
    const runtime = yield* Effect.runtime<never>()
    // the app's own challenges (and so its 401s): only who is authenticated is replaced
    const given = options.challenge
    const challenge = given !== undefined
      ? given
      : Option.match(Context.getOption(runtime.context, AuthenticationBackend), {
        onNone: () => [],
        onSome: (backend) => backend.challenges
      })
    // what an HttpApi app may use (HttpPlatform, FileSystem, Path, Etag): the caller's, else platform-neutral ones
    const defaults = Layer.isLayer(app) ? yield* Layer.build(HttpServer.layerContext) : Context.empty()
    let consulted = false
    const handlers: Array<readonly [string, (request: Request) => Promise<Response>]> = []
    for (const [name, principal] of Object.entries(options.principals)) {
      const answer = authenticateAs(principal)
      const standIn = AuthenticationBackend.make(
        Effect.suspend(() => {
          consulted = true
          return answer
        }),
        { challenge }
      )
      if (Layer.isLayer(app)) {
        const context = yield* Layer.buildWithScope(
          Layer.mergeAll(app, HttpApiBuilder.Router.Live, HttpApiBuilder.Middleware.layer).pipe(
            Layer.provide(Layer.succeed(AuthenticationBackend, standIn))
          ),
          yield* Effect.scope
        )
        const httpApp = yield* Effect.provide(HttpApiBuilder.httpApp, context)
        const built = Runtime.make({
          context: Context.merge(Context.merge(defaults, runtime.context), context),
          runtimeFlags: runtime.runtimeFlags,
          fiberRefs: runtime.fiberRefs
        })
        handlers.push([name, HttpApp.toWebHandlerRuntime(built)(httpApp as HttpApp.Default<never, any>)])
      } else {
        handlers.push([
          name,
          HttpApp.toWebHandlerRuntime(Runtime.provideService(runtime, AuthenticationBackend, standIn))(
            app as HttpApp.Default<unknown, any>
          )
        ])
      }
    }
    const table: Record<string, Record<string, number>> = {}
    for (const route of options.routes) {
      const space = route.indexOf(" ")
      const [method, path] = space === -1 ? ["GET", route] : [route.slice(0, space), route.slice(space + 1)]
      const row: Record<string, number> = {}
      for (const [name, handler] of handlers) {
        const response = yield* Effect.promise(() => handler(new Request(`http://localhost${path}`, { method })))
        row[name] = response.status
      }
      table[route] = row
    }
    // a row may be answered before authentication (a CSRF check refuses a POST without a token), a whole table not
    if (!consulted && options.routes.length > 0 && handlers.length > 0) {
      return yield* Effect.dieMessage(notConsulted(options.routes, Layer.isLayer(app)))
    }
    return table
  }))

const notConsulted = (routes: ReadonlyArray<string>, api: boolean): string =>
  `Testing.accessTable: no request (${routes.map((route) => JSON.stringify(route)).join(", ")}) reached the ` +
  `stand-in backend, so the table would show ` +
  `${api ? "" : "the app's own backend (an HttpApi app built with its backend) or "}no authentication at all, ` +
  `not the principals. ` +
  (api ? "" : "An HttpApi middleware takes its backend when its Layer is built: give accessTable the API's Layer " +
    "without its backend (the Layer given to HttpApiBuilder.serve(), before Layer.provide(BackendLive)). ") +
  `Or the routes are not behind the authentication middleware (an HttpApi group without .middleware(…), a path ` +
  `no route matches).`
