/**
 * HttpApiAuthentication: one source of truth. The schemes declared are checked against the backend, the document's
 * `security` is what the middleware enforces for every kind of policy, effectful policies work on endpoints, an
 * endpoint can take the user optionally, and with several schemes nothing is tried twice.
 */
import {
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiSchema,
  HttpApiSecurity,
  HttpRouter,
  OpenApi
} from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { assert, describe, it } from "@effect/vitest"
import { Cause, Context, Effect, Exit, Layer, Option, Schema } from "effect"
import { AuthenticationBackend, Basic, Bearer, CurrentUser, Policy } from "effect-auth"
import * as HttpApiAuthentication from "effect-auth/HttpApiAuthentication"
import { usersWithScopes } from "../utils/fixtures.js"
import { basic, request, serve } from "../utils/server.js"

const Text = HttpApiSchema.Text()
const verify = usersWithScopes({ alice: ["admin"], bob: [], erin: ["editor"], ed: ["editor"], mallory: ["banned"] })

const start = (app: Layer.Layer<HttpApi.Api, never, never>) =>
  Effect.flatMap(HttpApiBuilder.httpApp, serve).pipe(
    Effect.provide(
      app.pipe(
        Layer.provideMerge(HttpApiBuilder.Router.Live),
        Layer.merge(HttpApiBuilder.Middleware.layer),
        Layer.provideMerge(NodeHttpServer.layerContext)
      )
    )
  )

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
class Owners
  extends Context.Tag("test/Owners")<Owners, { readonly owns: (user: string, owner: string) => boolean }>()
{}

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
      HttpApiEndpoint.get("notBanned", "/not-banned").addSuccess(Text).pipe(
        HttpApiAuthentication.requires(Policy.not(Policy.scope("banned")))
      )
    )
    .add(
      HttpApiEndpoint.get("editors", "/editors").addSuccess(Text).pipe(
        HttpApiAuthentication.requires(
          Policy.any(
            Policy.scope("admin"),
            Policy.all(Policy.scope("editor"), Policy.user("named e…", (user) => user.identity.startsWith("e")))
          )
        )
      )
    )
    .add(
      HttpApiEndpoint.get("members", "/members").addSuccess(Text).pipe(
        HttpApiAuthentication.requires(Policy.user("member", (user) => user.isAuthenticated))
      )
    )
    .add(
      HttpApiEndpoint.get("notes", "/notes/:owner").setPath(Schema.Struct({ owner: Schema.String })).addSuccess(Text)
        .pipe(HttpApiAuthentication.requires(ownsNotes))
    )
    .add(HttpApiEndpoint.get("maybe", "/maybe").addSuccess(Text).pipe(HttpApiAuthentication.optional))
    .add(HttpApiEndpoint.get("strict", "/strict").addSuccess(Text).pipe(HttpApiAuthentication.requires([])))
    .middleware(Authentication)
)

const greet = Effect.map(CurrentUser, (user) => `hello, ${user.displayName || "you"}`)

const PagesLive = HttpApiBuilder.group(Api, "pages", (handlers) =>
  handlers
    .handle("notBanned", () => greet)
    .handle("editors", () => greet)
    .handle("members", () => greet)
    .handle("notes", ({ path }) => Effect.succeed(`notes of ${path.owner}`))
    .handle("maybe", () => greet)
    .handle("strict", () => greet))

// the check's service is a requirement of the authentication layer: the layer below does not compile without it
const AuthenticationLive: Layer.Layer<
  Authentication | HttpApiAuthentication.Guard<never> | HttpApiAuthentication.Guard<Owners>,
  never,
  AuthenticationBackend | Owners
> = HttpApiAuthentication.layer(Authentication, Api)

const OwnersLive = Layer.succeed(Owners, { owns: (user, owner) => user === owner })

const AppLive = HttpApiBuilder.api(Api).pipe(
  Layer.provide(PagesLive),
  Layer.provide(AuthenticationLive),
  Layer.provide([Basic.layer({ verify }), OwnersLive])
)

describe("the document's security is what the middleware enforces", () => {
  const spec = OpenApi.fromApi(Api)
  const operation = (path: string) => spec.paths[path]!.get!

  it.scoped("not(...): anonymous requests pass, and the document lists {}", () =>
    Effect.gen(function*() {
      const url = yield* start(AppLive)
      assert.deepStrictEqual(operation("/not-banned").security, [{}, { basic: [] }])
      const anonymous = yield* request(`${url}/not-banned`)
      assert.deepStrictEqual([anonymous.status, anonymous.body], [200, "hello, you"])
      assert.strictEqual((yield* request(`${url}/not-banned`, { headers: basic("mallory", "x") })).status, 403)
    }))

  it.scoped("any(admin, all(editor, user(…))): both alternatives listed, the user clause in the description", () =>
    Effect.gen(function*() {
      const url = yield* start(AppLive)
      assert.deepStrictEqual(operation("/editors").security, [{ basic: ["admin"] }, { basic: ["editor"] }])
      assert.include(operation("/editors").description, `any("admin", all("editor", user("named e…")))`)
      assert.strictEqual((yield* request(`${url}/editors`, { headers: basic("alice", "x") })).status, 200)
      assert.strictEqual((yield* request(`${url}/editors`, { headers: basic("erin", "x") })).status, 200)
      assert.strictEqual((yield* request(`${url}/editors`, { headers: basic("bob", "x") })).status, 403)
      assert.strictEqual((yield* request(`${url}/editors`)).status, 403)
    }))

  it.scoped("user(…) that the anonymous user fails: no {}; a check that cannot be decided here: {} listed", () =>
    Effect.gen(function*() {
      const url = yield* start(AppLive)
      assert.deepStrictEqual(operation("/members").security, [{ basic: [] }])
      assert.strictEqual((yield* request(`${url}/members`)).status, 403)
      assert.strictEqual((yield* request(`${url}/members`, { headers: basic("bob", "x") })).status, 200)
      assert.deepStrictEqual(operation("/notes/{owner}").security, [{}, { basic: [] }])
    }))

  it.scoped("an effectful policy on an endpoint runs with the services the layer was given", () =>
    Effect.gen(function*() {
      const url = yield* start(AppLive)
      const own = yield* request(`${url}/notes/bob`, { headers: basic("bob", "x") })
      assert.deepStrictEqual([own.status, own.body], [200, "notes of bob"])
      const other = yield* request(`${url}/notes/erin`, { headers: basic("bob", "x") })
      assert.deepStrictEqual([other.status, other.body], [403, "Forbidden"])
    }))

  it.scoped("optional: refused credentials are anonymous there, and still refused elsewhere", () =>
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

class Teapot extends Schema.TaggedError<Teapot>()("Teapot", {}, HttpApiSchema.annotations({ status: 418 })) {}

class Both extends HttpApiAuthentication.Tag<Both>()("test/Both", {
  security: { basic: HttpApiSecurity.basic, bearer: HttpApiSecurity.bearer }
}) {}

const TwoSchemes = HttpApi.make("two").add(
  HttpApiGroup.make("pages")
    .add(
      HttpApiEndpoint.get("teapot", "/teapot").addSuccess(Text).addError(Teapot).pipe(
        HttpApiAuthentication.requires([])
      )
    )
    .add(HttpApiEndpoint.get("admin", "/admin").addSuccess(Text).pipe(HttpApiAuthentication.requires("admin")))
    .middleware(Both)
)

describe("several schemes", () => {
  it.scoped("a handler's error, a denial and a refusal are each answered once, by the backend run once", () =>
    Effect.gen(function*() {
      let runs = 0
      // Basic knows the users; Bearer refuses every token
      const counted = AuthenticationBackend.layerEffect(
        Effect.map(
          Effect.all([
            Basic.make({ verify: (name) => Effect.zipRight(Effect.sync(() => runs++), verify(name)), realm: "two" }),
            Bearer.make({ verify: () => Effect.sync(() => runs++).pipe(Effect.as(Option.none())) })
          ]),
          (backends) => AuthenticationBackend.firstOf(...backends)
        )
      )
      const Pages = HttpApiBuilder.group(TwoSchemes, "pages", (handlers) =>
        handlers
          .handle("teapot", () => Effect.zipRight(CurrentUser, Effect.fail(new Teapot())))
          .handle("admin", () => greet))
      const url = yield* start(
        HttpApiBuilder.api(TwoSchemes).pipe(
          Layer.provide(Pages),
          Layer.provide(HttpApiAuthentication.layer(Both, TwoSchemes)),
          Layer.provide(counted)
        )
      )
      const teapot = yield* request(`${url}/teapot`, { headers: basic("bob", "x") })
      assert.strictEqual(teapot.status, 418)
      assert.strictEqual(runs, 1)
      const denied = yield* request(`${url}/admin`, { headers: basic("bob", "x") })
      assert.deepStrictEqual([denied.status, denied.body], [403, "Forbidden"])
      assert.strictEqual(runs, 2)
      const refused = yield* request(`${url}/admin`, { headers: { authorization: "Bearer nope" } })
      assert.deepStrictEqual([refused.status, refused.body], [401, "Invalid token"])
      assert.strictEqual(runs, 3)
    }))
})
