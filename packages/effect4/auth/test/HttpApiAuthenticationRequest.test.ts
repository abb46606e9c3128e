/**
 * What one request through `HttpApiAuthentication` costs and keeps: the endpoint's guard adds no context entry of its
 * own (the middleware's install of the user is the request's one install), and a response computed for a user is
 * `Cache-Control: no-store` however it was rendered (by the handler, by effect-auth, or by HttpApi's own error
 * encoding), through a real server.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { assert, describe, it } from "@effect/vitest"
import type { Context } from "effect"
import { Effect, Layer, Schema } from "effect"
import { AuthenticationBackend, CurrentAuthentication, CurrentUser } from "effect-auth"
import * as Basic from "effect-auth/Basic"
import * as HttpApiAuthentication from "effect-auth/HttpApiAuthentication"
import * as HttpApi from "effect/http-api/HttpApi"
import * as HttpApiBuilder from "effect/http-api/HttpApiBuilder"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import * as HttpApiSecurity from "effect/http-api/HttpApiSecurity"
import { usersWithScopes } from "./utils/fixtures.js"
import { basic, request, serve } from "./utils/server.js"

const BasicLive = Basic.layer({
  verify: usersWithScopes({ alice: ["authenticated", "admin"], bob: ["authenticated"] })
})

class Authentication extends HttpApiAuthentication.Tag<Authentication>()("test/RequestAuthentication", {
  security: { basic: HttpApiSecurity.basic }
}) {}

class Teapot extends Schema.TaggedError<Teapot>()("Teapot", {}, { httpApiStatus: 418 }) {}

const Text = Schema.String.pipe(HttpApiSchema.asText())

const Api = HttpApi.make("request").add(
  HttpApiGroup.make("pages")
    .add(HttpApiEndpoint.get("context", "/context", { success: Text }).pipe(HttpApiAuthentication.requires("admin")))
    .add(HttpApiEndpoint.get("optional", "/optional", { success: Text }).pipe(HttpApiAuthentication.optional))
    .add(
      HttpApiEndpoint.get("teapot", "/teapot", { success: Text, error: Teapot }).pipe(
        HttpApiAuthentication.requires([])
      )
    )
    .add(HttpApiEndpoint.get("cached", "/cached", { success: Text }).pipe(HttpApiAuthentication.requires([])))
    .middleware(Authentication)
)

// the keys of the handler's context that effect-auth put there for the request (HttpApi merges the services the
// group was built with, the backend and the guards among them, into every handler's context)
const ours = Effect.map(
  Effect.context<never>(),
  (context: Context.Context<never>) =>
    Array.from(context.mapUnsafe.keys()).filter((key) =>
      key.startsWith("effect-auth/") && key !== AuthenticationBackend.key && !key.includes(": the guard of ")
    ).join(" ")
)

const PagesLive = HttpApiBuilder.group(Api, "pages", (handlers) =>
  handlers
    .handle("context", () => Effect.andThen(CurrentUser, ours))
    .handle("optional", () => Effect.map(CurrentUser, (user) => user.displayName || "anonymous"))
    .handle("teapot", () => Effect.andThen(CurrentUser, Effect.fail(new Teapot())))
    .handle("cached", () => Effect.as(CurrentUser, "public")))

const AppLive = HttpApiBuilder.layer(Api).pipe(
  Layer.provide(PagesLive),
  Layer.provide(HttpApiAuthentication.layer(Authentication, Api)),
  Layer.provide(BasicLive),
  Layer.provide(NodeHttpServer.layerHttpServices)
)

const withServer = <A, E, R>(f: (url: string) => Effect.Effect<A, E, R>) => Effect.flatMap(serve(AppLive), f)

// the middleware added to the endpoint after `requires`: HttpApi then runs it outside the endpoint's guard; and an
// endpoint whose guard comes after the middleware (`requires` applied last): the guard runs outside it
const LateApi = HttpApi.make("late").add(
  HttpApiGroup.make("pages")
    .add(
      HttpApiEndpoint.get("admin", "/admin", { success: Text }).pipe(HttpApiAuthentication.requires("admin"))
        .middleware(Authentication)
    )
    .add(
      HttpApiEndpoint.get("first", "/first", { success: Text }).middleware(Authentication)
        .pipe(HttpApiAuthentication.requires("admin"))
    )
)
const LateLive = HttpApiBuilder.layer(LateApi).pipe(
  Layer.provide(
    HttpApiBuilder.group(
      LateApi,
      "pages",
      (handlers) =>
        handlers
          .handle("admin", () => Effect.map(CurrentUser, (user) => user.displayName))
          .handle("first", () => Effect.map(CurrentUser, (user) => user.displayName))
    )
  ),
  Layer.provide(HttpApiAuthentication.layer(Authentication, LateApi)),
  Layer.provide(BasicLive),
  Layer.provide(NodeHttpServer.layerHttpServices)
)

describe("HttpApiAuthentication, one request", () => {
  it.effect("the endpoint's guard adds no context entry: the handler's context holds the user's, and nothing else of ours", () =>
    withServer((url) =>
      Effect.gen(function*() {
        const reply = yield* request(`${url}/context`, { headers: basic("alice", "x") })
        assert.deepStrictEqual([reply.status, reply.body], [200, CurrentAuthentication.key])
        // and the middleware still enforces what the endpoint requires
        assert.strictEqual((yield* request(`${url}/context`, { headers: basic("bob", "x") })).status, 403)
        assert.strictEqual((yield* request(`${url}/context`)).status, 403)
      })
    ))

  it.effect("no-store on an error HttpApi renders itself for a user, not for an anonymous request", () =>
    withServer((url) =>
      Effect.gen(function*() {
        const signedIn = yield* request(`${url}/teapot`, { headers: basic("bob", "x") })
        assert.deepStrictEqual([signedIn.status, signedIn.headers.get("cache-control")], [418, "no-store"])
        const anonymous = yield* request(`${url}/teapot`)
        assert.deepStrictEqual([anonymous.status, anonymous.headers.get("cache-control")], [418, null])
      })
    ))

  it.effect("no-store on a user's page and on refused credentials on an optional endpoint; none on anonymous pages", () =>
    withServer((url) =>
      Effect.gen(function*() {
        const user = yield* request(`${url}/optional`, { headers: basic("bob", "x") })
        assert.deepStrictEqual([user.body, user.headers.get("cache-control")], ["bob", "no-store"])
        const refused = yield* request(`${url}/optional`, { headers: { authorization: "Basic foobar" } })
        assert.deepStrictEqual([refused.status, refused.body, refused.headers.get("cache-control")], [
          200,
          "anonymous",
          "no-store"
        ])
        const anonymous = yield* request(`${url}/optional`)
        assert.deepStrictEqual([anonymous.body, anonymous.headers.get("cache-control")], ["anonymous", null])
        // requests on one connection after a user's: nothing of the mark is left for them
        for (let i = 0; i < 3; i++) {
          assert.isNull((yield* request(`${url}/cached`)).headers.get("cache-control"))
          assert.strictEqual(
            (yield* request(`${url}/cached`, { headers: basic("alice", "x") })).headers.get("cache-control"),
            "no-store"
          )
        }
      })
    ))

  it.effect("the middleware and the guard in either order on an endpoint: the requirement is enforced", () =>
    Effect.flatMap(serve(LateLive), (url) =>
      Effect.gen(function*() {
        for (const path of ["/admin", "/first"]) {
          const bob = yield* request(`${url}${path}`, { headers: basic("bob", "x") })
          assert.deepStrictEqual([bob.status, bob.body], [403, "Forbidden"], path)
          assert.strictEqual((yield* request(`${url}${path}`)).status, 403, path)
          const alice = yield* request(`${url}${path}`, { headers: basic("alice", "x") })
          assert.deepStrictEqual([alice.status, alice.body, alice.headers.get("cache-control")], [
            200,
            "alice",
            "no-store"
          ], path)
        }
      })))
})
