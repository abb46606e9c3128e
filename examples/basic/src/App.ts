/**
 * The seed's app, in Effect: Starlette's authentication example with a real user table (scrypt-hashed passwords,
 * compared in constant time), guarded pages, a websocket, a JWT route for API clients, and a login form for browsers
 * (session cookies, CSRF checks on every state-changing request).
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
  Session,
  SessionStore,
  SimpleUser
} from "effect-auth"
import * as Csrf from "effect-auth/Csrf"
import * as Login from "effect-auth/Login"
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

// Basic for people with curl, Bearer JWTs for programs, a session cookie for browsers: the first backend that
// recognises the request answers
const Backends = AuthenticationBackend.layerEffect(
  Effect.gen(function*() {
    const basic = yield* BasicBackend
    const session = yield* Session.Session
    return AuthenticationBackend.firstOf(basic, JwtBackend, session.backend)
  })
)

/**
 * Everything the app needs. Over HTTPS (`https: true`, e.g. behind a TLS proxy) the cookies are `Secure` and named
 * with the `__Host-` prefix, so that no other site (a subdomain included) can set them; on plain HTTP (the local
 * demo) they cannot be.
 */
export const layer = <E = never, R = never>(options: {
  readonly https: boolean
  /** Where sessions live: in memory unless given (a SQL store, for sessions that survive a restart). */
  readonly store?: Layer.Layer<SessionStore, E, R> | undefined
}) => {
  const SessionLive = Layer.effect(
    Session.Session,
    Session.make({
      cookieName: options.https ? "__Host-session" : "session",
      secure: options.https ? true : "auto"
    })
  ).pipe(Layer.provide(options.store ?? (SessionStore.layerMemory as Layer.Layer<SessionStore, E, R>)))
  const CsrfLive = Csrf.layer({ secure: options.https ? true : "auto" })
  return Backends.pipe(Layer.provideMerge(Layer.mergeAll(Users.layer, SessionLive, CsrfLive)))
}

export const BackendLive = layer({ https: false })

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

// --- pages for browsers ---------------------------------------------------------------------------------------

const escape = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`)

const html = (title: string, body: string, status = 200) =>
  HttpServerResponse.text(
    `<!doctype html><html><head><meta charset="utf-8"><title>${
      escape(title)
    }</title></head><body>${body}</body></html>`,
    { status, contentType: "text/html; charset=utf-8" }
  )

const prefersHtml = Effect.map(
  HttpServerRequest.HttpServerRequest,
  (request) => request.headers["accept"]?.includes("text/html") === true
)

// the form carries `next` (made safe again when it comes back) and the CSRF token of the browser's cookie
const loginPage = (options: {
  readonly next: string
  readonly status?: number
  readonly error?: string
  readonly username?: string
}) =>
  Effect.map(Csrf.token, (token) =>
    html(
      "Log in",
      `<h1>Log in</h1>
${options.error === undefined ? "" : `<p role="alert" id="error">${escape(options.error)}</p>`}
<form method="post" action="/login">
<input type="hidden" name="csrf_token" value="${escape(token)}">
<input type="hidden" name="next" value="${escape(options.next)}">
<label>Username <input name="username" autocomplete="username" required value="${
        escape(options.username ?? "")
      }"></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<label><input type="checkbox" name="remember"> Remember me</label>
<button type="submit">Log in</button>
</form>`,
      options.status
    ))

// --- endpoints ----------------------------------------------------------------------------------------------------

const homepage = Effect.map(
  CurrentUser,
  (user) => HttpServerResponse.text(user.isAuthenticated ? `hello, ${user.displayName}` : "hello, you")
)

// a page for browsers (with a logout button, which needs the CSRF token), text for everyone else
const dashboard = Effect.gen(function*() {
  const user = yield* CurrentUser
  if (!(yield* prefersHtml)) return HttpServerResponse.text(`dashboard of ${user.displayName}`)
  const token = yield* Csrf.token
  return html(
    "Dashboard",
    `<h1>dashboard of ${escape(user.displayName)}</h1>
<form method="post" action="/logout">
<input type="hidden" name="csrf_token" value="${escape(token)}">
<button type="submit">Log out</button>
</form>`
  )
})

const admin = Effect.map(CurrentUser, (user) => HttpServerResponse.text(`admin area, welcome ${user.displayName}`))

const account = Effect.map(CurrentUser, (user) => HttpServerResponse.text(`account of ${user.displayName}`))

const login = Effect.flatMap(
  HttpServerRequest.ParsedSearchParams,
  (params) => loginPage({ next: Login.safeNext(typeof params["next"] === "string" ? params["next"] : "/") })
)

// one answer for an unknown name and a wrong password, status and text alike (the hash is checked either way)
const submitLogin = Effect.gen(function*() {
  const form = yield* Login.readForm()
  const users = yield* Users
  const found = yield* users.check(form.username, form.password)
  if (Option.isNone(found)) {
    return yield* loginPage({
      next: form.next,
      status: 400,
      error: "Invalid username or password.",
      username: form.username
    })
  }
  const [credentials, user] = found.value
  return yield* Login.login({ user, scopes: credentials, next: form.next, remember: form.remember })
})

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
  // browsers go to the login form; API clients keep the 401 and its challenges
  HttpRouter.get(
    "/dashboard",
    dashboard.pipe(requires(["authenticated", "admin"]), Login.redirectBrowsers("/login"))
  ),
  HttpRouter.get("/admin", admin.pipe(requires("admin", { status: 404 }))),
  HttpRouter.get("/account", account.pipe(requires("authenticated", { redirect: "/login" }))),
  HttpRouter.get("/login", login),
  HttpRouter.post("/login", submitLogin),
  HttpRouter.post("/logout", Login.logout("/login")),
  // a JWT never buys a fresh one: a stolen token, or a scope since revoked, would otherwise live for ever
  HttpRouter.post("/token", token.pipe(requires(Policy.all(Policy.scope("authenticated"), Policy.method("basic"))))),
  HttpRouter.get("/api/me", me.pipe(requires("authenticated"))),
  HttpRouter.get("/ws", socket.pipe(requires("authenticated")))
)

// POST /token is for programs with Basic credentials and no cookie: it needs no CSRF token (its origin is still
// checked, as every state-changing request's is)
const exempt = (request: HttpServerRequest.HttpServerRequest) => request.url === "/token"

// CSRF checks first (a forged form is refused before any password is hashed), then authentication, before routing,
// on every request and websocket upgrade
export const app = Csrf.middleware({ exempt })(AuthenticationMiddleware(router))
