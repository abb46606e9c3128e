import * as Arbitrary from "effect/Arbitrary"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as HttpEffect from "effect/http/HttpEffect"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import type * as HttpServerResponse from "effect/http/HttpServerResponse"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
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
      explicit === undefined ? backendChallenge : Effect.succeed(explicit),
      (challenge) => {
        // a fresh context for the run, built from nothing the caller holds: the caller's context is never written to
        let context: Context.Context<any> = Context.make(
          CurrentAuthentication,
          new Authentication(principal.user, principal.credentials, challenge)
        )
        const url = request === undefined ? undefined : new URL(request.originalUrl, "http://localhost")
        if (request !== undefined) {
          context = Context.add(
            Context.add(context, HttpServerRequest.HttpServerRequest, request),
            HttpServerRequest.ParsedSearchParams,
            HttpServerRequest.searchParamsFromURL(url!)
          )
        }
        if (params !== undefined) {
          context = Context.add(context, HttpRouter.RouteContext, {
            params,
            route: HttpRouter.route(
              (request?.method ?? "*") as "*",
              (url === undefined ? "*" : url.pathname) as HttpRouter.PathInput,
              Effect.die(new Error("Testing.runAs: a synthetic route has no handler"))
            ) as HttpRouter.Route<unknown, unknown>
          })
        }
        return Effect.provideContext(self, context) as Effect.Effect<A, E, any>
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

const booleans = Arbitrary.schema(Schema.Boolean)

/** One of `values` (not empty), drawn evenly. */
export const oneOf = <A>(values: ReadonlyArray<A>): Arbitrary.Arbitrary<A> => {
  const last = values.length - 1
  return last === 0
    ? Arbitrary.Constant(values[0]!)
    : Arbitrary.map(
      Arbitrary.schema(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: last }))),
      (i) => values[i]!
    )
}

/** One arbitrary or the other, drawn evenly. */
export const either = <A, B>(a: Arbitrary.Arbitrary<A>, b: Arbitrary.Arbitrary<B>): Arbitrary.Arbitrary<A | B> =>
  Arbitrary.flatMap(booleans, (first): Arbitrary.Arbitrary<A | B> => first ? a : b)

/** A subset of `values`, in their order. */
export const subsetOf = <A>(values: ReadonlyArray<A>): Arbitrary.Arbitrary<Array<A>> =>
  values.length === 0
    ? Arbitrary.Constant([])
    : Arbitrary.map(Arbitrary.all(values.map(() => booleans)), (kept) => values.filter((_, i) => kept[i]))

/** The `users` option of `Testing.arbitraryPrincipal` as an arbitrary, `undefined` when not given. */
export const arbitraryUsers = (
  users: ArbitraryPrincipalOptions["users"]
): Arbitrary.Arbitrary<User> | undefined =>
  users === undefined
    ? undefined
    : Array.isArray(users)
    ? fromUsers(users)
    : users as Arbitrary.Arbitrary<User>

const fromUsers = (users: ReadonlyArray<User>): Arbitrary.Arbitrary<User> => {
  // an empty list would make every property vacuous: say so at once
  if (users.length === 0) throw new TypeError("Testing.arbitraryPrincipal: `users` is empty")
  return oneOf(users)
}

/** Whether the argument of `Testing.arbitraryPrincipal` is the scopes alone. */
export const isScopes = (
  options: ReadonlyArray<AppScope> | ArbitraryPrincipalOptions
): options is ReadonlyArray<AppScope> => Array.isArray(options)

type WebHandler = (request: Request) => Promise<Response>

/**
 * The implementation of `Testing.accessTable` (typed there): one web handler per principal, each around a stand-in
 * backend answering it, every route requested through each; dies when no request reached a stand-in.
 */
export const accessTable = (
  app:
    | Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, unknown>
    | Layer.Layer<unknown, unknown, unknown>,
  options: AccessTableOptions
): any =>
  Effect.gen(function*() {
    const context = yield* Effect.context<never>()
    // the app's own challenges (and so its 401s): only who is authenticated is replaced
    const given = options.challenge
    const challenge = given !== undefined
      ? given
      : Option.match(Context.getOption(context, AuthenticationBackend), {
        onNone: () => [],
        onSome: (backend) => backend.challenges
      })
    let consulted = false
    const handlers: Array<readonly [string, WebHandler]> = []
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
        // a router's routes, or an HttpApi's layer: its middleware takes the backend when the Layer is built
        const built = HttpRouter.toWebHandler(
          app.pipe(
            Layer.provide(Layer.succeed(AuthenticationBackend, standIn)),
            Layer.provide(Layer.succeedContext(context))
          ) as Layer.Layer<unknown, unknown, HttpRouter.HttpRouter>,
          { disableLogger: true }
        )
        yield* Effect.addFinalizer(() => Effect.promise(() => built.dispose()))
        // a router's middleware reads the backend per request, from the request's context
        const requestContext = Context.add(context, AuthenticationBackend, standIn)
        handlers.push([name, (request) => built.handler(request, requestContext)])
      } else {
        const handler = HttpEffect.toWebHandlerWith(Context.add(context, AuthenticationBackend, standIn))(
          app as Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, never>
        )
        handlers.push([name, (request) => handler(request)])
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
      return yield* Effect.die(new Error(notConsulted(options.routes, Layer.isLayer(app))))
    }
    return table
  }).pipe(Effect.scoped)

const notConsulted = (routes: ReadonlyArray<string>, layer: boolean): string =>
  `Testing.accessTable: no request (${routes.map((route) => JSON.stringify(route)).join(", ")}) reached the ` +
  `stand-in backend, so the table would show ` +
  `${layer ? "" : "the app's own backend or "}no authentication at all, not the principals. ` +
  (layer ? "" : "An HttpApi middleware takes its backend when its Layer is built: give accessTable the API's Layer " +
    "without its backend, before Layer.provide(BackendLive). ") +
  `Or the routes are not behind the authentication middleware (an HttpApi group without .middleware(…), a path ` +
  `no route matches).`
