import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { AuthenticationMiddleware } from "effect-auth"
import * as Basic from "effect-auth/Basic"
import { serve } from "effect-auth/NodeTesting"
import { requires } from "effect-auth/Requires"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerResponse from "effect/http/HttpServerResponse"
import { request as httpRequest } from "node:http"
import { usersWithScopes } from "../utils/fixtures.js"

// safeNext and withNext themselves: packages/core/test/Redirect.test.ts

const site = "https://site.example"

/** The `next` of a `Location`, decoded as a server reads a query. */
const nextOf = (location: string): string | null => {
  const query = location.indexOf("?")
  return new URLSearchParams(query === -1 ? "" : location.slice(query + 1).split("#")[0]).get("next")
}

/** Where a browser on a page of the site goes for `href`. */
const resolved = (href: string, page = `${site}/`): string => new URL(href, page).origin

// a raw request target, sent as is (fetch would rewrite `\` to `/` before it leaves)
const rawGet = (url: string, path: string) =>
  Effect.callback<{ readonly status: number; readonly location: string | undefined }>((resume) => {
    const { hostname, port } = new URL(url)
    const request = httpRequest({ hostname, port, path, method: "GET" }, (response) => {
      response.resume()
      resume(Effect.succeed({ status: response.statusCode ?? 0, location: response.headers.location }))
    })
    request.on("error", (error) => resume(Effect.die(error)))
    request.end()
  })

describe("requires with redirect, through a real server", () => {
  const Routes = HttpRouter.add(
    "GET",
    "*",
    HttpServerResponse.text("guarded").pipe(requires("authenticated", { redirect: "/login" }))
  )
  const app = Effect.map(HttpRouter.toHttpEffect(Routes), AuthenticationMiddleware)

  it.effect("a request target with backslashes, or an absolute one, redirects with a next on this site", () =>
    Effect.gen(function*() {
      const url = yield* Effect.flatMap(app, (app) => serve(app))
      for (
        const [path, next] of [
          ["/\\evil.com", "/evil.com"],
          ["/\\\\evil.com/x?y=1", "/evil.com/x?y=1"],
          ["//evil.com", "/evil.com"],
          ["/%5Cevil.com", "/%5Cevil.com"],
          ["http://evil.com/\\evil.com?q", "/evil.com?q"],
          ["/settings?tab=2", "/settings?tab=2"]
        ] as const
      ) {
        const reply = yield* rawGet(url, path)
        assert.strictEqual(reply.status, 303, path)
        assert.strictEqual(reply.location, `/login?next=${encodeURIComponent(next)}`, path)
        assert.strictEqual(resolved(nextOf(reply.location!)!), site, path)
      }
    }).pipe(Effect.provide(Basic.layer({ verify: usersWithScopes({}) }))))

  it.effect("the target's own query gets `&next=`, and its fragment stays last", () =>
    Effect.gen(function*() {
      const Login = HttpRouter.add(
        "GET",
        "/page",
        HttpServerResponse.text("page").pipe(requires("authenticated", { redirect: "/login?via=page#form" }))
      )
      const url = yield* Effect.flatMap(
        Effect.map(HttpRouter.toHttpEffect(Login), AuthenticationMiddleware),
        (app) => serve(app)
      )
      const reply = yield* rawGet(url, "/page?a=1")
      assert.strictEqual(reply.location, `/login?via=page&next=${encodeURIComponent("/page?a=1")}#form`)
    }).pipe(Effect.provide(Basic.layer({ verify: usersWithScopes({}) }))))
})
