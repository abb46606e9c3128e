import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  AuthCredentials,
  AuthenticationBackend,
  AuthenticationMiddleware,
  CurrentAuthentication,
  CurrentCredentials,
  CurrentUser,
  SimpleUser,
  UnauthenticatedUser
} from "effect-auth"
import { Authentication } from "effect-auth/CurrentUser"
import { request, serve } from "effect-auth/NodeTesting"
import type { RequestUser } from "effect-auth/User"
import * as HttpServerResponse from "effect/http/HttpServerResponse"

describe("CurrentUser and CurrentCredentials", () => {
  it.effect("read the request's authentication", () =>
    Effect.gen(function*() {
      const credentials = new AuthCredentials(["read"], { method: "basic" })
      const authentication = new Authentication(new SimpleUser("alice"), credentials, "Basic")
      const [user, granted] = yield* Effect.all([CurrentUser, CurrentCredentials]).pipe(
        Effect.provideService(CurrentAuthentication, authentication)
      )
      assert.strictEqual(user, authentication.user)
      assert.strictEqual(granted, credentials)
    }))

  it.effect("without an authentication, the user is anonymous and no scope is granted", () =>
    Effect.gen(function*() {
      // the types ask for the middleware; at run time a missing entry reads as anonymous
      const user = yield* (CurrentUser as Effect.Effect<RequestUser>)
      const credentials = yield* (CurrentCredentials as Effect.Effect<AuthCredentials>)
      assert.instanceOf(user, UnauthenticatedUser)
      assert.deepStrictEqual(credentials.scopes, [])
    }))

  it.effect("CurrentAuthentication holds the user, the credentials and the challenge together", () =>
    Effect.gen(function*() {
      const authentication = new Authentication(new UnauthenticatedUser(), new AuthCredentials(), undefined)
      const read = yield* Effect.provideService(CurrentAuthentication, CurrentAuthentication, authentication)
      assert.strictEqual(read, authentication)
      assert.isUndefined(read.challenge)
    }))

  it.effect("in a server, behind the middleware: each request reads the user its backend answered", () =>
    Effect.gen(function*() {
      const backend = AuthenticationBackend.make(
        Effect.succeedSome([new AuthCredentials(["read"]), new SimpleUser("alice")] as const)
      )
      const app = AuthenticationMiddleware(
        Effect.zipWith(
          CurrentUser,
          CurrentCredentials,
          (user, credentials) => HttpServerResponse.text(`${user.displayName}:${credentials.scopes.join(",")}`)
        )
      )
      const url = yield* serve(app).pipe(Effect.provideService(AuthenticationBackend, backend))
      const reply = yield* request(url)
      assert.strictEqual(reply.status, 200)
      assert.strictEqual(reply.body, "alice:read")
    }))
})
