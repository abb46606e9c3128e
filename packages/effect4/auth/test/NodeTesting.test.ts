import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import { request, serve } from "effect-auth/NodeTesting"
import * as HttpRouter from "effect/http/HttpRouter"
import * as HttpServerRequest from "effect/http/HttpServerRequest"
import * as HttpServerResponse from "effect/http/HttpServerResponse"

// answers what it was sent: method, one header and the body
const echo = Effect.flatMap(HttpServerRequest.HttpServerRequest, (req) =>
  Effect.map(
    req.text,
    (body) => HttpServerResponse.text(`${req.method} ${req.headers["x-test"] ?? "-"} ${body}`)
  ))

const hello = Effect.succeed(HttpServerResponse.text("hello"))

describe("NodeTesting", () => {
  it.effect("serve: a real server on the loopback interface, on a free port", () =>
    Effect.gen(function*() {
      const url = yield* serve(hello)
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
      const reply = yield* request(url)
      assert.strictEqual(reply.status, 200)
      assert.strictEqual(reply.body, "hello")
      assert.strictEqual(reply.headers.get("content-type"), "text/plain")
    }))

  it.effect("serve: the Layer of a router's routes, routed", () =>
    Effect.gen(function*() {
      const url = yield* serve(HttpRouter.add("GET", "/hello", HttpServerResponse.text("routed")))
      assert.strictEqual((yield* request(`${url}/hello`)).body, "routed")
      assert.strictEqual((yield* request(`${url}/missing`)).status, 404)
    }))

  it.effect("two servers get two ports", () =>
    Effect.gen(function*() {
      const a = yield* serve(Effect.succeed(HttpServerResponse.text("a")))
      const b = yield* serve(Effect.succeed(HttpServerResponse.text("b")))
      assert.notStrictEqual(a, b)
      assert.strictEqual((yield* request(b)).body, "b")
    }))

  it.effect("request: sends the method, the headers and the body it is given", () =>
    Effect.gen(function*() {
      const url = yield* serve(echo)
      assert.strictEqual((yield* request(url)).body, "GET - ")
      const posted = yield* request(url, { method: "POST", headers: { "x-test": "yes" }, body: "a=1" })
      assert.strictEqual(posted.body, "POST yes a=1")
    }))

  it.effect("request: a redirect is answered as it is, not followed", () =>
    Effect.gen(function*() {
      const url = yield* serve(Effect.succeed(HttpServerResponse.redirect("/elsewhere", { status: 303 })))
      const reply = yield* request(url)
      assert.strictEqual(reply.status, 303)
      assert.strictEqual(reply.headers.get("location"), "/elsewhere")
    }))

  it.effect("the server lives as long as its scope", () =>
    Effect.gen(function*() {
      const url = yield* Effect.scoped(serve(hello))
      const exit = yield* Effect.exit(request(url))
      assert.isTrue(Exit.isFailure(exit))
    }))
})
