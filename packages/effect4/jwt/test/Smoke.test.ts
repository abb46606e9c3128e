import { assert, it } from "@effect/vitest"

it("runs under Node 22", () => {
  assert.isTrue(Number(process.versions.node.split(".")[0]) >= 22)
})
