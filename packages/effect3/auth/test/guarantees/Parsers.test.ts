/**
 * Property tests of the parsers through a real server: whatever a client sends in the credentials, the answer is a
 * deliberate status (never a 500) and a fixed body (never the secret sent). The generators and the oracle are the
 * shared spec `@effect-auth/specs/Parsers`; this file builds the app and the backends on this line.
 */
import type { Backend } from "@effect-auth/specs/Parsers"
import { accepted, fuzzers, routes, secret } from "@effect-auth/specs/Parsers"
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import type { Layer, Redacted } from "effect"
import type { AuthenticationBackend } from "effect-auth"
import { AuthCredentials, AuthenticationMiddleware, Basic, Password, requires, SimpleUser } from "effect-auth"
import * as ApiKey from "effect-auth/ApiKey"
import * as Bearer from "effect-auth/Bearer"
import { serve } from "../utils/server.js"

const handlerOf = (route: (typeof routes)[number]) => {
  const body = HttpServerResponse.text(route.body)
  return route.requires === undefined ? body : requires(body, route.requires)
}

type Handler = ReturnType<typeof handlerOf>
type Router = HttpRouter.HttpRouter<Effect.Effect.Error<Handler>, Effect.Effect.Context<Handler>>

const app = AuthenticationMiddleware(
  routes.reduce<Router>((router, route) => HttpRouter.get(router, route.path, handlerOf(route)), HttpRouter.empty)
)

const verify = (value: Redacted.Redacted<string>) =>
  Effect.succeed(
    Password.equals(value, secret)
      ? Option.some([new AuthCredentials(accepted.scopes), new SimpleUser(accepted.username)] as const)
      : Option.none()
  )

const backendLayer = (backend: Backend): Layer.Layer<AuthenticationBackend> => {
  switch (backend.module) {
    case "Basic":
      return Basic.layer({ verify: (_, password) => verify(password) })
    case "Bearer":
      return Bearer.layer({ realm: backend.realm, verify })
    case "ApiKey":
      return ApiKey.layer({ in: backend.in, name: backend.name, verify })
  }
}

describe("parsers under random input, through a real server", () => {
  for (const fuzzer of fuzzers) {
    it.scoped(fuzzer.name, () =>
      Effect.flatMap(serve(app), (url) => Effect.promise(() => fuzzer.run(url))).pipe(
        Effect.provide(backendLayer(fuzzer.backend))
      ))
  }
})
