/**
 * docs/testing.md: a handler with a rule about a user's own data, and an HttpApi app's Layer without its backend;
 * examples/docs/test/Testing.test.ts runs them with the test kit.
 */
import { HttpApiBuilder, HttpRouter, HttpServerResponse } from "@effect/platform"
import { Effect, Layer } from "effect"
import { CurrentUser, Policy, requires, SimpleUser } from "effect-auth"
import * as HttpApiAuthentication from "effect-auth/HttpApiAuthentication"
import { Api, Authentication, NotesLive } from "./HttpApi.js"

// the app's own users, and who wrote which post
export const alice = new SimpleUser("alice")
export const bob = new SimpleUser("bob")
export const authors: Readonly<Record<string, string>> = { "1": "alice", "2": "bob" }

// editors may edit their own posts: the policy reads the user and the route's `:id`
const ownsThePost = Policy.check(
  "owns the post",
  Effect.zipWith(CurrentUser, HttpRouter.params, (user, params) => authors[params["id"] ?? ""] === user.identity)
)

export const editPost = HttpServerResponse.text("saved").pipe(requires(Policy.all(Policy.scope("editor"), ownsThePost)))

export const postsRouter = HttpRouter.empty.pipe(HttpRouter.put("/posts/:id", editPost))

// docs/testing.md, "Testing an HttpApi app": the API of docs/httpapi.md as HttpApiBuilder.serve() is given it, but
// without its backend, for Testing.accessTable to build around each principal
export const ApiWithoutBackend = HttpApiBuilder.api(Api).pipe(
  Layer.provide(NotesLive),
  Layer.provide(HttpApiAuthentication.layer(Authentication, Api))
)
