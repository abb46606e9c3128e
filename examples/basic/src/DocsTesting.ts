/**
 * docs/testing.md: a handler with a rule about a user's own data; examples/basic/test/DocsTesting.test.ts
 * runs it with the test kit.
 */
import { HttpRouter, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { CurrentUser, Policy, requires, SimpleUser } from "effect-auth"

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
