/**
 * The seed's app, in Effect: Starlette's authentication example with a real user table (scrypt-hashed passwords,
 * compared in constant time), guarded pages, a websocket, and a JWT route for API clients.
 */
import { Jwt } from "@effect-auth/jwt"
import { HttpRouter, HttpServerRequest, HttpServerResponse, Socket } from "@effect/platform"
import { Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import {
  AuthCredentials,
  AuthenticationBackend,
  AuthenticationMiddleware,
  Basic,
  CurrentCredentials,
  CurrentUser,
  Password,
  Policy,
  requires,
  SimpleUser
} from "effect-auth"
import { SignJWT } from "jose"
import { randomBytes } from "node:crypto"

// --- users: a service holding a table of scrypt hashes, made once at start-up --------------------------------------

// bob's hash was made by an older release, at a lower cost: his next login rehashes it at today's
const accounts = [
  { username: "alice", password: "wonderland", scopes: ["authenticated", "admin"], logN: undefined },
  { username: "bob", password: "builder", scopes: ["authenticated"], logN: 14 }
]

interface Account {
  readonly hash: string
  readonly scopes: ReadonlyArray<string>
}

export class Users extends Context.Tag("example/Users")<Users, {
  /** The user with this name and password, with their scopes; `None` for a wrong name or password. */
  readonly check: (
    username: string,
    password: Redacted.Redacted<string>
  ) => Effect.Effect<Option.Option<readonly [AuthCredentials, SimpleUser]>>
  /** The stored hash of a user (to show rehashing). */
  readonly hashOf: (username: string) => Effect.Effect<Option.Option<string>>
}>() {
  static readonly layer = Layer.effect(
    Users,
    Effect.gen(function*() {
      const table = new Map<string, Account>()
      for (const account of accounts) {
        const hash = yield* Password.hash(account.password, { logN: account.logN })
        table.set(account.username, { hash, scopes: account.scopes })
      }
      // unknown names are checked against a hash too, so that timing does not tell which names exist
      const nobody = yield* Password.hash(randomBytes(16).toString("hex"))
      // a hash made at a lower cost than today's is redone once its password is known to be right
      const rehash = (username: string, password: Redacted.Redacted<string>, account: Account) =>
        Password.needsRehash(account.hash)
          ? Effect.flatMap(
            Password.hash(password),
            (hash) => Effect.sync(() => table.set(username, { ...account, hash }))
          ).pipe(Effect.orDie)
          : Effect.void
      return Users.of({
        check: (username, password) => {
          const account = table.get(username)
          return Effect.flatMap(Password.verify(password, account?.hash ?? nobody), (ok) =>
            ok && account !== undefined
              ? Effect.as(
                rehash(username, password, account),
                Option.some([new AuthCredentials(account.scopes), new SimpleUser(username)] as const)
              )
              : Effect.succeedNone)
        },
        hashOf: (username) => Effect.sync(() => Option.fromNullable(table.get(username)?.hash))
      })
    }).pipe(Effect.orDie) // the passwords are constants: one that `hash` refuses (a NUL in it) is a bug
  )
}

// the seed's BasicAuthBackend, with the password checked against the users (the seed leaves it as a TODO); the
// realm makes anonymous requests to guarded pages get 401 and a challenge, so browsers ask for a password
const BasicBackend = Basic.make({
  realm: "effect-auth example",
  verify: (username, password) => Effect.flatMap(Users, (users) => users.check(username, password))
})

// --- API clients: JWTs, minted by POST /token for a password (Basic) login only --------------------------------

const jwtSecret = Redacted.make(randomBytes(32))

const Claims = Schema.Struct({ sub: Schema.String, scope: Schema.String })

const JwtBackend = Jwt.make({
  algorithms: ["HS256"],
  key: jwtSecret,
  issuer: "effect-auth-example",
  claims: Claims,
  toUser: (claims) => new SimpleUser(claims.sub)
})

// Basic for people, Bearer JWTs for programs: the first backend that recognises the request answers
export const BackendLive: Layer.Layer<AuthenticationBackend> = AuthenticationBackend.layerEffect(
  Effect.map(BasicBackend, (basic) => AuthenticationBackend.firstOf(basic, JwtBackend))
).pipe(Layer.provide(Users.layer))

const token = Effect.gen(function*() {
  const user = yield* CurrentUser
  const credentials = yield* CurrentCredentials
  const jwt = yield* Effect.promise(() =>
    new SignJWT({ scope: credentials.scopes.join(" ") })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject(user.identity)
      .setIssuer("effect-auth-example")
      .setIssuedAt()
      .setExpirationTime("15m")
      .sign(Redacted.value(jwtSecret))
  )
  return HttpServerResponse.text(jwt)
})

// --- endpoints ----------------------------------------------------------------------------------------------------

const homepage = Effect.map(
  CurrentUser,
  (user) => HttpServerResponse.text(user.isAuthenticated ? `hello, ${user.displayName}` : "hello, you")
)

const dashboard = Effect.map(CurrentUser, (user) => HttpServerResponse.text(`dashboard of ${user.displayName}`))

const admin = Effect.map(CurrentUser, (user) => HttpServerResponse.text(`admin area, welcome ${user.displayName}`))

const account = Effect.map(CurrentUser, (user) => HttpServerResponse.text(`account of ${user.displayName}`))

const login = Effect.map(
  HttpServerRequest.ParsedSearchParams,
  (params) => HttpServerResponse.text(`Log in with HTTP Basic credentials, then go back to ${params["next"] ?? "/"}\n`)
)

const me = Effect.gen(function*() {
  const user = yield* CurrentUser
  const credentials = yield* CurrentCredentials
  return yield* HttpServerResponse.json({ user: user.displayName, scopes: credentials.scopes })
})

// a websocket that greets the user and closes
const socket = Effect.gen(function*() {
  const user = yield* CurrentUser
  const upgraded = yield* HttpServerRequest.upgrade
  const write = yield* upgraded.writer
  yield* upgraded.runRaw(() => {}, {
    onOpen: Effect.ignore(
      Effect.zipRight(write(`hello, ${user.displayName}`), write(new Socket.CloseEvent(1000, "bye")))
    )
  }).pipe(Effect.ignore)
  return HttpServerResponse.empty()
}).pipe(Effect.scoped)

export const router = HttpRouter.empty.pipe(
  HttpRouter.get("/", homepage),
  HttpRouter.get("/dashboard", dashboard.pipe(requires(["authenticated", "admin"]))),
  HttpRouter.get("/admin", admin.pipe(requires("admin", { status: 404 }))),
  HttpRouter.get("/account", account.pipe(requires("authenticated", { redirect: "/login" }))),
  HttpRouter.get("/login", login),
  // a JWT never buys a fresh one: a stolen token, or a scope since revoked, would otherwise live for ever
  HttpRouter.post("/token", token.pipe(requires(Policy.all(Policy.scope("authenticated"), Policy.method("basic"))))),
  HttpRouter.get("/api/me", me.pipe(requires("authenticated"))),
  HttpRouter.get("/ws", socket.pipe(requires("authenticated")))
)

// authentication runs before routing, on every request and websocket upgrade
export const app = AuthenticationMiddleware(router)
