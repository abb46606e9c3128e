/**
 * The reliability client of the shared spec (`@effect-auth/specs/Reliability`, plain Node), as effects of this line:
 * a request is interrupted by destroying it, a kept-alive agent lives as long as its scope.
 */
import type { KeptReply, SendInit } from "@effect-auth/specs/Reliability"
import * as Reliability from "@effect-auth/specs/Reliability"
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { Agent } from "node:http"

export { heapAfterGc, interleaved, type KeptReply, userNames } from "@effect-auth/specs/Reliability"

/** A keep-alive `http.Agent` of at most `maxSockets` connections for the life of the scope. */
export const keepAliveAgent = (maxSockets = 50): Effect.Effect<Agent, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => Reliability.keepAliveAgent(maxSockets)),
    (agent) => Effect.sync(() => agent.destroy())
  )

/**
 * A request with `node:http` (any method, headers of any size, a body of any size), through `agent` (a new
 * connection when it is `false`). A connection the server breaks is a failure with the error's code, not a defect;
 * interrupting it destroys the request.
 */
export const send = (url: string, init: SendInit = {}): Effect.Effect<KeptReply, string> =>
  Effect.callback<KeptReply, string>((resume) => {
    const controller = new AbortController()
    Reliability.send(url, init, controller.signal).then(
      (reply) => resume(Effect.succeed(reply)),
      (code: string) => resume(Effect.fail(code))
    )
    return Effect.sync(() => controller.abort())
  })

/** {@link send} through `agent`, a GET: a broken connection is a defect here (the tests expect none). */
export const get = (agent: Agent, url: string, headers: Record<string, string> = {}): Effect.Effect<KeptReply> =>
  Effect.orDie(send(url, { agent, headers }))
