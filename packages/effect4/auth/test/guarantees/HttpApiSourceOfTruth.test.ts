/**
 * HttpApiAuthentication: one source of truth. The schemes declared are checked against the backend, the document's
 * `security` is what the middleware enforces for every kind of policy, effectful policies work on endpoints, an
 * endpoint can take the user optionally, with several schemes nothing is tried twice (a handler's own 403 stays 403,
 * a refused credential never falls through to anonymous), and beside the global router middleware (Starlette's
 * order: authentication before routing) an unknown path with a malformed header is a 400.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Context, Effect, Exit, Layer, Option, Schema } from "effect"
import {
  AuthenticationBackend,
  AuthenticationMiddleware,
  CurrentUser,
  Forbidden,
  RejectedCredentials
} from "effect-auth"
import * as Basic from "effect-auth/Basic"
import * as Bearer from "effect-auth/Bearer"
import * as HttpApiAuthentication from "effect-auth/HttpApiAuthentication"
import * as Policy from "effect-auth/Policy"
import * as HttpApi from "effect/http-api/HttpApi"
import * as HttpApiBuilder from "effect/http-api/HttpApiBuilder"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import * as HttpApiSecurity from "effect/http-api/HttpApiSecurity"
import * as OpenApi from "effect/http-api/OpenApi"
import * as HttpRouter from "effect/http/HttpRouter"
import { usersWithScopes } from "../utils/fixtures.js"
import { basic, request, serve } from "../utils/server.js"

const Text = Schema.String.pipe(HttpApiSchema.asText())
const verify = usersWithScopes({ alice: ["admin"], bob: [], erin: ["editor"], ed: ["editor"], mallory: ["banned"] })

const start = <A, E, R>(app: Layer.Layer<A, E, R>) => serve(app.pipe(Layer.provide(NodeHttpServer.layerHttpServices)))

describe("the schemes the Tag declares are checked against the backend when the layer is built", () => {
  const Empty = HttpApi.make("empty")
  const build = <I>(
    authentication: Layer.Layer<I, never, AuthenticationBackend>,
    backend: Layer.Layer<AuthenticationBackend>
  ) =>
    Layer.build(authentication).pipe(
      Effect.provide(backend),
      Effect.scoped,
      Effect.exit
    )
  const BearerLive = Bearer.layer({ verify: () => Effect.succeedNone })

  class ApiKeyDeclared extends HttpApiAuthentication.Tag<ApiKeyDeclared>()("test/ApiKeyDeclared", {
    security: { apiKey: HttpApiSecurity.apiKey({ in: "header", key: "x-api-key" }) }
  }) {}
  class BasicDeclared extends HttpApiAuthentication.Tag<BasicDeclared>()("test/BasicDeclared", {
    security: { basic: HttpApiSecurity.basic }
  }) {}
  class BothDeclared extends HttpApiAuthentication.Tag<BothDeclared>()("test/BothDeclared", {
    security: { basic: HttpApiSecurity.basic, bearer: HttpApiSecurity.bearer }
  }) {}

  it.effect("an API key declared over a Bearer backend stops the start-up, naming both", () =>
    Effect.gen(function*() {
      const exit = yield* build(HttpApiAuthentication.layer(ApiKeyDeclared, Empty), BearerLive)
      assert.isTrue(Exit.isFailure(exit))
      const message = Exit.isFailure(exit) ? String(Cause.squash(exit.cause)) : ""
      assert.include(message, `the middleware "test/ApiKeyDeclared" declares apiKey (API key in header "x-api-key")`)
      assert.include(message, `the AuthenticationBackend challenges with "Bearer"`)
    }))

  it.effect("Basic declared over a Bearer backend, and bearer over a Basic one, stop the start-up", () =>
    Effect.gen(function*() {
      assert.isTrue(Exit.isFailure(yield* build(HttpApiAuthentication.layer(BasicDeclared, Empty), BearerLive)))
      class BearerDeclared extends HttpApiAuthentication.Tag<BearerDeclared>()("test/BearerDeclared", {
        security: { bearer: HttpApiSecurity.bearer }
      }) {}
      assert.isTrue(
        Exit.isFailure(
          yield* build(HttpApiAuthentication.layer(BearerDeclared, Empty), Basic.layer({ verify, realm: "staff" }))
        )
      )
    }))

  it.effect("the schemes the backend reads start", () =>
    Effect.gen(function*() {
      assert.isTrue(
        Exit.isSuccess(
          yield* build(HttpApiAuthentication.layer(BasicDeclared, Empty), Basic.layer({ verify, realm: "staff" }))
        )
      )
      const both = AuthenticationBackend.layerEffect(
        Effect.map(
          Effect.all([Basic.make({ verify, realm: "staff" }), Bearer.make({ verify: () => Effect.succeedNone })]),
          (backends) => AuthenticationBackend.firstOf(...backends)
        )
      )
      assert.isTrue(Exit.isSuccess(yield* build(HttpApiAuthentication.layer(BothDeclared, Empty), both)))
    }))
})

// --- the document is what is enforced -----------------------------------------------------------------------------

class Authentication extends HttpApiAuthentication.Tag<Authentication>()("test/Authentication", {
  security: { basic: HttpApiSecurity.basic }
}) {}

/** Who owns which notes: a service an effectful policy reads. */
class Owners extends Context.Service<Owners, { readonly owns: (user: string, owner: string) => boolean }>()(
  "test/Owners"
) {}

const ownsNotes = Policy.check(
  "owns the notes",
  Effect.gen(function*() {
    const owners = yield* Owners
    const params = yield* HttpRouter.params
    const user = yield* CurrentUser
    return owners.owns(user.identity, params["owner"] ?? "")
  })
)

const Api = HttpApi.make("policies").add(
  HttpApiGroup.make("pages")
    .add(
      HttpApiEndpoint.get("notBanned", "/not-banned", { success: Text }).pipe(
        HttpApiAuthentication.requires(Policy.not(Policy.scope("banned")))
      )
    )
    .add(
      HttpApiEndpoint.get("editors", "/editors", { success: Text }).pipe(
        HttpApiAuthentication.requires(
          Policy.any(
            Policy.scope("admin"),
            Policy.all(Policy.scope("editor"), Policy.user("named e…", (user) => user.identity.startsWith("e")))
          )
        )
      )
    )
    .add(
      HttpApiEndpoint.get("members", "/members", { success: Text }).pipe(
        HttpApiAuthentication.requires(Policy.user("member", (user) => user.isAuthenticated))
      )
    )
    .add(
      HttpApiEndpoint.get("notes", "/notes/:owner", { params: { owner: Schema.String }, success: Text })
        .pipe(HttpApiAuthentication.requires(ownsNotes))
    )
    .add(HttpApiEndpoint.get("maybe", "/maybe", { success: Text }).pipe(HttpApiAuthentication.optional))
    .add(HttpApiEndpoint.get("strict", "/strict", { success: Text }).pipe(HttpApiAuthentication.requires([])))
    .middleware(Authentication)
)

const greet = Effect.map(CurrentUser, (user) => `hello, ${user.displayName || "you"}`)

const PagesLive = HttpApiBuilder.group(Api, "pages", (handlers) =>
  handlers
    .handle("notBanned", () => greet)
    .handle("editors", () => greet)
    .handle("members", () => greet)
    .handle("notes", ({ params }) => Effect.succeed(`notes of ${params.owner}`))
    .handle("maybe", () => greet)
    .handle("strict", () => greet))

// the check's service is a requirement of the authentication layer: the layer below does not compile without it
const AuthenticationLive: Layer.Layer<
  Authentication | HttpApiAuthentication.Guard<never> | HttpApiAuthentication.Guard<Owners>,
  never,
  AuthenticationBackend | Owners
> = HttpApiAuthentication.layer(Authentication, Api)

const OwnersLive = Layer.succeed(Owners, { owns: (user, owner) => user === owner })

const AppLive = HttpApiBuilder.layer(Api).pipe(
  Layer.provide(PagesLive),
  Layer.provide(AuthenticationLive),
  Layer.provide([Basic.layer({ verify }), OwnersLive])
)

describe("the document's security is what the middleware enforces", () => {
  const spec = OpenApi.fromApi(Api)
  const operation = (path: string) => spec.paths[path]!.get!

  it.effect("not(...): anonymous requests pass, and the document lists {}", () =>
    Effect.gen(function*() {
      const url = yield* start(AppLive)
      assert.deepStrictEqual(operation("/not-banned").security, [{}, { basic: [] }])
      const anonymous = yield* request(`${url}/not-banned`)
      assert.deepStrictEqual([anonymous.status, anonymous.body], [200, "hello, you"])
      assert.strictEqual((yield* request(`${url}/not-banned`, { headers: basic("mallory", "x") })).status, 403)
    }))

  it.effect("any(admin, all(editor, user(…))): both alternatives listed, the user clause in the description", () =>
    Effect.gen(function*() {
      const url = yield* start(AppLive)
      assert.deepStrictEqual(operation("/editors").security, [{ basic: ["admin"] }, { basic: ["editor"] }])
      assert.include(operation("/editors").description, `any("admin", all("editor", user("named e…")))`)
      assert.strictEqual((yield* request(`${url}/editors`, { headers: basic("alice", "x") })).status, 200)
      assert.strictEqual((yield* request(`${url}/editors`, { headers: basic("erin", "x") })).status, 200)
      assert.strictEqual((yield* request(`${url}/editors`, { headers: basic("bob", "x") })).status, 403)
      assert.strictEqual((yield* request(`${url}/editors`)).status, 403)
    }))

  it.effect("user(…) that the anonymous user fails: no {}; a check that cannot be decided here: {} listed", () =>
    Effect.gen(function*() {
      const url = yield* start(AppLive)
      assert.deepStrictEqual(operation("/members").security, [{ basic: [] }])
      assert.strictEqual((yield* request(`${url}/members`)).status, 403)
      assert.strictEqual((yield* request(`${url}/members`, { headers: basic("bob", "x") })).status, 200)
      assert.deepStrictEqual(operation("/notes/{owner}").security, [{}, { basic: [] }])
    }))

  it.effect("an effectful policy on an endpoint runs with the services the layer was given", () =>
    Effect.gen(function*() {
      const url = yield* start(AppLive)
      const own = yield* request(`${url}/notes/bob`, { headers: basic("bob", "x") })
      assert.deepStrictEqual([own.status, own.body], [200, "notes of bob"])
      const other = yield* request(`${url}/notes/erin`, { headers: basic("bob", "x") })
      assert.deepStrictEqual([other.status, other.body], [403, "Forbidden"])
    }))

  it.effect("optional: refused credentials are anonymous there, and still refused elsewhere", () =>
    Effect.gen(function*() {
      const url = yield* start(AppLive)
      const malformed = { authorization: "Basic foobar" }
      const maybe = yield* request(`${url}/maybe`, { headers: malformed })
      assert.deepStrictEqual([maybe.status, maybe.body], [200, "hello, you"])
      assert.strictEqual((yield* request(`${url}/maybe`, { headers: basic("bob", "x") })).body, "hello, bob")
      assert.strictEqual((yield* request(`${url}/strict`, { headers: malformed })).status, 400)
      assert.deepStrictEqual(operation("/maybe").security, [{}, { basic: [] }])
    }))

  it("one requirement per endpoint: a second one is refused where the API is defined", () => {
    assert.throws(
      () =>
        HttpApiEndpoint.get("twice", "/twice").pipe(
          HttpApiAuthentication.requires("admin"),
          HttpApiAuthentication.requires("editor")
        ),
      /already has a requirement/
    )
  })
})

// --- several schemes: the backend runs once, and nothing falls through to the next scheme ---------------------------

class Teapot extends Schema.TaggedError<Teapot>()("Teapot", {}, { httpApiStatus: 418 }) {}

class Both extends HttpApiAuthentication.Tag<Both>()("test/Both", {
  security: { basic: HttpApiSecurity.basic, bearer: HttpApiSecurity.bearer }
}) {}

const TwoSchemes = HttpApi.make("two").add(
  HttpApiGroup.make("pages")
    .add(
      HttpApiEndpoint.get("teapot", "/teapot", { success: Text, error: Teapot }).pipe(
        HttpApiAuthentication.requires([])
      )
    )
    // a handler that refuses by itself, with the denial the endpoint lists
    .add(
      HttpApiEndpoint.get("own", "/own", { success: Text, error: HttpApiAuthentication.ForbiddenSchema }).pipe(
        HttpApiAuthentication.requires([])
      )
    )
    .add(HttpApiEndpoint.get("admin", "/admin", { success: Text }).pipe(HttpApiAuthentication.requires("admin")))
    .add(HttpApiEndpoint.get("maybe", "/maybe", { success: Text }).pipe(HttpApiAuthentication.optional))
    .middleware(Both)
)

describe("several schemes", () => {
  const counting = () => {
    const counter = { runs: 0 }
    // Basic knows the users; Bearer refuses every token
    const backend = AuthenticationBackend.layerEffect(
      Effect.map(
        Effect.all([
          Basic.make({
            // a wrong password (mallory's, here) is refused, as a `verify` refuses it
            verify: (name) =>
              Effect.andThen(
                Effect.sync(() => counter.runs++),
                name === "mallory"
                  ? Effect.fail(new RejectedCredentials({ message: "Invalid credentials" }))
                  : verify(name)
              ),
            realm: "two"
          }),
          Bearer.make({ verify: () => Effect.sync(() => counter.runs++).pipe(Effect.as(Option.none())) })
        ]),
        (backends) => AuthenticationBackend.firstOf(...backends)
      )
    )
    const Pages = HttpApiBuilder.group(TwoSchemes, "pages", (handlers) =>
      handlers
        .handle("teapot", () => Effect.andThen(CurrentUser, Effect.fail(new Teapot())))
        .handle("own", () => Effect.andThen(CurrentUser, Effect.fail(new Forbidden({ scopes: [], clause: "own" }))))
        .handle("admin", () => greet)
        .handle("maybe", () => greet))
    const app = HttpApiBuilder.layer(TwoSchemes).pipe(
      Layer.provide(Pages),
      Layer.provide(HttpApiAuthentication.layer(Both, TwoSchemes)),
      Layer.provide(backend)
    )
    return { counter, app }
  }

  it.effect("a handler's error, a denial and a refusal are each answered once, by the backend run once", () =>
    Effect.gen(function*() {
      const { app, counter } = counting()
      const url = yield* start(app)
      const teapot = yield* request(`${url}/teapot`, { headers: basic("bob", "x") })
      assert.strictEqual(teapot.status, 418)
      assert.strictEqual(counter.runs, 1)
      const denied = yield* request(`${url}/admin`, { headers: basic("bob", "x") })
      assert.deepStrictEqual([denied.status, denied.body], [403, "Forbidden"])
      assert.strictEqual(counter.runs, 2)
      const refused = yield* request(`${url}/admin`, { headers: { authorization: "Bearer nope" } })
      assert.deepStrictEqual([refused.status, refused.body], [401, "Invalid token"])
      assert.strictEqual(counter.runs, 3)
    }))

  it.effect("a handler's own 403 stays 403 (not a 401 of the next scheme), for a user and anonymously", () =>
    Effect.gen(function*() {
      const { app, counter } = counting()
      const url = yield* start(app)
      const signedIn = yield* request(`${url}/own`, { headers: basic("bob", "x") })
      assert.deepStrictEqual([signedIn.status, signedIn.body], [403, "Forbidden"])
      assert.isNull(signedIn.headers.get("www-authenticate"))
      assert.strictEqual(counter.runs, 1)
      const anonymous = yield* request(`${url}/own`)
      assert.deepStrictEqual([anonymous.status, anonymous.body], [403, "Forbidden"])
      assert.strictEqual(counter.runs, 1)
    }))

  it.effect("a refused credential never falls through to anonymous: 401 on a public endpoint, anonymous only where optional", () =>
    Effect.gen(function*() {
      const { app, counter } = counting()
      const url = yield* start(app)
      // bob's password is right for any password here, so a refusal comes from the Bearer scheme and a malformed header
      for (const headers of [{ authorization: "Bearer nope" }, { authorization: "Basic foobar" }]) {
        const refused = yield* request(`${url}/teapot`, { headers })
        assert.include([400, 401], refused.status, headers.authorization)
        assert.notStrictEqual(refused.status, 418, headers.authorization)
      }
      assert.strictEqual(counter.runs, 1)
      // a wrong password: refused once (one run of the backend), not retried as Bearer, nor anonymous
      const wrong = yield* request(`${url}/teapot`, { headers: basic("mallory", "wrong") })
      assert.deepStrictEqual([wrong.status, wrong.body, wrong.headers.get("cache-control")], [
        401,
        "Invalid credentials",
        "no-store"
      ])
      assert.strictEqual(counter.runs, 2)
      const maybe = yield* request(`${url}/maybe`, { headers: { authorization: "Bearer nope" } })
      assert.deepStrictEqual([maybe.status, maybe.body, maybe.headers.get("cache-control")], [
        200,
        "hello, you",
        "no-store"
      ])
      assert.strictEqual(counter.runs, 3)
    }))
})

// --- Starlette's order: the global router middleware beside the HttpApi layer -------------------------------------

describe("beside the global router middleware", () => {
  it.effect("a malformed header on an unknown path is 400 (authentication before routing), and the backend runs once", () =>
    Effect.gen(function*() {
      let runs = 0
      const counted = Basic.layer({
        verify: (name) => Effect.andThen(Effect.sync(() => runs++), verify(name)),
        realm: "staff"
      })
      // one backend for both: the global middleware's (before routing) and the HttpApi middleware's
      const app = HttpApiBuilder.layer(Api).pipe(
        Layer.provide(PagesLive),
        Layer.provide(AuthenticationLive),
        Layer.provide([counted, OwnersLive]),
        Layer.provide(AuthenticationMiddleware.layer)
      )
      const url = yield* start(app).pipe(Effect.provide(counted))
      const unknown = yield* request(`${url}/no-such-path`, { headers: { authorization: "Basic foobar" } })
      assert.deepStrictEqual([unknown.status, unknown.body], [400, "Invalid basic auth credentials"])
      // the HttpApi middleware takes the user the global one installed: the backend does not run twice
      const members = yield* request(`${url}/members`, { headers: basic("bob", "x") })
      assert.deepStrictEqual([members.status, members.body, members.headers.get("cache-control")], [
        200,
        "hello, bob",
        "no-store"
      ])
      assert.strictEqual(runs, 1)
      const denied = yield* request(`${url}/members`)
      assert.deepStrictEqual([denied.status, denied.headers.get("www-authenticate")], [
        401,
        `Basic realm="staff", charset="UTF-8"`
      ])
    }))

  it.effect("without it, HttpApi's middleware runs after routing: the same request is a 404", () =>
    Effect.gen(function*() {
      const url = yield* start(AppLive)
      const unknown = yield* request(`${url}/no-such-path`, { headers: { authorization: "Basic foobar" } })
      assert.strictEqual(unknown.status, 404)
    }))
})
