/**
 * How credentials were established (`AuthCredentials.method`, like OpenID Connect's `amr`), and policies that
 * require one: the fix for "a JWT mints JWTs for ever".
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Equal, Hash, Layer, Option, Redacted } from "effect"
import {
  AuthCredentials,
  AuthenticationBackend,
  AuthenticationMiddleware,
  CurrentCredentials,
  SimpleUser
} from "effect-auth"
import * as ApiKey from "effect-auth/ApiKey"
import * as Basic from "effect-auth/Basic"
import * as Bearer from "effect-auth/Bearer"
import * as Policy from "effect-auth/Policy"
import { requires } from "effect-auth/Requires"
import * as Session from "effect-auth/Session"
import { SessionStore } from "effect-auth/SessionStore"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { basic, request, serve } from "../utils/server.js"

const granted = (scopes: ReadonlyArray<string>) =>
  Effect.succeedSome([new AuthCredentials(scopes), new SimpleUser("alice")] as const)

const methodOf = Effect.map(CurrentCredentials, (credentials) => HttpServerResponse.text(credentials.method ?? "none"))

const Routes = Layer.mergeAll(
  HttpRouter.add("GET", "/method", methodOf),
  HttpRouter.add(
    "POST",
    "/token",
    HttpServerResponse.text("minted").pipe(requires(Policy.all(Policy.scope("authenticated"), Policy.method("basic"))))
  )
)

// the routes, authenticated before routing by the middleware's router layer
const app = Routes.pipe(Layer.provide(AuthenticationMiddleware.layer))

describe("AuthCredentials.method", () => {
  it("is part of equality and hashing, and withMethod shares the scopes", () => {
    const plain = new AuthCredentials(["a", "b"])
    const basicOnes = plain.withMethod("basic")
    assert.strictEqual(plain.method, undefined)
    assert.strictEqual(basicOnes.method, "basic")
    assert.strictEqual(basicOnes.scopes, plain.scopes)
    assert.isTrue(basicOnes.has("a"))
    assert.isTrue(basicOnes instanceof AuthCredentials)
    assert.isFalse(Equal.equals(plain, basicOnes))
    assert.isTrue(Equal.equals(basicOnes, new AuthCredentials(["a", "b"], { method: "basic" })))
    assert.strictEqual(Hash.hash(basicOnes), Hash.hash(new AuthCredentials(["a", "b"], { method: "basic" })))
  })

  it("a large grant made by withMethod still answers has()", () => {
    const many = Array.from({ length: 1000 }, (_, i) => `scope-${i}`)
    const credentials = new AuthCredentials(many).withMethod("jwt")
    assert.isTrue(credentials.has("scope-999"))
    assert.isFalse(credentials.has("scope-1000"))
  })

  it("Policy.method passes only for that method, and prints itself", () => {
    const policy = Policy.method("basic")
    const user = new SimpleUser("alice")
    assert.isTrue(Option.isNone(Policy.decide(policy, user, new AuthCredentials([], { method: "basic" }))))
    assert.isTrue(Option.isSome(Policy.decide(policy, user, new AuthCredentials([], { method: "jwt" }))))
    assert.isTrue(Option.isSome(Policy.decide(policy, user, new AuthCredentials([]))))
    assert.strictEqual(Policy.format(Policy.all(Policy.authenticated, policy)), `all(authenticated, method("basic"))`)
  })

  it.effect("each built-in backend says its method, unless verify named one", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [Layer.Layer<AuthenticationBackend>, Record<string, string>, string]> = [
        [Basic.layer({ verify: () => granted(["authenticated"]) }), basic("alice", "pw"), "basic"],
        [Bearer.layer({ verify: () => granted(["authenticated"]) }), { authorization: "Bearer t0k3n" }, "bearer"],
        [
          ApiKey.layer({ in: "header", name: "x-api-key", verify: () => granted(["authenticated"]) }),
          { "x-api-key": "k-1" },
          "apiKey"
        ],
        [
          Basic.layer({
            verify: () =>
              Effect.succeedSome([new AuthCredentials([], { method: "otp" }), new SimpleUser("alice")] as const)
          }),
          basic("alice", "pw"),
          "otp"
        ]
      ]
      for (const [backend, headers, expected] of cases) {
        const url = yield* serve(app).pipe(Effect.provide(backend))
        assert.strictEqual((yield* request(`${url}/method`, { headers })).body, expected)
        assert.strictEqual((yield* request(`${url}/method`)).body, "none")
      }
    }))

  it.effect("a session's credentials say session", () =>
    Effect.gen(function*() {
      const LoginRoute = HttpRouter.add(
        "POST",
        "/login",
        HttpServerResponse.empty().pipe(Session.login(new SimpleUser("alice"), ["authenticated"]))
      )
      const withLogin = Layer.mergeAll(Routes, LoginRoute).pipe(Layer.provide(AuthenticationMiddleware.layer))
      const url = yield* serve(withLogin).pipe(
        Effect.provide(
          Session.layer({ secret: Redacted.make("x".repeat(32)) }).pipe(Layer.provideMerge(SessionStore.layerMemory()))
        )
      )
      const login = yield* request(`${url}/login`, { method: "POST" })
      const cookie = login.headers.get("set-cookie")!.split(";")[0]!
      assert.strictEqual((yield* request(`${url}/method`, { headers: { cookie } })).body, "session")
      // a session is not a password login: it cannot mint a token
      assert.strictEqual((yield* request(`${url}/token`, { method: "POST", headers: { cookie } })).status, 403)
    }))

  it.effect("firstOf: the backend that answered gives the method; a policy can require a password login", () =>
    Effect.gen(function*() {
      const backend = AuthenticationBackend.layerEffect(
        Effect.map(
          Effect.all([
            Bearer.make({ verify: () => granted(["authenticated"]) }),
            Basic.make({ verify: () => granted(["authenticated"]) })
          ]),
          (backends) => AuthenticationBackend.firstOf(...backends)
        )
      )
      const url = yield* serve(app).pipe(Effect.provide(backend))
      assert.strictEqual((yield* request(`${url}/method`, { headers: basic("alice", "pw") })).body, "basic")
      assert.strictEqual((yield* request(`${url}/method`, { headers: { authorization: "Bearer t" } })).body, "bearer")
      assert.strictEqual(
        (yield* request(`${url}/token`, { method: "POST", headers: basic("alice", "pw") })).body,
        "minted"
      )
      const renewed = yield* request(`${url}/token`, { method: "POST", headers: { authorization: "Bearer t" } })
      assert.strictEqual(renewed.status, 403)
    }))
})
