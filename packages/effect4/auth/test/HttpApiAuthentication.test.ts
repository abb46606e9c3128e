import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, References, Schema } from "effect"
import {
  AuthenticationBackend,
  CurrentCredentials,
  CurrentUser,
  Forbidden,
  isLoginRedirect,
  isNotFound,
  NotFound,
  Unauthorized
} from "effect-auth"
import type { LoginRedirect, PermissionDenied } from "effect-auth"
import * as Basic from "effect-auth/Basic"
import * as HttpApiAuthentication from "effect-auth/HttpApiAuthentication"
import * as Policy from "effect-auth/Policy"
import { requires } from "effect-auth/Requires"
import * as HttpApi from "effect/http-api/HttpApi"
import * as HttpApiBuilder from "effect/http-api/HttpApiBuilder"
import * as HttpApiClient from "effect/http-api/HttpApiClient"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import * as HttpApiSecurity from "effect/http-api/HttpApiSecurity"
import * as OpenApi from "effect/http-api/OpenApi"
import * as FetchHttpClient from "effect/http/FetchHttpClient"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import { usersWithScopes } from "./utils/fixtures.js"
import { basic, request, serve } from "./utils/server.js"

// users: alice is an admin, bob is not, carol audits
const scopesOf: Record<string, ReadonlyArray<string>> = {
  alice: ["authenticated", "admin"],
  bob: ["authenticated"],
  carol: ["authenticated", "auditor"]
}
const verify = usersWithScopes(scopesOf)
const BasicLive = Basic.layer({ verify })
const BasicWithRealm = Basic.layer({ verify, realm: "staff" })
const AuthenticationBackendDies = AuthenticationBackend.layer(Effect.die(new Error("the user store is down")))

class Authentication extends HttpApiAuthentication.Tag<Authentication>()("test/Authentication", {
  security: { basic: HttpApiSecurity.basic }
}) {}

const Text = Schema.String.pipe(HttpApiSchema.asText())

const Api = HttpApi.make("test").add(
  HttpApiGroup.make("pages")
    .add(HttpApiEndpoint.get("home", "/", { success: Text }).pipe(HttpApiAuthentication.requires([])))
    .add(HttpApiEndpoint.get("optional", "/optional", { success: Text }).pipe(HttpApiAuthentication.requires([])))
    .add(
      HttpApiEndpoint.get("dashboard", "/dashboard", { success: Text }).pipe(
        HttpApiAuthentication.requires(["authenticated"])
      )
    )
    .add(HttpApiEndpoint.get("admin", "/admin", { success: Text }).pipe(HttpApiAuthentication.requires("admin")))
    .add(
      HttpApiEndpoint.get("hidden", "/hidden", { success: Text }).pipe(
        HttpApiAuthentication.requires("admin", { status: 404 })
      )
    )
    .add(
      HttpApiEndpoint.get("reports", "/reports", { success: Text }).pipe(
        HttpApiAuthentication.requires(Policy.any(Policy.scope("admin"), Policy.scope("auditor")))
      )
    )
    // a policy on the request's data: `requires` in the handler, with the denials in the endpoint's errors
    .add(
      HttpApiEndpoint.get("profile", "/users/:name", {
        params: { name: Schema.String },
        success: Text,
        error: [HttpApiAuthentication.ForbiddenSchema, HttpApiAuthentication.UnauthorizedSchema]
      })
        // anyone reaches the handler, which decides: the document says so
        .pipe(HttpApiAuthentication.requires([]))
    )
    // an endpoint that lists the denials itself and fails with them from its handler
    .add(
      HttpApiEndpoint.get("outcome", "/outcome/:status", {
        params: { status: Schema.Literals(["401", "403", "404"]) },
        success: Text,
        error: [
          HttpApiAuthentication.ForbiddenSchema,
          HttpApiAuthentication.UnauthorizedSchema,
          HttpApiAuthentication.NotFoundSchema
        ]
      }).pipe(HttpApiAuthentication.requires([]))
    )
    .middleware(Authentication)
)

// `requires`' error type names every denial; without a status or a redirect, only 401 and 403 can happen, which is
// what the endpoint lists
const statusDenialsOnly = <A, R>(
  self: Effect.Effect<A, PermissionDenied, R>
): Effect.Effect<A, Unauthorized | Forbidden, R> =>
  Effect.catchIf(
    self,
    (denied): denied is NotFound | LoginRedirect => isNotFound(denied) || isLoginRedirect(denied),
    (denied) => Effect.die(denied)
  )

const greet = Effect.map(CurrentUser, (user) => `hello, ${user.displayName || "you"}`)

const PagesLive = HttpApiBuilder.group(Api, "pages", (handlers) =>
  handlers
    .handle("home", () => greet)
    .handle("optional", () => greet)
    .handle("dashboard", () =>
      Effect.gen(function*() {
        const user = yield* CurrentUser
        const credentials = yield* CurrentCredentials
        return `dashboard of ${user.displayName} (${credentials.scopes.join(" ")})`
      }))
    .handle("admin", () => greet)
    .handle("hidden", () => greet)
    .handle("reports", () => greet)
    .handle("profile", ({ params }) =>
      Effect.map(CurrentUser, (user) =>
        `profile of ${params.name}, seen by ${user.displayName}`).pipe(
          requires(Policy.any(Policy.scope("admin"), Policy.user("self", (user) => user.identity === params.name))),
          statusDenialsOnly
        ))
    .handle("outcome", ({ params }) => {
      const fields = { scopes: ["admin"], clause: `"admin"` }
      return params.status === "401"
        ? Effect.fail(new Unauthorized({ ...fields, challenge: `Basic realm="listed"` }))
        : params.status === "403"
        ? Effect.fail(new Forbidden(fields))
        : Effect.fail(new NotFound(fields))
    }))

const AppLive = (backend: Layer.Layer<AuthenticationBackend>) =>
  HttpApiBuilder.layer(Api, { openapiPath: "/openapi.json" }).pipe(
    Layer.provide(PagesLive),
    Layer.provide(HttpApiAuthentication.layer(Authentication, Api)),
    Layer.provide(backend),
    Layer.provide(NodeHttpServer.layerHttpServices)
  )

const withServer = <A, E, R>(backend: Layer.Layer<AuthenticationBackend>, f: (url: string) => Effect.Effect<A, E, R>) =>
  Effect.flatMap(serve(AppLive(backend)), f)

describe("HttpApiAuthentication through a real server", () => {
  it.effect("anonymous is a value: public endpoints answer, protected ones deny with 403", () =>
    withServer(BasicLive, (url) =>
      Effect.gen(function*() {
        const home = yield* request(`${url}/`)
        assert.deepStrictEqual([home.status, home.body], [200, "hello, you"])
        assert.strictEqual((yield* request(`${url}/optional`)).body, "hello, you")
        for (const path of ["/dashboard", "/admin", "/reports"]) {
          const denied = yield* request(`${url}${path}`)
          assert.deepStrictEqual([denied.status, denied.body], [403, "Forbidden"], path)
          assert.match(denied.headers.get("content-type") ?? "", /^text\/plain/)
          assert.isNull(denied.headers.get("www-authenticate"))
        }
      })))

  it.effect("bob and alice: all of the scopes, any of a policy's branches", () =>
    withServer(BasicLive, (url) =>
      Effect.gen(function*() {
        const bob = basic("bob", "x")
        const alice = basic("alice", "x")
        const carol = basic("carol", "x")
        assert.strictEqual((yield* request(`${url}/`, { headers: bob })).body, "hello, bob")
        const dashboard = yield* request(`${url}/dashboard`, { headers: bob })
        assert.deepStrictEqual([dashboard.status, dashboard.body], [200, "dashboard of bob (authenticated)"])
        const denied = yield* request(`${url}/admin`, { headers: bob })
        assert.deepStrictEqual([denied.status, denied.body], [403, "Forbidden"])
        const admin = yield* request(`${url}/admin`, { headers: alice })
        assert.deepStrictEqual([admin.status, admin.body], [200, "hello, alice"])
        assert.strictEqual((yield* request(`${url}/reports`, { headers: alice })).status, 200)
        assert.strictEqual((yield* request(`${url}/reports`, { headers: carol })).status, 200)
        assert.strictEqual((yield* request(`${url}/reports`, { headers: bob })).status, 403)
      })))

  it.effect("the options of requires hold on endpoints: status 404 hides the route", () =>
    withServer(BasicLive, (url) =>
      Effect.gen(function*() {
        const hidden = yield* request(`${url}/hidden`, { headers: basic("bob", "x") })
        // NotFound renders as the router's own 404 for an unknown path: empty
        assert.deepStrictEqual([hidden.status, hidden.body], [404, ""])
        assert.strictEqual((yield* request(`${url}/hidden`, { headers: basic("alice", "x") })).status, 200)
      })))

  it.effect("requires inside a handler: a policy on the path", () =>
    withServer(BasicLive, (url) =>
      Effect.gen(function*() {
        const own = yield* request(`${url}/users/bob`, { headers: basic("bob", "x") })
        assert.deepStrictEqual([own.status, own.body], [200, "profile of bob, seen by bob"])
        const other = yield* request(`${url}/users/carol`, { headers: basic("bob", "x") })
        assert.deepStrictEqual([other.status, other.body], [403, "Forbidden"])
        assert.strictEqual((yield* request(`${url}/users/carol`, { headers: basic("alice", "x") })).status, 200)
      })))

  it.effect("a backend with a challenge: anonymous denials are 401 + WWW-Authenticate, in the middleware and in handlers", () =>
    withServer(BasicWithRealm, (url) =>
      Effect.gen(function*() {
        const challenge = `Basic realm="staff", charset="UTF-8"`
        for (const path of ["/dashboard", "/admin", "/users/bob"]) {
          const anonymous = yield* request(`${url}${path}`)
          assert.deepStrictEqual([anonymous.status, anonymous.body], [401, "Unauthorized"], path)
          assert.strictEqual(anonymous.headers.get("www-authenticate"), challenge, path)
        }
        const bob = yield* request(`${url}/admin`, { headers: basic("bob", "x") })
        assert.strictEqual(bob.status, 403)
        assert.isNull(bob.headers.get("www-authenticate"))
        // an explicit status always wins
        assert.strictEqual((yield* request(`${url}/hidden`)).status, 404)
        // public endpoints stay public
        assert.strictEqual((yield* request(`${url}/`)).status, 200)
      })))

  it.effect("errors a handler fails with render as everywhere: 401 with WWW-Authenticate, 403, an empty 404", () =>
    withServer(BasicLive, (url) =>
      Effect.gen(function*() {
        const unauthorized = yield* request(`${url}/outcome/401`)
        assert.deepStrictEqual([unauthorized.status, unauthorized.body], [401, "Unauthorized"])
        assert.strictEqual(unauthorized.headers.get("www-authenticate"), `Basic realm="listed"`)
        const forbidden = yield* request(`${url}/outcome/403`)
        assert.deepStrictEqual([forbidden.status, forbidden.body], [403, "Forbidden"])
        assert.isNull(forbidden.headers.get("www-authenticate"))
        const notFound = yield* request(`${url}/outcome/404`)
        const unknown = yield* request(`${url}/no-such-path`)
        assert.deepStrictEqual([notFound.status, notFound.body], [404, ""])
        assert.deepStrictEqual([unknown.status, unknown.body], [404, ""])
        assert.strictEqual(notFound.headers.get("content-type"), unknown.headers.get("content-type"))
      })))

  it.effect("a malformed Authorization header is 400 with the message, on public endpoints too", () =>
    withServer(BasicLive, (url) =>
      Effect.gen(function*() {
        for (const path of ["/", "/admin"]) {
          const malformed = yield* request(`${url}${path}`, { headers: { authorization: "Basic foobar" } })
          assert.deepStrictEqual([malformed.status, malformed.body], [400, "Invalid basic auth credentials"], path)
          assert.match(malformed.headers.get("content-type") ?? "", /^text\/plain/)
        }
      })))

  it.effect("Cache-Control: no-store on what depends on credentials (a user's pages, refusals), not on anonymous pages", () =>
    withServer(BasicLive, (url) =>
      Effect.gen(function*() {
        const bob = basic("bob", "x")
        for (const [path, headers] of [["/", bob], ["/dashboard", bob], ["/admin", bob]] as const) {
          const reply = yield* request(`${url}${path}`, { headers })
          assert.strictEqual(reply.headers.get("cache-control"), "no-store", `${path} as bob: ${reply.status}`)
        }
        const malformed = yield* request(`${url}/`, { headers: { authorization: "Basic foobar" } })
        assert.deepStrictEqual([malformed.status, malformed.headers.get("cache-control")], [400, "no-store"])
        for (const path of ["/", "/admin"]) {
          assert.isNull((yield* request(`${url}${path}`)).headers.get("cache-control"), `${path} anonymously`)
        }
      })))

  it.effect("a denial's body names neither the policy nor the failing clause", () =>
    withServer(BasicLive, (url) =>
      Effect.gen(function*() {
        const denied = yield* request(`${url}/users/carol`, { headers: basic("bob", "x") })
        assert.strictEqual(denied.body, "Forbidden")
        assert.notInclude(denied.body, "self")
        assert.notInclude(denied.body, "admin")
        const reports = yield* request(`${url}/reports`, { headers: basic("bob", "x") })
        assert.strictEqual(reports.body, "Forbidden")
      })))

  it("a denial's own schema encodes its tag, scopes and failing clause: for logs and handlers, never the response body", () => {
    const denied = new Forbidden({ scopes: ["admin"], clause: `any("admin", user("self"))` })
    const encoded = Schema.encodeSync(Forbidden)(denied)
    assert.deepStrictEqual(encoded, {
      _tag: "PermissionDenied",
      scopes: ["admin"],
      clause: `any("admin", user("self"))`
    })
    assert.strictEqual(denied.status, 403)
    assert.strictEqual(Forbidden.status, 403)
    assert.strictEqual(Unauthorized.status, 401)
    assert.strictEqual(NotFound.status, 404)
  })

  it.effect("the OpenAPI document served lists the scheme and each operation's scopes", () =>
    withServer(BasicLive, (url) =>
      Effect.gen(function*() {
        const reply = yield* request(`${url}/openapi.json`)
        assert.strictEqual(reply.status, 200)
        const spec = JSON.parse(reply.body)
        assert.deepStrictEqual(spec.components.securitySchemes, { basic: { type: "http", scheme: "basic" } })
        const security = (path: string) => spec.paths[path].get.security
        assert.deepStrictEqual(security("/admin"), [{ basic: ["admin"] }])
        assert.deepStrictEqual(security("/dashboard"), [{ basic: ["authenticated"] }])
        assert.deepStrictEqual(security("/reports"), [{ basic: ["admin"] }, { basic: ["auditor"] }])
        assert.deepStrictEqual(security("/optional"), [{}, { basic: [] }])
        // every endpoint behind the middleware says what it requires: `[]` is anyone, so authentication is optional
        assert.deepStrictEqual(security("/"), [{}, { basic: [] }])
      })))
})

describe("HttpApiAuthentication with HttpApiClient", () => {
  // the document lists each outcome as the text (or empty) response it renders as, so the client decodes it back
  it.effect("the documented error schemas decode the responses back into the errors", () =>
    withServer(BasicLive, (url) =>
      Effect.gen(function*() {
        const as = (authorization: string) =>
          HttpApiClient.make(Api, {
            baseUrl: url,
            transformClient: HttpClient.mapRequest(HttpClientRequest.setHeader("authorization", authorization))
          })
        const alice = yield* as(basic("alice", "x").authorization!)
        assert.strictEqual(yield* alice.pages.admin(), "hello, alice")
        const bob = yield* as(basic("bob", "x").authorization!)
        const denied = yield* Effect.flip(bob.pages.admin())
        assert.strictEqual(denied._tag, "PermissionDenied")
        assert.strictEqual(denied._tag === "PermissionDenied" && denied.status, 403)
        const malformed = yield* as("Basic foobar")
        const invalid = yield* Effect.flip(malformed.pages.admin())
        assert.strictEqual(invalid._tag, "AuthenticationError")
        assert.strictEqual(invalid._tag === "AuthenticationError" && invalid.message, "Invalid basic auth credentials")
      }).pipe(Effect.provide(FetchHttpClient.layer))))
})

describe("HttpApiAuthentication's backend runs", () => {
  it.effect("once per request", () =>
    Effect.gen(function*() {
      let runs = 0
      const counted = Basic.layer({
        verify: (username) => Effect.andThen(Effect.sync(() => runs++), verify(username))
      })
      yield* withServer(counted, (url) =>
        Effect.gen(function*() {
          assert.strictEqual((yield* request(`${url}/dashboard`, { headers: basic("bob", "x") })).status, 200)
          assert.strictEqual(runs, 1)
          assert.strictEqual((yield* request(`${url}/admin`, { headers: basic("bob", "x") })).status, 403)
          assert.strictEqual(runs, 2)
        }))
    }))

  it.effect("a defect in the backend is a 500 with no body, not an anonymous request", () =>
    withServer(AuthenticationBackendDies, (url) =>
      Effect.gen(function*() {
        const broken = yield* request(`${url}/`)
        assert.deepStrictEqual([broken.status, broken.body], [500, ""])
      })).pipe(Effect.provideService(References.MinimumLogLevel, "None")))
})

describe("HttpApiAuthentication's OpenAPI document", () => {
  const spec = OpenApi.fromApi(Api)

  it("documents the denials of protected operations and the credential errors of every operation", () => {
    const admin = spec.paths["/admin"]!.get!
    assert.strictEqual(admin.responses[403]!.description, "The request lacks a required scope")
    assert.isDefined(admin.responses[401])
    assert.isUndefined(admin.responses[404])
    const home = spec.paths["/"]!.get!
    // the middleware's failures: invalid (400) or rejected (401) credentials, and an unavailable backend (503)
    for (const status of [400, 401, 503] as const) assert.isDefined(home.responses[status], String(status))
    assert.strictEqual(home.responses[503]!.description, "Authentication is unavailable for a while")
    assert.isUndefined(home.responses[403])
    // status: 404 documents the 404, and no 401 or 403 of its own
    const hidden = spec.paths["/hidden"]!.get!
    assert.strictEqual(hidden.responses[404]!.description, "Not Found")
    assert.isUndefined(hidden.responses[403])
  })

  it("an endpoint that lists HttpApiAuthentication's Forbidden, Unauthorized and NotFound shows 403, 401 and 404", () => {
    const outcome = spec.paths["/outcome/{status}"]!.get!
    assert.strictEqual(outcome.responses[403]!.description, "The request lacks a required scope")
    assert.strictEqual(outcome.responses[404]!.description, "Not Found")
    // 401 is either outcome: "Unauthorized" (a denial) or the message of refused credentials
    assert.deepStrictEqual(Object.keys(outcome.responses[401]!.content!), ["text/plain"])
    assert.deepStrictEqual(outcome.responses[403]!.content, {
      "text/plain": {
        schema: { type: "string", enum: ["Forbidden"], description: "The request lacks a required scope" }
      }
    })
    for (const [status, error] of [[401, Unauthorized], [403, Forbidden], [404, NotFound]] as const) {
      assert.strictEqual(error.status, status)
    }
  })

  it("the document describes the body the server sends for a denial (text/plain), an empty 404", () => {
    assert.deepStrictEqual(Object.keys(spec.paths["/admin"]!.get!.responses[403]!.content ?? {}), ["text/plain"])
    assert.deepStrictEqual(Object.keys(spec.paths["/admin"]!.get!.responses[401]!.content ?? {}), ["text/plain"])
    assert.isUndefined(spec.paths["/hidden"]!.get!.responses[404]!.content)
  })

  it("lists every scheme of the middleware, each with the scopes", () => {
    class Multi extends HttpApiAuthentication.Tag<Multi>()("test/Multi", {
      security: { bearer: HttpApiSecurity.bearer, apiKey: HttpApiSecurity.apiKey({ in: "header", key: "x-api-key" }) }
    }) {}
    const multi = OpenApi.fromApi(
      HttpApi.make("multi").add(
        HttpApiGroup.make("g")
          .add(HttpApiEndpoint.get("admin", "/admin").pipe(HttpApiAuthentication.requires(["authenticated", "admin"])))
          .middleware(Multi)
      )
    )
    // Effect 4 writes the scheme as it is declared: `Bearer` (Effect 3 wrote `bearer`)
    assert.deepStrictEqual(multi.components.securitySchemes, {
      bearer: { type: "http", scheme: "Bearer" },
      apiKey: { type: "apiKey", name: "x-api-key", in: "header" }
    })
    assert.deepStrictEqual(multi.paths["/admin"]!.get!.security, [
      { bearer: ["authenticated", "admin"] },
      { apiKey: ["authenticated", "admin"] }
    ])
  })
})

describe("HttpApiAuthentication fails closed", () => {
  it.effect("a requirement on an endpoint whose group lacks the middleware stops the layer at start-up", () =>
    Effect.gen(function*() {
      const Unguarded = HttpApi.make("unguarded").add(
        HttpApiGroup.make("open").add(
          HttpApiEndpoint.get("admin", "/admin", { success: Text }).pipe(HttpApiAuthentication.requires("admin"))
        )
      )
      const exit = yield* Layer.build(HttpApiAuthentication.layer(Authentication, Unguarded)).pipe(
        Effect.provide(BasicLive),
        Effect.scoped,
        Effect.exit
      )
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) {
        assert.include(String(Cause.squash(exit.cause)), `endpoint "open.admin" requires "admin"`)
      }
    }))

  it.effect("a layer built from a copy of the API without the requirements stops the server at start-up", () =>
    Effect.gen(function*() {
      // the same routes, without `requires`: every served endpoint carries its own guard, which this layer lacks
      const Copy = HttpApi.make("test").add(
        HttpApiGroup.make("pages")
          .add(HttpApiEndpoint.get("home", "/", { success: Text }))
          .add(HttpApiEndpoint.get("admin", "/admin", { success: Text }))
          .middleware(Authentication)
      )
      // the type-checker refuses it too (the served group needs the guards): cast to see what happens at run time
      const fromCopy = HttpApiAuthentication.layer(Authentication, Copy) as unknown as Layer.Layer<
        Authentication | HttpApiAuthentication.Guard<never>,
        never,
        AuthenticationBackend
      >
      const served = HttpApiBuilder.layer(Api).pipe(
        Layer.provide(PagesLive),
        Layer.provide(fromCopy),
        Layer.provide(BasicLive),
        Layer.provide(NodeHttpServer.layerHttpServices)
      )
      const exit = yield* serve(served).pipe(Effect.scoped, Effect.exit)
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit)) {
        const message = String(Cause.squash(exit.cause))
        // the copy's endpoints say nothing of what they require: the layer refuses to serve them
        assert.include(message, `"pages.home", "pages.admin" are behind the authentication middleware`)
        assert.include(message, "requires([]) or optional for anyone")
      }
    }))
})
