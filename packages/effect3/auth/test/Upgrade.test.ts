/**
 * The upgrade guide's "before": the seed app as a reader writes it on the Effect 3 line (README, "In your own app"),
 * in TypeScript, passes the spec both lines share (`@effect-auth/specs/Seed`) over real HTTP, and its test kit draws
 * the spec's access table. The same app on the Effect 4 line is packages/effect4/auth/test/Upgrade.test.ts. The app is
 * the region below, as the docs show it.
 */
// Step 1: the seed app on Effect 3
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect, Layer, Option } from "effect"
import {
  AuthCredentials,
  AuthenticationMiddleware,
  Basic,
  CurrentUser,
  Password,
  requires,
  SimpleUser
} from "effect-auth"
import { createServer } from "node:http"

const users: Record<string, { readonly password: string; readonly scopes: ReadonlyArray<string> }> = {
  alice: { password: "wonderland", scopes: ["authenticated", "admin"] },
  bob: { password: "builder", scopes: ["authenticated"] }
}

const BackendLive = Basic.layer({
  realm: "seed",
  verify: (username, password) => {
    const user = Object.hasOwn(users, username) ? users[username] : undefined
    return Effect.succeed(
      user !== undefined && Password.equals(password, user.password)
        ? Option.some([new AuthCredentials(user.scopes), new SimpleUser(username)] as const)
        : Option.none()
    )
  }
})

const router = HttpRouter.empty.pipe(
  HttpRouter.get(
    "/",
    Effect.map(
      CurrentUser,
      (user) => HttpServerResponse.text(user.isAuthenticated ? `hello, ${user.displayName}` : "hello, you")
    )
  ),
  HttpRouter.get("/dashboard", HttpServerResponse.text("dashboard").pipe(requires("authenticated"))),
  HttpRouter.get("/admin", HttpServerResponse.text("admin").pipe(requires("admin", { status: 404 }))),
  HttpRouter.get(
    "/settings",
    HttpServerResponse.text("settings").pipe(requires("authenticated", { redirect: "/login" }))
  ),
  HttpRouter.get("/login", HttpServerResponse.text("the login form"))
)

const app = AuthenticationMiddleware(router)

const ServerLive = NodeHttpServer.layer(createServer, { host: "127.0.0.1", port: 0 })

// launch it with `Layer.launch(HttpLive).pipe(NodeRuntime.runMain)` (from "@effect/platform-node/NodeRuntime")
const HttpLive = app.pipe(
  HttpServer.serve(),
  HttpServer.withLogAddress,
  Layer.provide(BackendLive),
  Layer.provide(ServerLive)
)
// End of step 1

import * as Seed from "@effect-auth/specs/Seed"
import { assert, describe, it } from "@effect/vitest"
import * as NodeTesting from "effect-auth/NodeTesting"
import * as Testing from "effect-auth/Testing"
import * as Context from "effect/Context"

describe("the seed app on Effect 3", () => {
  for (const suite of Seed.suites) {
    describe(suite.name, () => {
      for (const testCase of suite.cases) {
        it.scoped(
          testCase.name,
          () =>
            Effect.flatMap(NodeTesting.serve(app), (url) => Effect.promise(() => Seed.run(testCase)(url))).pipe(
              Effect.provide(BackendLive)
            )
        )
      }
    })
  }

  it.scoped("served as main launches it: HttpServer.serve on NodeHttpServer, every case", () =>
    Effect.gen(function*() {
      // the server HttpLive runs on (one server: a Layer is built once per build)
      const context = yield* Layer.build(Layer.merge(HttpLive, ServerLive))
      const address = HttpServer.formatAddress(Context.get(context, HttpServer.HttpServer).address)
      for (const testCase of Seed.cases) yield* Effect.promise(() => Seed.run(testCase)(address))
    }))

  it.effect("the test kit draws the spec's access table", () =>
    Effect.gen(function*() {
      const table = yield* Testing.accessTable(app, {
        routes: Testing.routesOf(router),
        principals: {
          anonymous: Testing.anonymous,
          bob: Testing.principal("bob", Seed.users.bob.scopes),
          alice: Testing.principal("alice", Seed.users.alice.scopes)
        }
      }).pipe(Effect.provide(BackendLive))
      assert.deepStrictEqual(table, Seed.accessTable)
    }))
})
