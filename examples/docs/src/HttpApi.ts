/**
 * docs/httpapi.md: each excerpt there stands in this file, and examples/docs/test/HttpApi.test.ts serves it
 * through a real server and reads its OpenAPI document.
 */
import {
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiSchema,
  HttpApiSecurity,
  HttpRouter,
  HttpServer
} from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Effect, Layer, Option, Schema } from "effect"
import { AuthCredentials, Bearer, CurrentUser, Password, Policy, SimpleUser } from "effect-auth"
import * as HttpApiAuthentication from "effect-auth/HttpApiAuthentication"
import { createServer } from "node:http"

// the app's authentication middleware: it provides CurrentUser and CurrentCredentials, and names its schemes
export class Authentication extends HttpApiAuthentication.Tag<Authentication>()("docs/Authentication", {
  security: { bearer: HttpApiSecurity.bearer }
}) {}

// an effectful check (it reads the route's parameters and the user), enforced on the endpoint like any policy
const ownsNotes = Policy.check(
  "owns the notes",
  Effect.zipWith(HttpRouter.params, CurrentUser, (params, user) => params["owner"] === user.identity)
)

export class Api extends HttpApi.make("notes").add(
  HttpApiGroup.make("notes")
    // anyone; OpenAPI says authentication is optional
    .add(
      HttpApiEndpoint.get("list", "/notes").addSuccess(Schema.Array(Schema.String)).pipe(
        HttpApiAuthentication.requires([])
      )
    )
    // enforced before the handler, and listed as the operation's scopes: security: [{ bearer: ["notes:write"] }]
    .add(
      HttpApiEndpoint.post("create", "/notes").addSuccess(HttpApiSchema.Text()).pipe(
        HttpApiAuthentication.requires("notes:write")
      )
    )
    // one alternative per branch of `any`: [{ bearer: ["admin"] }, { bearer: ["notes:admin"] }]
    .add(
      HttpApiEndpoint.del("clear", "/notes").addSuccess(HttpApiSchema.Text()).pipe(
        HttpApiAuthentication.requires(Policy.any(Policy.scope("admin"), Policy.scope("notes:admin")), { status: 404 })
      )
    )
    // a check: what it needs beyond the request and the user becomes a requirement of HttpApiAuthentication.layer
    .add(
      HttpApiEndpoint.get("of", "/notes/:owner").setPath(Schema.Struct({ owner: Schema.String }))
        .addSuccess(HttpApiSchema.Text())
        .pipe(HttpApiAuthentication.requires(ownsNotes))
    )
    .middleware(Authentication)
) {}

export const NotesLive = HttpApiBuilder.group(Api, "notes", (handlers) =>
  handlers
    .handle("list", () => Effect.succeed(["first note"]))
    .handle("create", () => Effect.map(CurrentUser, (user) => `saved by ${user.displayName}`))
    .handle("clear", () => Effect.succeed("cleared"))
    .handle("of", ({ path }) => Effect.succeed(`notes of ${path.owner}`)))

const BackendLive = Bearer.layer({
  verify: (token) =>
    Effect.succeed(
      Password.equals(token, "alice-token")
        ? Option.some([new AuthCredentials(["notes:write"]), new SimpleUser("alice")] as const)
        : Password.equals(token, "bob-token")
        ? Option.some([new AuthCredentials([]), new SimpleUser("bob")] as const)
        : Option.none()
    )
})

// the same backend Layer an HttpRouter app uses
export const ApiLive = HttpApiBuilder.api(Api).pipe(
  Layer.provide(NotesLive),
  Layer.provide(HttpApiAuthentication.layer(Authentication, Api)),
  Layer.provide(BackendLive)
)

/** The API on 127.0.0.1 on a free port, with its document at /openapi.json. */
export const ServerLive = HttpApiBuilder.serve().pipe(
  Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
  Layer.provide(ApiLive),
  Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { host: "127.0.0.1", port: 0 }))
)

export const serverUrl = Effect.map(
  HttpServer.HttpServer,
  (server) => server.address._tag === "TcpAddress" ? `http://127.0.0.1:${server.address.port}` : ""
)
