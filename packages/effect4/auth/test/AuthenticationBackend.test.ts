import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import {
  AuthCredentials,
  AuthenticationBackend,
  isRejectedCredentials,
  RejectedCredentials,
  SimpleUser,
  UnauthenticatedUser
} from "effect-auth"
import * as HttpServerRequest from "effect/http/HttpServerRequest"

const request = HttpServerRequest.fromWeb(new Request("http://localhost/"))

// a backend that answers a fixed result and counts its runs
const backend = (name: string, answer: "some" | "none" | "error", challenge?: string) => {
  const runs: Array<string> = []
  const authenticate = Effect.suspend(() => {
    runs.push(name)
    return answer === "some"
      ? Effect.succeed(Option.some([new AuthCredentials([name]), new SimpleUser(name)] as const))
      : answer === "none"
      ? Effect.succeedNone
      : Effect.fail(new RejectedCredentials({ message: `${name} refused` }))
  })
  return { runs, service: AuthenticationBackend.make(authenticate, { challenge }) }
}

// runs the backend a Layer provides, as the middleware would
const authenticateWith = (service: AuthenticationBackend.Service) =>
  Effect.gen(function*() {
    const provided = yield* AuthenticationBackend
    const result = yield* provided.authenticate.pipe(Effect.result)
    return { result, challenges: provided.challenges, anonymous: provided.anonymous }
  }).pipe(
    Effect.provide(AuthenticationBackend.layer(service)),
    Effect.provideService(HttpServerRequest.HttpServerRequest, request)
  )

describe("AuthenticationBackend.firstOf", () => {
  it.effect("the first Some wins and later backends do not run", () =>
    Effect.gen(function*() {
      const a = backend("a", "none"), b = backend("b", "some"), c = backend("c", "some")
      const { result } = yield* authenticateWith(AuthenticationBackend.firstOf(a.service, b.service, c.service))
      assert.strictEqual(
        result._tag === "Success" && Option.isSome(result.success) && result.success.value[1].identity,
        "b"
      )
      assert.deepStrictEqual([...a.runs, ...b.runs, ...c.runs], ["a", "b"])
    }))

  it.effect("None everywhere is anonymous", () =>
    Effect.gen(function*() {
      const { result } = yield* authenticateWith(
        AuthenticationBackend.firstOf(backend("a", "none").service, backend("b", "none").service)
      )
      assert.isTrue(result._tag === "Success" && Option.isNone(result.success))
    }))

  it.effect("an AuthenticationError stops the search: a later backend never masks it", () =>
    Effect.gen(function*() {
      const a = backend("a", "error"), b = backend("b", "some")
      const { result } = yield* authenticateWith(AuthenticationBackend.firstOf(a.service, b.service))
      assert.strictEqual(result._tag === "Failure" && result.failure.message, "a refused")
      assert.isTrue(result._tag === "Failure" && isRejectedCredentials(result.failure))
      assert.deepStrictEqual(b.runs, [])
    }))

  it.effect("every backend's challenge is offered, in order; none gives none", () =>
    Effect.gen(function*() {
      const { anonymous, challenges } = yield* authenticateWith(
        AuthenticationBackend.firstOf(
          backend("a", "none", "Basic realm=\"x\"").service,
          backend("b", "none").service,
          backend("c", "none", "Bearer").service
        )
      )
      assert.deepStrictEqual(challenges, ["Basic realm=\"x\"", "Bearer"])
      // the anonymous entry carries them joined, for requires' 401
      assert.strictEqual(anonymous.challenge, "Basic realm=\"x\", Bearer")
      const plain = yield* authenticateWith(AuthenticationBackend.make(Effect.succeedNone))
      assert.deepStrictEqual(plain.challenges, [])
      assert.isUndefined(plain.anonymous.challenge)
    }))
})

describe("AuthenticationBackend.make / layer / layerEffect", () => {
  it.effect("a challenge may be one string or several; the anonymous entry is made once", () =>
    Effect.gen(function*() {
      const one = AuthenticationBackend.make(Effect.succeedNone, { challenge: "Bearer" })
      assert.deepStrictEqual(one.challenges, ["Bearer"])
      const several = AuthenticationBackend.make(Effect.succeedNone, { challenge: ["Basic realm=\"a\"", "Bearer"] })
      assert.deepStrictEqual(several.challenges, ["Basic realm=\"a\"", "Bearer"])
      assert.isFalse(several.anonymous.user.isAuthenticated)
      assert.instanceOf(several.anonymous.user, UnauthenticatedUser)
      assert.deepStrictEqual(several.anonymous.credentials.scopes, [])
      // the layer from an authenticate effect, and the layer from a service, provide the same kind of value
      const fromEffect = yield* Effect.provide(
        AuthenticationBackend,
        AuthenticationBackend.layer(Effect.succeedNone, { challenge: "Bearer" })
      )
      assert.deepStrictEqual(fromEffect.challenges, ["Bearer"])
      const fromService = yield* Effect.provide(AuthenticationBackend, AuthenticationBackend.layer(one))
      assert.strictEqual(fromService, one)
    }))

  it.effect("layerEffect builds the backend once, from services it closes over", () =>
    Effect.gen(function*() {
      let builds = 0
      const layer = AuthenticationBackend.layerEffect(Effect.sync(() => {
        builds++
        return AuthenticationBackend.firstOf(backend("a", "none").service, backend("b", "some").service)
      }))
      const { result } = yield* Effect.gen(function*() {
        const provided = yield* AuthenticationBackend
        const first = yield* provided.authenticate.pipe(Effect.result)
        yield* provided.authenticate
        return { result: first }
      }).pipe(Effect.provide(layer), Effect.provideService(HttpServerRequest.HttpServerRequest, request))
      assert.strictEqual(
        result._tag === "Success" && Option.isSome(result.success) && result.success.value[1].identity,
        "b"
      )
      assert.strictEqual(builds, 1)
    }))
})
