/**
 * The seed's app, in Effect: Starlette's authentication example with a real user table (`UserStore`: scrypt-hashed
 * passwords, in SQLite or PostgreSQL), guarded pages, a websocket, a JWT route for API clients, and a login form for
 * browsers (session cookies in the same database, CSRF checks on every state-changing request, failed logins
 * throttled across Basic and the form).
 */
import { Jwt } from "@effect-auth/jwt"
import * as Sqlite from "@effect-auth/sql/Sqlite"
import type { StoredUser } from "@effect-auth/sql/UserStore"
import { UserStore } from "@effect-auth/sql/UserStore"
import { HttpRouter, HttpServerRequest, HttpServerResponse, Socket } from "@effect/platform"
import * as SqlClient from "@effect/sql/SqlClient"
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
  ServiceUnavailable,
  Session,
  SessionStoreError,
  SimpleUser,
  Throttle
} from "effect-auth"
import * as Csrf from "effect-auth/Csrf"
import * as Login from "effect-auth/Login"
import { SignJWT } from "jose"
import { randomBytes } from "node:crypto"
import type { Stores, StoresError } from "./Stores.js"

// --- users: a table in the database, checked through one Password.Verifier ------------------------------------------

// added on first start (an empty table); bob's row is then left as an older release wrote it, his hash made at a
// lower cost, which his next login redoes at today's
const demoUsers = [
  { username: "alice", password: "wonderland", scopes: ["authenticated", "admin"] },
  { username: "bob", password: "builder", scopes: ["authenticated"] }
]
const olderLogN = 14

// the key of the device cookies a successful form login sets: random per start, as the JWT key is (instances behind
// one site would share one); a browser's cookie from before a restart counts as none
const deviceSecret = Redacted.make(randomBytes(32).toString("base64url"))

// failed logins counted over Basic and the login form alike (Throttle's defaults, written out): a person may mistype
// a few times, a guesser gets 10 tries per name per quarter hour however many addresses it has, and 50 per address;
// a browser that logged in as that name before (its device cookie) has 10 of its own, whatever others try
const limits = { username: 10, address: 50, window: "15 minutes", deviceCookie: { secret: deviceSecret } } as const

// a user read once stays in memory: usernames and scopes never change, and a disabled user's sessions are revoked,
// so a cached user cannot outlive its permission; 10,000 users of about 300 bytes, 3 MB at most
const maxCachedUsers = 10_000

const unavailable = (reason: string) => (cause: unknown) =>
  Effect.zipRight(Effect.logError(reason, cause), Effect.fail(new ServiceUnavailable({ reason })))

export class Users extends Context.Tag("example/Users")<Users, {
  /**
   * The user with this name and password, with their scopes; `None` for a wrong name or password, or a disabled
   * user. A hash is checked either way, so that timing does not tell which names exist.
   */
  readonly check: (
    username: string,
    password: Redacted.Redacted<string>
  ) => Effect.Effect<Option.Option<readonly [AuthCredentials, StoredUser]>, ServiceUnavailable>
  /** A session's user, by id (`Session`'s `toUser`): read once, then from memory. */
  readonly byId: (id: string) => Effect.Effect<Option.Option<StoredUser>, SessionStoreError>
  /** The stored hash of a user (to show rehashing). */
  readonly hashOf: (username: string) => Effect.Effect<Option.Option<string>, ServiceUnavailable>
  /** Whether this start added the demo users (the table was empty). */
  readonly seeded: boolean
}>() {
  static readonly layer = Layer.effect(
    Users,
    Effect.gen(function*() {
      const store = yield* UserStore
      const sql = yield* SqlClient.SqlClient
      // one verifier per process: a password accepted lately is not hashed again, and hashing is bounded (503 past)
      const verifier = yield* Password.Verifier.make()
      // `UserStore.authenticate` hashes on every call; the verifier needs the stored hash, read here by the user's id
      const hashById = (id: string) =>
        Effect.map(
          sql<{ readonly password_hash: string }>`SELECT password_hash FROM effect_auth_users WHERE id = ${id}`,
          (rows) => Option.fromNullable(rows[0]?.password_hash)
        )
      const setHash = (id: string, from: string, to: string) =>
        sql`UPDATE effect_auth_users SET password_hash = ${to} WHERE id = ${id} AND password_hash = ${from}`

      const seed = Effect.gen(function*() {
        if ((yield* store.list).length > 0) return false
        for (const demo of demoUsers) {
          // another instance starting at the same time may have added it: the unique name decides, once
          const added = yield* store.add({ ...demo, password: Redacted.make(demo.password) }).pipe(
            Effect.asSome,
            Effect.catchTag("UsernameTaken", () => Effect.succeedNone)
          )
          if (added._tag === "Some" && demo.username === "bob") {
            const current = yield* hashById(added.value.id)
            const older = yield* Password.hash(demo.password, { logN: olderLogN })
            if (current._tag === "Some") yield* setHash(added.value.id, current.value, older)
          }
        }
        return true
      })
      const seeded = yield* seed.pipe(Effect.orDie) // constant names and passwords: a refusal is a bug

      // unknown names are checked against a hash too, so that timing does not tell which names exist
      const nobody = yield* Effect.orDie(Password.hash(randomBytes(16).toString("hex")))
      // a hash made at a lower cost than today's is redone once its password is known to be right (unless it changed
      // meanwhile: the update is conditional)
      const rehash = (user: StoredUser, password: Redacted.Redacted<string>, stored: string) =>
        Password.needsRehash(stored)
          ? Effect.flatMap(Password.hash(password), (hash) => setHash(user.id, stored, hash)).pipe(
            Effect.catchAll((cause) => Effect.logWarning("could not rehash a password", cause))
          )
          : Effect.void

      const cache = new Map<string, StoredUser>()
      return Users.of({
        seeded,
        check: (username, password) =>
          Effect.gen(function*() {
            const user = yield* store.find(username)
            const stored = user._tag === "Some" ? yield* hashById(user.value.id) : Option.none()
            const ok = yield* verifier.verify(password, Option.getOrElse(stored, () => nobody))
            if (!ok || user._tag === "None" || stored._tag === "None" || user.value.disabled) return Option.none()
            yield* rehash(user.value, password, stored.value)
            return Option.some([new AuthCredentials(user.value.scopes), user.value] as const)
          }).pipe(Effect.catchTags({
            SqlError: unavailable("could not read a user"),
            UserStoreError: unavailable("could not read a user")
          })),
        byId: (id) => {
          const cached = cache.get(id)
          if (cached !== undefined) return Effect.succeedSome(cached)
          return Effect.map(store.findById(id), (user) => {
            if (user._tag === "Some") {
              cache.set(id, user.value)
              if (cache.size > maxCachedUsers) cache.delete(cache.keys().next().value!)
            }
            return user
          }).pipe(Effect.mapError((cause) => new SessionStoreError({ message: "could not read a user", cause })))
        },
        hashOf: (username) =>
          Effect.flatMap(
            store.find(username),
            (user) => user._tag === "Some" ? hashById(user.value.id) : Effect.succeedNone
          ).pipe(Effect.catchAll(unavailable("could not read a user")))
      })
    })
  )
}

// the limits, checked once, for the login form: the same store and keys as Basic's, so both count together
export class LoginThrottle extends Context.Tag("example/LoginThrottle")<LoginThrottle, Throttle.Guard>() {
  static readonly layer = Layer.effect(LoginThrottle, Throttle.make(limits))
}

// the seed's BasicAuthBackend, with the password checked against the users (the seed leaves it as a TODO); the
// realm makes anonymous requests to guarded pages get 401 and a challenge, so browsers ask for a password
const BasicBackend = Basic.make({
  realm: "effect-auth example",
  throttle: limits,
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
export const layer = (options: {
  readonly https: boolean
  /**
   * Where users, sessions and failed-login counts live (`Stores.layer`: an SQLite file, or PostgreSQL): an SQLite
   * database in memory unless given, gone with the process.
   */
  readonly stores?: Layer.Layer<Stores, StoresError> | undefined
  /** The CSRF tokens' key (32 bytes or more): random per start unless given; instances behind one site share one. */
  readonly csrfSecret?: Redacted.Redacted<string> | undefined
}) => {
  const StoresLive = options.stores ?? Sqlite.layer({ filename: ":memory:" })
  const SessionLive = Layer.effect(
    Session.Session,
    Session.make({
      cookieName: options.https ? "__Host-session" : "session",
      secure: options.https ? true : "auto",
      toUser: (id) => Effect.flatMap(Users, (users) => users.byId(id))
    })
  )
  const CsrfLive = Csrf.layer({ secure: options.https ? true : "auto", secret: options.csrfSecret })
  return Backends.pipe(
    Layer.provideMerge(Layer.mergeAll(SessionLive, CsrfLive, LoginThrottle.layer)),
    Layer.provideMerge(Users.layer),
    Layer.provideMerge(StoresLive)
  )
}

export const BackendLive = layer({ https: false })

const token = Effect.gen(function*() {
  const user = yield* CurrentUser
  const credentials = yield* CurrentCredentials
  const jwt = yield* Effect.promise(() =>
    new SignJWT({ scope: credentials.scopes.join(" ") })
      .setProtectedHeader({ alg: "HS256" })
      // the username, not the user's id: names are unique and never change, and the token then names its user
      // without a lookup
      .setSubject(user.displayName)
      .setIssuer("effect-auth-example")
      .setIssuedAt()
      .setExpirationTime("15m")
      .sign(Redacted.value(jwtSecret))
  )
  return HttpServerResponse.text(jwt)
})

// --- pages for browsers ---------------------------------------------------------------------------------------

const escape = (text: string) => text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`)

// no other site may frame a page (a hidden frame over a button is clickjacking): CSP for browsers, X-Frame-Options
// for the old ones
const noFraming = { "content-security-policy": "frame-ancestors 'none'", "x-frame-options": "DENY" } as const

const html = (title: string, body: string, status = 200) =>
  HttpServerResponse.text(
    `<!doctype html><html><head><meta charset="utf-8"><title>${
      escape(title)
    }</title></head><body>${body}</body></html>`,
    { status, contentType: "text/html; charset=utf-8", headers: noFraming }
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

// one answer for an unknown name and a wrong password, status and text alike (the hash is checked either way);
// failures are counted with Basic's, and past the limits the form comes back with 429 before any hash
const submitLogin = Effect.gen(function*() {
  const form = yield* Login.readForm()
  const users = yield* Users
  const throttle = yield* LoginThrottle
  const found = yield* users.check(form.username, form.password).pipe(Login.throttled(throttle, form.username))
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
}).pipe(
  Effect.catchTag("TooManyRequests", (refused) =>
    Effect.map(
      loginPage({ next: "/", status: 429, error: "Too many failed attempts. Try again later." }),
      HttpServerResponse.setHeader("retry-after", String(refused.retryAfter))
    ))
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
