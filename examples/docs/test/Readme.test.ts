/**
 * The README, the pages of docs/ and the packages' READMEs teach by examples that compile: a TypeScript block that
 * names the file it comes from on its first line must stand in that file as it is, where the type-checker compiles it
 * and a test runs it; any other block is extracted by scripts/examples.ts to examples/docs/build/docs, which `tsc -b`
 * compiles (`pnpm test` and `pnpm check` extract before they compile). Their links to files of the repository must
 * lead somewhere; a package README is read on the registry's page, so its links are absolute.
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
// the shared core's, and each Effect line's (packages/effect3/auth, packages/effect4/auth, ...)
const packageReadmes = readdirSync(join(root, "packages")).sort()
  .flatMap((dir) =>
    /^effect\d+$/.test(dir) ? readdirSync(join(root, "packages", dir)).map((pkg) => `${dir}/${pkg}`) : [dir]
  )
  .map((pkg) => `packages/${pkg}/README.md`)
  .filter((page) => existsSync(join(root, page)))
const repository = "https://github.com/effect-auth/effect-auth"
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

for (const page of [...pages, ...packageReadmes]) {
  describe(page, () => {
    const markdown = read(page)

    it("has only TypeScript blocks, shell commands and text", () => {
      for (const fence of markdown.matchAll(/^```(\S*)$/gm)) {
        assert.include(["", "ts", "sh", "text"], fence[1], `a block of another language in ${page}`)
      }
    })

    let extracted = 0
    for (const block of blocksOf(markdown)) {
      const [first, ...rest] = block.split("\n")
      const path = /^\/\/ (\S+\.ts)$/.exec(first!)?.[1]
      if (path !== undefined) {
        it(`example from ${path} stands in that file, which tsc -b compiles`, () => {
          // the directories the projects of tsconfig.json include
          assert.match(path, /^(packages\/(effect\d+\/)?[^/]+\/(src|test|test-register)|examples\/[^/]+\/(src|test))\//)
          const source = readFileSync(join(root, path), "utf8")
          assert.include(source, rest.join("\n"))
        })
      } else {
        // scripts/examples.ts numbers a page's extracted blocks from 1, in order
        const file = `examples/docs/build/docs/${page.replace(/\.md$/, "").split("/").join(".")}.${++extracted}.ts`
        it(`example ${extracted} is compiled on its own, as ${file}`, () => {
          const isolated = file.replace("/docs/", "/docs/isolated/").replace(/([^/]+)\.ts$/, "$1/$1.ts")
          const compiled = [file, isolated].find((f) => existsSync(join(root, f)))
          assert.isDefined(compiled, `${file} is missing: run \`pnpm examples\``)
          assert.include(read(compiled!), block.replace(/\s+$/, ""))
        })
      }
    }

    if (packageReadmes.includes(page)) {
      it("links absolutely, to files of the repository that exist, as the registry's page shows it", () => {
        for (const [, target] of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
          assert.match(target!, /^https:\/\//, `${page} links to ${target}, which the registry's page cannot follow`)
          const file = new RegExp(`^${repository}/(?:blob|tree)/main/([^#]*)`).exec(target!)?.[1]
          if (file !== undefined) assert.isTrue(existsSync(join(root, file)), `${page} links to ${target}: no ${file}`)
        }
      })
    } else {
      it("links only to files that exist", () => {
        for (const target of linksOf(markdown)) {
          const file = normalize(join(root, dirname(page), target))
          assert.isTrue(existsSync(file), `${page} links to ${target}, which does not exist`)
        }
      })
    }
  })
}
