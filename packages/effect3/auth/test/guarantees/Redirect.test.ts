import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { AuthenticationMiddleware, Basic, requires } from "effect-auth"
import { serve } from "effect-auth/NodeTesting"
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
  Effect.async<{ readonly status: number; readonly location: string | undefined }>((resume) => {
    const { hostname, port } = new URL(url)
    const request = httpRequest({ hostname, port, path, method: "GET" }, (response) => {
      response.resume()
      resume(Effect.succeed({ status: response.statusCode ?? 0, location: response.headers.location }))
    })
    request.on("error", (error) => resume(Effect.die(error)))
    request.end()
  })

describe("requires with redirect, through a real server", () => {
  const app = AuthenticationMiddleware(
    HttpRouter.empty.pipe(
      HttpRouter.get("*", HttpServerResponse.text("guarded").pipe(requires("authenticated", { redirect: "/login" })))
    )
  )

  it.scoped("a request target with backslashes, or an absolute one, redirects with a next on this site", () =>
    Effect.gen(function*() {
      const url = yield* serve(app)
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
})
