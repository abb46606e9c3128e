/**
 * docs/backends.md: each excerpt there stands in this file, and examples/docs/test/Backends.test.ts serves it
 * through a real server.
 */
import { Jwt } from "@effect-auth/jwt"
import { FetchHttpClient, HttpRouter, HttpServerResponse } from "@effect/platform"
import { Config, Context, Effect, Layer, Option, Schema } from "effect"
import {
  AuthCredentials,
  AuthenticationBackend,
  AuthenticationMiddleware,
  Basic,
  Bearer,
  CurrentUser,
  Password,
  requires,
  Session,
  SimpleUser
} from "effect-auth"

// --- a backend whose verify uses a service -------------------------------------------------------------------------

// the app's user store, a service like any other (an SQL table in a real app)
export class Accounts extends Context.Tag("docs/Accounts")<Accounts, {
  readonly find: (
    username: string
  ) => Effect.Effect<Option.Option<{ readonly hash: string; readonly scopes: ReadonlyArray<string> }>>
}>() {}

// verify uses Accounts, so the Layer requires it: Layer<AuthenticationBackend, never, Accounts>
export const BasicLive = Basic.layer({
  realm: "docs",
  verify: (username, password) =>
    Effect.gen(function*() {
      const account = yield* Effect.flatMap(Accounts, (accounts) => accounts.find(username))
      if (Option.isNone(account)) return Option.none()
      const ok = yield* Password.verify(password, account.value.hash)
      return ok
        ? Option.some([new AuthCredentials(account.value.scopes), new SimpleUser(username)] as const)
        : Option.none()
    })
})

// the store, built once at start-up: passwords are kept as scrypt hashes, never as given
export const AccountsLive = Layer.effect(
  Accounts,
  Effect.map(Password.hash("wonderland"), (hash) => {
    const table = new Map([["alice", { hash, scopes: ["authenticated", "admin"] }]])
    return { find: (username: string) => Effect.succeed(Option.fromNullable(table.get(username))) }
  }).pipe(Effect.orDie) // a constant password that `hash` refuses (a NUL in it) is a bug
)

// --- several schemes: firstOf --------------------------------------------------------------------------------------

const robot = [new AuthCredentials(["authenticated"]), new SimpleUser("robot")] as const

// Bearer for programs, Basic for people: each `make` is built once (with its services), then combined
export const FirstOfLive = AuthenticationBackend.layerEffect(
  Effect.gen(function*() {
    const bearer = yield* Bearer.make({
      verify: (token) => Effect.succeed(Password.equals(token, "t0ken") ? Option.some(robot) : Option.none())
    })
    const basic = yield* Basic.make({
      realm: "docs",
      verify: (username, password) =>
        Effect.succeed(
          username === "alice" && Password.equals(password, "wonderland")
            ? Option.some([new AuthCredentials(["authenticated"]), new SimpleUser("alice")] as const)
            : Option.none()
        )
    })
    return AuthenticationBackend.firstOf(bearer, basic)
  })
)

// --- JWT -------------------------------------------------------------------------------------------------------------

// the claims the tokens carry, decoded into the app's user
export const Claims = Schema.Struct({ sub: Schema.String, scope: Schema.String })

// a shared secret (HS256), read from the environment as a Redacted
export const JwtLive = Layer.unwrapEffect(
  Effect.map(Config.redacted("JWT_SECRET"), (secret) =>
    Jwt.layer({
      algorithms: ["HS256"],
      key: secret,
      issuer: "https://issuer.example/",
      claims: Claims,
      toUser: (claims) => new SimpleUser(claims.sub)
    }))
)

// an identity provider's key set, fetched with the HttpClient and cached
export const JwksLive = (jwksUrl: string) =>
  Jwt.layerJwks({
    algorithms: ["RS256"],
    jwksUrl,
    issuer: "https://issuer.example/",
    audience: "my-api",
    claims: Claims,
    toUser: (claims) => new SimpleUser(claims.sub)
  }).pipe(Layer.provide(FetchHttpClient.layer))

// --- sessions: the secret from configuration -------------------------------------------------------------------------

// SESSION_SECRET, read with Config.redacted: 32 bytes or more, or start-up fails; "new,old" rotates keys
export const SessionConfigLive = Session.layerConfig({ cookieName: "sid", secure: "auto" })

// --- what the tests serve --------------------------------------------------------------------------------------------

export const backendsApp = AuthenticationMiddleware(
  HttpRouter.empty.pipe(
    HttpRouter.get("/", Effect.map(CurrentUser, (user) => HttpServerResponse.text(user.displayName || "anonymous"))),
    HttpRouter.get("/admin", HttpServerResponse.text("admin").pipe(requires("admin")))
  )
)
