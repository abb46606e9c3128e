/**
 * The README's smaller examples (src/Snippets.ts), each through a real server.
 */
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { AuthenticationMiddleware, CurrentUser } from "effect-auth"
import { request, serve } from "effect-auth/NodeTesting"
import { SessionStore } from "effect-auth/SessionStore"
import {
  ApiKeyBackend,
  appWithCatchTag,
  BearerBackend,
  documentsRouter,
  HeaderBackend,
  scopesRouter,
  SessionLive,
  sessionRouter,
  withOnError
} from "../src/Snippets.js"

const whoami = HttpRouter.empty.pipe(
  HttpRouter.get("/", Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName || "anonymous")))
)

describe("README snippets", () => {
  it.scoped("your own backend", () =>
    Effect.gen(function*() {
      const url = yield* serve(AuthenticationMiddleware(whoami)).pipe(Effect.provide(HeaderBackend))
      assert.strictEqual((yield* request(url, { headers: { "x-user": "zoë" } })).body, "zoë")
      assert.strictEqual((yield* request(url)).body, "anonymous")
    }))

  it.scoped("Bearer and API keys", () =>
    Effect.gen(function*() {
      const bearer = yield* serve(AuthenticationMiddleware(scopesRouter)).pipe(Effect.provide(BearerBackend))
      assert.strictEqual(
        (yield* request(`${bearer}/deploy`, { headers: { authorization: "Bearer s3cr3t-token" } })).body,
        "authenticated deploy"
      )
      const wrong = yield* request(`${bearer}/deploy`, { headers: { authorization: "Bearer nope" } })
      assert.strictEqual(wrong.status, 401)
      assert.strictEqual(wrong.headers.get("www-authenticate"), `Bearer realm="api", error="invalid_token"`)
      const key = yield* serve(AuthenticationMiddleware(scopesRouter)).pipe(Effect.provide(ApiKeyBackend))
      assert.strictEqual((yield* request(`${key}/deploy`, { headers: { "x-api-key": "k-123" } })).status, 200)
      assert.strictEqual((yield* request(`${key}/deploy`, { headers: { "x-api-key": "k-124" } })).status, 401)
    }))

  it.scoped("session cookies: login, a request with the cookie, logout", () =>
    Effect.gen(function*() {
      const backend = Layer.provide(SessionLive, SessionStore.layerMemory())
      const url = yield* serve(AuthenticationMiddleware(sessionRouter)).pipe(Effect.provide(backend))
      const form = { "content-type": "application/x-www-form-urlencoded" }
      const bad = yield* request(`${url}/login`, { method: "POST", headers: form, body: "username=alice&password=x" })
      assert.strictEqual(bad.status, 401)
      const login = yield* request(`${url}/login`, {
        method: "POST",
        headers: form,
        body: "username=alice&password=wonderland"
      })
      assert.strictEqual(login.status, 303)
      const cookie = login.headers.get("set-cookie")!.split(";")[0]!
      assert.strictEqual((yield* request(`${url}/me`, { headers: { cookie } })).body, "alice")
      yield* request(`${url}/logout`, { method: "POST", headers: { cookie } })
      assert.strictEqual((yield* request(`${url}/me`, { headers: { cookie } })).status, 403)
    }))

  it.scoped("policies", () =>
    Effect.gen(function*() {
      const url = yield* serve(AuthenticationMiddleware(documentsRouter)).pipe(Effect.provide(HeaderBackend))
      const put = (owner: string, user: string) =>
        Effect.map(
          request(`${url}/documents/${owner}`, { method: "PUT", headers: { "x-user": user } }),
          (r) => r.status
        )
      assert.strictEqual(yield* put("carol", "alice"), 200) // an editor
      assert.strictEqual(yield* put("bob", "bob"), 200) // the owner
      assert.strictEqual(yield* put("carol", "bob"), 403)
      assert.strictEqual(
        (yield* request(`${url}/policy`)).body,
        `any(any("admin", all(authenticated, user("editor"))), check("owns the document"))`
      )
    }))

  it.scoped("error responses: onError, catchTag, a re-rendered PermissionDenied", () =>
    Effect.gen(function*() {
      const bad = { authorization: "Bearer !!" }
      const onError = yield* serve(withOnError(scopesRouter)).pipe(Effect.provide(BearerBackend))
      const a = yield* request(`${onError}/deploy`, { headers: bad })
      assert.deepStrictEqual([a.status, a.body], [401, `{"error":"Invalid bearer token"}`])
      const caught = yield* serve(appWithCatchTag).pipe(Effect.provide(BearerBackend))
      const b = yield* request(`${caught}/deploy`, { headers: bad })
      assert.deepStrictEqual([b.status, b.body], [401, `{"error":"Invalid bearer token"}`])
      const denied = yield* request(`${caught}/deploy`)
      assert.deepStrictEqual([denied.status, denied.body], [401, `{"error":"forbidden","required":["deploy"]}`])
    }))
})
