import { assert, it } from "@effect/vitest"
import { Effect } from "effect"
import * as HttpRouter from "effect/http/HttpRouter"

it.effect("runs on Effect 4 under Node 22", () =>
  Effect.sync(() => {
    assert.strictEqual(typeof HttpRouter.add, "function")
    assert.isTrue(Number(process.versions.node.split(".")[0]) >= 22)
  }))
