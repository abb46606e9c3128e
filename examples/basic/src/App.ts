/**
 * The seed's app, in Effect: Starlette's authentication docs' example, with a real user table.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse, Socket } from "@effect/platform"
import { Effect, Option } from "effect"
import { AuthCredentials, AuthenticationMiddleware, Basic, CurrentUser, Password, requires, SimpleUser } from "effect-auth"

// --- users: an in-memory table; passwords are compared in constant time ---------------------------------------

interface Account {
  readonly password: string
  readonly scopes: ReadonlyArray<string>
}

export const accounts: Record<string, Account> = {
  alice: { password: "wonderland", scopes: ["authenticated", "admin"] },
  bob: { password: "builder", scopes: ["authenticated"] }
}

// the seed's BasicAuthBackend, with the password checked (the seed leaves it as a TODO)
export const BackendLive = Basic.layer({
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

// --- endpoints ----------------------------------------------------------------------------------------------------

const homepage = Effect.map(CurrentUser, (user) =>
  HttpServerResponse.text(user.isAuthenticated ? `hello, ${user.displayName}` : "hello, you"))

const dashboard = Effect.map(CurrentUser, (user) => HttpServerResponse.text(`dashboard of ${user.displayName}`))

const admin = Effect.map(CurrentUser, (user) => HttpServerResponse.text(`admin area, welcome ${user.displayName}`))

const account = Effect.map(CurrentUser, (user) => HttpServerResponse.text(`account of ${user.displayName}`))

const login = Effect.map(HttpServerRequest.ParsedSearchParams, (params) =>
  HttpServerResponse.text(
    `Log in with HTTP Basic credentials, then go back to ${params["next"] ?? "/"}\n`,
    { status: 200 }
  ))

// a websocket that greets the user and closes
const socket = Effect.gen(function*() {
  const user = yield* CurrentUser
  const upgraded = yield* HttpServerRequest.upgrade
  const write = yield* upgraded.writer
  yield* upgraded.runRaw(() => {}, {
    onOpen: Effect.ignore(Effect.zipRight(write(`hello, ${user.displayName}`), write(new Socket.CloseEvent(1000, "bye"))))
  }).pipe(Effect.ignore)
  return HttpServerResponse.empty()
}).pipe(Effect.scoped)

export const router = HttpRouter.empty.pipe(
  HttpRouter.get("/", homepage),
  HttpRouter.get("/dashboard", dashboard.pipe(requires(["authenticated", "admin"]))),
  HttpRouter.get("/admin", admin.pipe(requires("admin", { status: 404 }))),
  HttpRouter.get("/account", account.pipe(requires("authenticated", { redirect: "/login" }))),
  HttpRouter.get("/login", login),
  HttpRouter.get("/ws", socket.pipe(requires("authenticated")))
)

// authentication runs before routing, on every request and websocket upgrade
export const app = AuthenticationMiddleware(router)
