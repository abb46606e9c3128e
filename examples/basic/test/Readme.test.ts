/**
 * The README and the pages of docs/ teach by examples that run: each TypeScript block names the file it comes from
 * on its first line, and must stand in that file as it is, where the type-checker compiles it and a test runs it.
 * Their links to files of the repository must lead somewhere.
 */
import { assert, describe, it } from "@effect/vitest"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join, normalize } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const pages = [
  "README.md",
  ...readdirSync(join(root, "docs")).filter((name) => name.endsWith(".md")).sort().map((name) => `docs/${name}`)
]
const read = (page: string) => readFileSync(join(root, page), "utf8")

const blocksOf = (markdown: string) => Array.from(markdown.matchAll(/```ts\n([\s\S]*?)\n```/g), (match) => match[1]!)

// relative links, without their #fragment: [text](path) where path is not a URL
const linksOf = (markdown: string) =>
  Array.from(markdown.matchAll(/\]\(([^)\s]+)\)/g), (match) => match[1]!)
    .filter((target) => !/^[a-z]+:/.test(target) && !target.startsWith("#"))
    .map((target) => target.split("#")[0]!)

describe("README", () => {
  const readme = read("README.md")

  it("has its quick start: two commands, one that starts the app and one that tests", () => {
    const quickStart = readme.split("## Quick start")[1]!
    const commands = /```sh\n([\s\S]*?)\n```/.exec(quickStart)![1]!.split("\n")
    assert.deepStrictEqual(commands, [
      "npx -y pnpm@10.20.0 install && npx -y pnpm@10.20.0 start",
      "npx -y pnpm@10.20.0 install && npx -y pnpm@10.20.0 test"
    ])
  })

  it("has TypeScript examples, and so do the docs", () => {
    assert.isAtLeast(blocksOf(readme).length, 2)
    assert.isAtLeast(pages.slice(1).flatMap((page) => blocksOf(read(page))).length, 20)
  })
})

for (const page of pages) {
  describe(page, () => {
    const markdown = read(page)

    it("has only TypeScript blocks that name their file, and no other kind of script", () => {
      for (const fence of markdown.matchAll(/^```(\S*)$/gm)) {
        assert.include(["", "ts", "sh", "text"], fence[1], `a block of another language in ${page}`)
      }
    })

    for (const block of blocksOf(markdown)) {
      const [first, ...rest] = block.split("\n")
      const path = /^\/\/ (\S+\.ts)$/.exec(first!)?.[1]
      it(`example from ${path ?? "?"} stands in that file`, () => {
        assert.isDefined(path, `an example in ${page} does not name its file: ${first}`)
        const source = readFileSync(join(root, path!), "utf8")
        assert.include(source, rest.join("\n"))
      })
    }

    it("links only to files that exist", () => {
      for (const target of linksOf(markdown)) {
        const file = normalize(join(root, dirname(page), target))
        assert.isTrue(existsSync(file), `${page} links to ${target}, which does not exist`)
      }
    })
  })
}
