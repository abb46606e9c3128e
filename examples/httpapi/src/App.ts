/**
 * An HttpApi app with HTTP Basic authentication: the same `AuthenticationBackend` Layer an `HttpRouter` app uses,
 * endpoints that declare the scopes they require, and an OpenAPI document that shows them.
 */
import {
  HttpApi,
  HttpApiBuilder,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiSchema,
  HttpApiSecurity,
  HttpApiSwagger,
  HttpRouter,
  OpenApi
} from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Context, Effect, Layer, Option, Schema } from "effect"
import { AuthCredentials, Basic, CurrentCredentials, CurrentUser, Password, Policy, SimpleUser } from "effect-auth"
import * as HttpApiAuthentication from "effect-auth/HttpApiAuthentication"
import { createServer } from "node:http"

// --- users: an in-memory table; passwords are compared in constant time ---------------------------------------

interface Account {
  readonly password: string
  readonly scopes: ReadonlyArray<string>
}

export const accounts: Record<string, Account> = {
  alice: { password: "wonderland", scopes: ["authenticated", "admin"] },
  bob: { password: "builder", scopes: ["authenticated"] }
}

// with a realm, an anonymous request that an endpoint denies gets 401 and a challenge (browsers then ask for a login)
export const BackendLive = Basic.layer({
  realm: "effect-auth example",
  verify: (username, password) =>
    Effect.sync(() => {
      const account = Object.hasOwn(accounts, username) ? accounts[username] : undefined
      // compare even for unknown users, so that timing does not tell which names exist
      const ok = Password.equals(password, account?.password ?? "\u0000 no such user")
      return ok && account !== undefined
        ? Option.some([new AuthCredentials(account.scopes), new SimpleUser(username)] as const)
        : Option.none()
    })
})

// --- the API: what each endpoint requires is declared here, enforced by the middleware, and shown in OpenAPI ------

export class Authentication extends HttpApiAuthentication.Tag<Authentication>()("example/Authentication", {
  security: { basic: HttpApiSecurity.basic }
}) {}

/** Who may read which mailbox: a service the `ownsMailbox` policy reads. */
export class Mailboxes extends Context.Tag("example/Mailboxes")<Mailboxes, {
  readonly readers: (owner: string) => ReadonlyArray<string>
}>() {}

const MailboxesLive = Layer.succeed(Mailboxes, {
  readers: (owner) => owner === "bob" ? ["bob", "alice"] : [owner]
})

const ownsMailbox = Policy.check(
  "reads the mailbox",
  Effect.gen(function*() {
    const mailboxes = yield* Mailboxes
    const { owner } = yield* HttpRouter.params
    const user = yield* CurrentUser
    return user.isAuthenticated && mailboxes.readers(owner ?? "").includes(user.identity)
  })
)

const Me = Schema.Struct({ username: Schema.String, scopes: Schema.Array(Schema.String) })

export const Api = HttpApi.make("example")
  .add(
    HttpApiGroup.make("pages")
      // anyone; a signed-in user is greeted by name, and refused credentials are anonymous here (OpenAPI: `{}` first)
      .add(HttpApiEndpoint.get("home", "/").addSuccess(HttpApiSchema.Text()).pipe(HttpApiAuthentication.optional))
      .add(HttpApiEndpoint.get("me", "/me").addSuccess(Me).pipe(HttpApiAuthentication.requires("authenticated")))
      .add(
        HttpApiEndpoint.get("admin", "/admin").addSuccess(HttpApiSchema.Text()).pipe(
          HttpApiAuthentication.requires("admin")
        )
      )
      // anyone who is not banned, anonymous included: OpenAPI lists `{}`, and the middleware lets them through
      .add(
        HttpApiEndpoint.get("board", "/board").addSuccess(HttpApiSchema.Text()).pipe(
          HttpApiAuthentication.requires(Policy.not(Policy.scope("banned")))
        )
      )
      // an effectful policy: what it needs (Mailboxes) becomes a requirement of HttpApiAuthentication.layer
      .add(
        HttpApiEndpoint.get("mailbox", "/mailbox/:owner").setPath(Schema.Struct({ owner: Schema.String }))
          .addSuccess(HttpApiSchema.Text())
          .pipe(HttpApiAuthentication.requires(ownsMailbox))
      )
      .middleware(Authentication)
  )
  .annotate(OpenApi.Title, "effect-auth HttpApi example")

const PagesLive = HttpApiBuilder.group(Api, "pages", (handlers) =>
  handlers
    .handle("home", () =>
      Effect.map(CurrentUser, (user) => user.isAuthenticated ? `hello, ${user.displayName}` : "hello, you"))
    .handle("me", () =>
      Effect.gen(function*() {
        const user = yield* CurrentUser
        const credentials = yield* CurrentCredentials
        return { username: user.identity, scopes: credentials.scopes }
      }))
    .handle("admin", () =>
      Effect.map(CurrentUser, (user) => `admin area, welcome ${user.displayName}`))
    .handle("board", () => Effect.succeed("the board"))
    .handle("mailbox", ({ path }) => Effect.succeed(`mailbox of ${path.owner}`)))

export const ApiLive = HttpApiBuilder.api(Api).pipe(
  Layer.provide(PagesLive),
  // checks the Basic scheme the Tag declares against BackendLive's challenge, and provides every endpoint's guard
  Layer.provide(HttpApiAuthentication.layer(Authentication, Api)),
  Layer.provide([BackendLive, MailboxesLive])
)

/** The app on 127.0.0.1:`port` (0 for a free port), with /openapi.json and Swagger UI at /docs. */
export const ServerLive = (port: number) =>
  HttpApiBuilder.serve().pipe(
    Layer.provide(HttpApiSwagger.layer({ path: "/docs" })),
    Layer.provide(HttpApiBuilder.middlewareOpenApi({ path: "/openapi.json" })),
    Layer.provide(ApiLive),
    Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { host: "127.0.0.1", port }))
  )
