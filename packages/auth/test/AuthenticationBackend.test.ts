import { HttpServerRequest } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import type { Layer } from "effect"
import { Effect, Option } from "effect"
import {
  AuthCredentials,
  AuthenticationBackend,
  AuthenticationChallenge,
  AuthenticationError,
  SimpleUser
} from "effect-auth"

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
      : Effect.fail(new AuthenticationError({ message: `${name} refused` }))
  })
  return { runs, layer: AuthenticationBackend.layer(authenticate, { challenge }) }
}

const authenticateWith = (layer: Layer.Layer<AuthenticationBackend>) =>
  Effect.gen(function*() {
    const authenticate = yield* AuthenticationBackend
    const challenges = yield* AuthenticationChallenge
    const result = yield* authenticate.pipe(Effect.either)
    return { result, challenges }
  }).pipe(Effect.provide(layer), Effect.provideService(HttpServerRequest.HttpServerRequest, request))

describe("AuthenticationBackend.firstOf", () => {
  it.effect("the first Some wins and later backends do not run", () =>
    Effect.gen(function*() {
      const a = backend("a", "none"), b = backend("b", "some"), c = backend("c", "some")
      const { result } = yield* authenticateWith(AuthenticationBackend.firstOf(a.layer, b.layer, c.layer))
      assert.strictEqual(result._tag === "Right" && Option.isSome(result.right) && result.right.value[1].identity, "b")
      assert.deepStrictEqual([...a.runs, ...b.runs, ...c.runs], ["a", "b"])
    }))

  it.effect("None everywhere is anonymous", () =>
    Effect.gen(function*() {
      const { result } = yield* authenticateWith(AuthenticationBackend.firstOf(backend("a", "none").layer, backend("b", "none").layer))
      assert.isTrue(result._tag === "Right" && Option.isNone(result.right))
    }))

  it.effect("an AuthenticationError stops the search: a later backend never masks it", () =>
    Effect.gen(function*() {
      const a = backend("a", "error"), b = backend("b", "some")
      const { result } = yield* authenticateWith(AuthenticationBackend.firstOf(a.layer, b.layer))
      assert.strictEqual(result._tag === "Left" && result.left.message, "a refused")
      assert.deepStrictEqual(b.runs, [])
    }))

  it.effect("every backend's challenge is offered, in order; none gives none", () =>
    Effect.gen(function*() {
      const { challenges } = yield* authenticateWith(
        AuthenticationBackend.firstOf(backend("a", "none", "Basic realm=\"x\"").layer, backend("b", "none").layer, backend("c", "none", "Bearer").layer)
      )
      assert.deepStrictEqual(challenges, ["Basic realm=\"x\"", "Bearer"])
      const plain = yield* authenticateWith(AuthenticationBackend.layer(Effect.succeedNone))
      assert.deepStrictEqual(plain.challenges, [])
    }))
})
