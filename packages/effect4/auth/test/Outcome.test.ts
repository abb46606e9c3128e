/**
 * One definition per error outcome: its status, body, headers and description are written once, and the class's
 * own response, its HttpApi response and the OpenAPI document all say what that one definition says.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"
import {
  Forbidden,
  InvalidCredentials,
  LoginRedirect,
  NotFound,
  RejectedCredentials,
  ServiceUnavailable,
  TooManyRequests,
  Unauthorized
} from "effect-auth"
import * as ErrorResponse from "effect-auth/ErrorResponse"
import * as HttpApi from "effect/http-api/HttpApi"
import * as HttpApiBuilder from "effect/http-api/HttpApiBuilder"
import * as HttpApiEndpoint from "effect/http-api/HttpApiEndpoint"
import * as HttpApiGroup from "effect/http-api/HttpApiGroup"
import * as HttpApiSchema from "effect/http-api/HttpApiSchema"
import * as OpenApi from "effect/http-api/OpenApi"
import * as HttpRouter from "effect/http/HttpRouter"
import * as WireSchemas from "../src/internal/httpApi/wireSchemas.js"
import * as Outcome from "../src/internal/outcome.js"
import { request, serve } from "./utils/server.js"

// the one place: change a body, a status, a header or a description here, and every assertion below follows it
const brewing = {
  status: 418,
  description: "The server is a teapot",
  fields: { pot: Schema.String },
  body: "I'm a teapot",
  headers: (error: { readonly pot: string }) => ({ "x-pot": error.pot }),
  decode: () => ({ pot: "" })
} as const

class Teapot extends Outcome.make<Teapot>("test/Teapot")("Teapot", brewing) {}

// an outcome whose body is read from the error
class Refused extends Outcome.make<Refused>("test/Refused")("Refused", {
  status: 422,
  description: "Refused, with the reason as the body",
  fields: { reason: Schema.String },
  body: (error) => `refused: ${error.reason}`,
  decode: (body) => ({ reason: body.replace(/^refused: /, "") })
}) {}

const TeapotSchema = WireSchemas.text([Teapot])
const RefusedSchema = WireSchemas.text([Refused])
const Text = Schema.String.pipe(HttpApiSchema.asText())

const Api = HttpApi.make("outcomes").add(
  HttpApiGroup.make("pots")
    .add(HttpApiEndpoint.get("teapot", "/teapot", { success: Text, error: TeapotSchema }))
    .add(HttpApiEndpoint.get("refused", "/refused", { success: Text, error: RefusedSchema }))
)

const PotsLive = HttpApiBuilder.group(Api, "pots", (handlers) =>
  handlers
    .handle("teapot", () => Effect.fail(new Teapot({ pot: "earl grey" })))
    .handle("refused", () => Effect.fail(new Refused({ reason: "cold" }))))

const ApiLive = HttpApiBuilder.layer(Api).pipe(
  Layer.provide(PotsLive),
  Layer.provide(NodeHttpServer.layerHttpServices)
)

const routes = Layer.mergeAll(
  HttpRouter.add("GET", "/teapot", Effect.fail(new Teapot({ pot: "earl grey" }))),
  HttpRouter.add("GET", "/refused", Effect.fail(new Refused({ reason: "cold" })))
)

describe("Outcome: one definition, derived everywhere", () => {
  it("the class's status is the definition's, as a static fact and on each instance", () => {
    assert.strictEqual(Teapot.status, brewing.status)
    assert.strictEqual(new Teapot({ pot: "x" }).status, brewing.status)
    assert.strictEqual(new Teapot({ pot: "x" })._tag, "Teapot")
    assert.strictEqual(Teapot._tag, "Teapot")
  })

  it("the status is the class's httpApiStatus annotation, and its description the definition's", () => {
    const annotation = (self: Outcome.Any, key: string) => self.ast.annotations?.[key]
    assert.strictEqual(annotation(Teapot, "httpApiStatus"), brewing.status)
    assert.strictEqual(annotation(Forbidden, "httpApiStatus"), 403)
    assert.strictEqual(annotation(InvalidCredentials, "httpApiStatus"), 400)
    assert.strictEqual(annotation(Teapot, "description"), brewing.description)
  })

  it.effect("the plain response renders the definition's status, body and headers", () =>
    Effect.gen(function*() {
      const url = yield* serve(routes)
      const teapot = yield* request(`${url}/teapot`)
      assert.deepStrictEqual([teapot.status, teapot.body], [brewing.status, brewing.body])
      assert.strictEqual(teapot.headers.get("x-pot"), "earl grey")
      assert.match(teapot.headers.get("content-type") ?? "", /^text\/plain/)
      const refused = yield* request(`${url}/refused`)
      assert.deepStrictEqual([refused.status, refused.body], [422, "refused: cold"])
    }))

  it.effect("the HttpApi response sends the same status and body, through the schema derived from it", () =>
    Effect.gen(function*() {
      const url = yield* serve(ApiLive)
      const teapot = yield* request(`${url}/teapot`)
      assert.deepStrictEqual([teapot.status, teapot.body], [brewing.status, brewing.body])
      assert.match(teapot.headers.get("content-type") ?? "", /^text\/plain/)
      const refused = yield* request(`${url}/refused`)
      assert.deepStrictEqual([refused.status, refused.body], [422, "refused: cold"])
    }))

  it("the OpenAPI document lists the definition's status and description", () => {
    const spec = OpenApi.fromApi(Api)
    const teapot = spec.paths["/teapot"]!.get!.responses[brewing.status]!
    assert.strictEqual(teapot.description, brewing.description)
    assert.deepStrictEqual(Object.keys(teapot.content!), ["text/plain"])
    const refused = spec.paths["/refused"]!.get!.responses[422]!
    assert.strictEqual(refused.description, "Refused, with the reason as the body")
    assert.deepStrictEqual(Object.keys(refused.content!), ["text/plain"])
  })

  it("the wire schema decodes a body back into the outcome, and encodes the outcome as its body", () => {
    const decoded = Schema.decodeSync(RefusedSchema)("refused: cold")
    assert.isTrue(decoded instanceof Refused && decoded.reason === "cold")
    assert.strictEqual(Schema.encodeSync(TeapotSchema)(new Teapot({ pot: "x" })), brewing.body)
  })

  it("each family is one list: its guard knows exactly its classes, and Renderable is their union", () => {
    const renderable = [
      new InvalidCredentials({ message: "m" }),
      new RejectedCredentials({ message: "m" }),
      new Unauthorized({ scopes: [], clause: "", challenge: "Basic" }),
      new Forbidden({ scopes: [], clause: "" }),
      new NotFound({ scopes: [], clause: "" }),
      new LoginRedirect({ scopes: [], clause: "", location: "/login" }),
      new ServiceUnavailable({ reason: "" }),
      new TooManyRequests({ reason: "", retryAfter: 1 })
    ]
    for (const error of renderable) assert.isTrue(ErrorResponse.isRenderable(error), error._tag)
    assert.isFalse(ErrorResponse.isRenderable(new Teapot({ pot: "x" })))
    assert.isFalse(ErrorResponse.isRenderable(new Error("not ours")))
  })
})
