/**
 * docs/requiring-scopes.md and docs/websockets.md: each excerpt there stands in this file, and
 * examples/docs/test/Requires.test.ts serves it through a real server.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse, Socket } from "@effect/platform"
import { Effect } from "effect"
import { AuthenticationMiddleware, CurrentUser, requires } from "effect-auth"

// --- requiring scopes ----------------------------------------------------------------------------------------------

const page = (name: string) => HttpServerResponse.text(name)

export const pagesRouter = HttpRouter.empty.pipe(
  // one scope (a string is one scope, never split), or all of several
  HttpRouter.get("/dashboard", page("dashboard").pipe(requires(["authenticated", "admin"]))),
  // hidden: those who may not see it get the router's own 404 for a path that does not exist
  HttpRouter.get("/internal", page("internal").pipe(requires("admin", { status: 404 }))),
  // sent to log in, with `next` (the path and query asked for) added to the target's query
  HttpRouter.get("/settings", page("settings").pipe(requires("authenticated", { redirect: "/login?via=docs" }))),
  // always 403, even for an anonymous request to a backend with a challenge
  HttpRouter.get("/billing", page("billing").pipe(requires("billing", { status: 403 })))
)

// per method: guard each method's handler; reading is open to every signed-in user, writing to editors
export const articleRouter = HttpRouter.empty.pipe(
  HttpRouter.get("/articles/:id", page("article").pipe(requires("authenticated"))),
  HttpRouter.put("/articles/:id", page("saved").pipe(requires(["authenticated", "editor"]))),
  HttpRouter.del("/articles/:id", page("deleted").pipe(requires("admin", { status: 404 })))
)

export const requiresApp = AuthenticationMiddleware(HttpRouter.concat(pagesRouter, articleRouter))

// --- websockets ------------------------------------------------------------------------------------------------------

// greets the user and closes; the middleware ran on the upgrade request, so CurrentUser is there
const greet = Effect.gen(function*() {
  const user = yield* CurrentUser
  const socket = yield* HttpServerRequest.upgrade
  const write = yield* socket.writer
  yield* socket.runRaw(() => {}, {
    onOpen: Effect.ignore(Effect.zipRight(write(`hello, ${user.displayName}`), write(new Socket.CloseEvent(1000))))
  }).pipe(Effect.ignore)
  return HttpServerResponse.empty()
}).pipe(Effect.scoped)

export const socketsRouter = HttpRouter.empty.pipe(
  // a denied handshake is refused with the HTTP status (401 with a challenge, 403, 404)
  HttpRouter.get("/ws", greet.pipe(requires("authenticated"))),
  // for browsers, which cannot read a refused handshake's status: accepted, then closed with 1008 "Forbidden"
  HttpRouter.get("/ws/browser", greet.pipe(requires("authenticated", { websocket: "close" })))
)

export const socketsApp = AuthenticationMiddleware(socketsRouter)
