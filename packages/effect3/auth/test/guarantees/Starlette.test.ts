/**
 * Starlette's tests/test_authentication.py, case by case, through a real server and real clients: the seed app and
 * the cases are the shared spec `@effect-auth/specs/Starlette`; this file builds the seed app on this line.
 */
import type { App, Route } from "@effect-auth/specs/Starlette"
import { apps, run, scopes, suites, whoami } from "@effect-auth/specs/Starlette"
import type { HttpApp } from "@effect/platform"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { describe, it } from "@effect/vitest"
import { Context, Effect } from "effect"
import type { AuthenticationBackend } from "effect-auth"
import { AuthCredentials, AuthenticationMiddleware, Basic, CurrentUser, requires, SimpleUser } from "effect-auth"
import { serve } from "../utils/server.js"

// the test suite's BasicAuth backend: any Basic credentials are that user, with scope "authenticated"
const BasicAuth = Basic.layer({
  verify: (username) => Effect.succeedSome([new AuthCredentials(scopes), new SimpleUser(username)] as const)
})

// Starlette's decorator stacked over `requires`: a service provided around the guarded handler
class Additional extends Context.Tag("test/Additional")<Additional, string | undefined>() {}

const answer = Effect.zipWith(CurrentUser, Additional, whoami)

const websocketEndpoint = Effect.gen(function*() {
  const message = JSON.stringify(yield* answer)
  const socket = yield* HttpServerRequest.upgrade
  const write = yield* socket.writer
  yield* socket.runRaw(() => {}, { onOpen: Effect.orDie(write(message)) }).pipe(Effect.ignore)
  return HttpServerResponse.empty()
}).pipe(Effect.scoped)

const handlers = {
  whoami: Effect.map(answer, (body) => HttpServerResponse.unsafeJson(body)),
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

type Handler = ReturnType<typeof handlerOf>
type Router = HttpRouter.HttpRouter<
  Effect.Effect.Error<Handler>,
  Exclude<Effect.Effect.Context<Handler>, HttpServerRequest.HttpServerRequest>
>

const routerOf = (routes: ReadonlyArray<Route>): Router =>
  routes.reduce<Router>(
    (router, route) => HttpRouter.route(route.method)(router, route.path, handlerOf(route)),
    HttpRouter.empty
  )

const seedApps: Record<App, HttpApp.Default<unknown, AuthenticationBackend>> = {
  main: AuthenticationMiddleware(routerOf(apps.main.routes)),
  controlPanel: AuthenticationMiddleware.make({
    onError: (error) =>
      HttpServerResponse.json(apps.controlPanel.onError.json(error.message), {
        status: apps.controlPanel.onError.status
      })
  })(routerOf(apps.controlPanel.routes))
}

describe("Starlette's test_authentication, ported", () => {
  for (const suite of suites) {
    describe(suite.name, () => {
      for (const testCase of suite.cases) {
        it.scoped(
          testCase.name,
          () =>
            Effect.flatMap(serve(seedApps[testCase.app]), (url) => Effect.promise(() => run(testCase)(url))).pipe(
              Effect.provide(BasicAuth)
            )
        )
      }
    })
  }
})
