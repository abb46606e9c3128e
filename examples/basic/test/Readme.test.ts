/**
 * The README teaches by examples that run: each TypeScript block names the file it comes from on its first line, and
 * must stand in that file as it is, where the type-checker compiles it and a test runs it.
 */
import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const readme = readFileSync(`${root}README.md`, "utf8")
const blocks = Array.from(readme.matchAll(/```ts\n([\s\S]*?)\n```/g), (match) => match[1]!)

describe("README", () => {
  it("has its quick start: two commands, one that starts the app and one that tests", () => {
    const quickStart = readme.split("## Quick start")[1]!
    const commands = /```sh\n([\s\S]*?)\n```/.exec(quickStart)![1]!.split("\n")
    assert.strictEqual(commands.length, 2)
    assert.match(commands[0]!, /pnpm@10\.20\.0 start$/)
    assert.match(commands[1]!, /pnpm@10\.20\.0 test$/)
  })

  it("has TypeScript examples", () => {
    assert.isAbove(blocks.length, 10)
  })

  for (const block of blocks) {
    const [first, ...rest] = block.split("\n")
    const path = /^\/\/ (\S+\.ts)$/.exec(first!)?.[1]
    it(`example from ${path ?? "?"} stands in that file`, () => {
      assert.isDefined(path, `a README example does not name its file: ${first}`)
      const source = readFileSync(`${root}${path}`, "utf8")
      assert.include(source, rest.join("\n"))
    })
  }
})
