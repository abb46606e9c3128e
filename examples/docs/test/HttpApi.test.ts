/**
 * docs/httpapi.md (src/HttpApi.ts): an HttpApi on a real server, what it enforces and what its OpenAPI
 * document says.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { request } from "effect-auth/NodeTesting"
import { ServerLive, serverUrl } from "../src/HttpApi.js"

const start = Effect.flatMap(Layer.build(ServerLive), (context) => Effect.provide(serverUrl, context))
const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe("docs: HttpApi", () => {
  it.scoped("enforces each endpoint's requirement, with the same statuses as requires", () =>
    Effect.gen(function*() {
      const url = yield* start
      assert.deepStrictEqual(JSON.parse((yield* request(`${url}/notes`)).body), ["first note"])
      const anonymous = yield* request(`${url}/notes`, { method: "POST" })
      assert.deepStrictEqual([anonymous.status, anonymous.body], [401, "Unauthorized"])
      assert.strictEqual(anonymous.headers.get("www-authenticate"), "Bearer")
      const alice = yield* request(`${url}/notes`, { method: "POST", headers: bearer("alice-token") })
      assert.deepStrictEqual([alice.status, alice.body], [200, "saved by alice"])
      const bob = yield* request(`${url}/notes`, { method: "POST", headers: bearer("bob-token") })
      assert.deepStrictEqual([bob.status, bob.body], [403, "Forbidden"])
      assert.strictEqual(
        (yield* request(`${url}/notes`, { method: "DELETE", headers: bearer("alice-token") })).status,
        404
      )
      const rejected = yield* request(`${url}/notes`, { headers: bearer("nope") })
      assert.deepStrictEqual([rejected.status, rejected.body], [401, "Invalid token"])
      assert.strictEqual(rejected.headers.get("www-authenticate"), `Bearer error="invalid_token"`)
      // a check in the handler
      assert.strictEqual(
        (yield* request(`${url}/notes/alice`, { headers: bearer("alice-token") })).body,
        "notes of alice"
      )
      assert.strictEqual((yield* request(`${url}/notes/alice`, { headers: bearer("bob-token") })).status, 403)
      assert.strictEqual((yield* request(`${url}/notes/alice`)).status, 401)
    }))

  it.scoped("documents what it enforces", () =>
    Effect.gen(function*() {
      const url = yield* start
      const spec = JSON.parse((yield* request(`${url}/openapi.json`)).body)
      assert.deepStrictEqual(spec.components.securitySchemes, { bearer: { type: "http", scheme: "bearer" } })
      assert.deepStrictEqual(spec.paths["/notes"].get.security, [{}, { bearer: [] }])
      assert.deepStrictEqual(spec.paths["/notes"].post.security, [{ bearer: ["notes:write"] }])
      assert.deepStrictEqual(spec.paths["/notes"].delete.security, [{ bearer: ["admin"] }, { bearer: ["notes:admin"] }])
      assert.includeMembers(Object.keys(spec.paths["/notes"].post.responses), ["200", "400", "401", "403", "503"])
      assert.includeMembers(Object.keys(spec.paths["/notes"].delete.responses), ["404"])
    }))
})
