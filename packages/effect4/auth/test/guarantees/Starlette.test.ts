/**
 * Starlette's tests/test_authentication.py, case by case, through a real server and real clients: the seed app and
 * the cases are the shared spec `@effect-auth/specs/Starlette`; this file builds the seed app on this line.
 */
import type { App, Route } from "@effect-auth/specs/Starlette"
import { apps, run, scopes, suites, whoami } from "@effect-auth/specs/Starlette"
import { describe, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import type { Scope } from "effect"
import type { AuthenticationBackend } from "effect-auth"
import { AuthCredentials, AuthenticationMiddleware, CurrentUser, SimpleUser } from "effect-auth"
import * as Basic from "effect-auth/Basic"
import { requires } from "effect-auth/Requires"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { serve } from "../utils/server.js"

// the test suite's BasicAuth backend: any Basic credentials are that user, with scope "authenticated"
const BasicAuth = Basic.layer({
  verify: (username) => Effect.succeedSome([new AuthCredentials(scopes), new SimpleUser(username)] as const)
})

// Starlette's decorator stacked over `requires`: a service provided around the guarded handler
class Additional extends Context.Service<Additional, string | undefined>()("test/Additional") {}

const answer = Effect.zipWith(CurrentUser, Additional, whoami)

// the socket opens when its reader is acquired: read first, then send the one message, until the client closes
const websocketEndpoint = Effect.gen(function*() {
  const message = JSON.stringify(yield* answer)
  const request = yield* HttpServerRequest.HttpServerRequest
  const upgraded = yield* request.upgrade
  const { pull } = yield* upgraded.reader
  const writer = yield* upgraded.writer
  yield* writer.write(message)
  yield* Effect.ignore(Effect.forever(pull))
  return HttpServerResponse.empty()
}).pipe(Effect.scoped, Effect.orDie)

const handlers = {
  whoami: Effect.map(answer, (body) => HttpServerResponse.jsonUnsafe(body)),
  websocket: websocketEndpoint
}

// Starlette's decorator stacked over `requires`: `Additional` is provided outside the guard
const handlerOf = (route: Route) =>
  Effect.provideService(
    route.requires === undefined
      ? handlers[route.handler]
      : requires(handlers[route.handler], route.requires, { redirect: route.redirect }),
    Additional,
    route.additional
  )

const routesOf = ([first, ...rest]: readonly [Route, ...Array<Route>]) =>
  rest.reduce(
    (routes, route) => Layer.merge(routes, HttpRouter.add(route.method, route.path, handlerOf(route))),
    HttpRouter.add(first.method, first.path, handlerOf(first))
  )

type SeedApp = Effect.Effect<
  Effect.Effect<
    HttpServerResponse.HttpServerResponse,
    unknown,
    AuthenticationBackend | HttpServerRequest.HttpServerRequest | Scope.Scope
  >,
  never,
  Scope.Scope
>

// the function form: the router as an effect, the whole of it wrapped by the middleware (before routing)
const seedApps: Record<App, SeedApp> = {
  main: Effect.map(HttpRouter.toHttpEffect(routesOf(apps.main.routes)), AuthenticationMiddleware),
  controlPanel: Effect.map(
    HttpRouter.toHttpEffect(routesOf(apps.controlPanel.routes)),
    AuthenticationMiddleware.make({
      onError: (error) =>
        HttpServerResponse.json(apps.controlPanel.onError.json(error.message), {
          status: apps.controlPanel.onError.status
        })
    })
  )
}

describe("Starlette's test_authentication, ported", () => {
  for (const suite of suites) {
    describe(suite.name, () => {
      for (const testCase of suite.cases) {
        it.effect(
          testCase.name,
          () =>
            Effect.flatMap(
              Effect.flatMap(seedApps[testCase.app], (app) => serve(app)),
              (url) => Effect.promise(() => run(testCase)(url))
            ).pipe(Effect.provide(BasicAuth))
        )
      }
    })
  }
})
