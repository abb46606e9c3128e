/**
 * What the registry shows of the three published packages: a version the CHANGELOG describes, a licence, where the
 * code lives, and exports that send consumers to the built JavaScript. And the install lines of the docs, which pin
 * every Effect package to the version this workspace is tested with (npm's `latest` is Effect 4).
 * examples/basic/test/Install.test.ts runs those lines.
 */
import { assert, describe, it } from "@effect/vitest"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const read = (file: string) => readFileSync(join(root, file), "utf8")
const json = (file: string) => JSON.parse(read(file))
const repository = "https://github.com/effect-auth/effect-auth"
const published = ["effect3/auth", "effect3/jwt", "effect3/sql", "effect4/auth", "effect4/jwt"]

// without the workspace's "source" condition, which points at src/*.ts
const withoutSource = (exports: unknown): unknown =>
  exports === null || typeof exports !== "object"
    ? exports
    : Object.fromEntries(
      Object.entries(exports).filter(([condition]) => condition !== "source").map(([k, v]) => [k, withoutSource(v)])
    )

describe("published packages", () => {
  // each line's latest section: `## 1.0.0` for the Effect 4 line, `## 0.3.0` for the Effect 3 line
  const changelogVersions = Array.from(
    read("CHANGELOG.md").matchAll(/^## (\d+)\.(\d+)\.(\d+)/gm),
    (m) => m.slice(1, 4).join(".")
  )

  for (const dir of published) {
    const pkg = json(`packages/${dir}/package.json`)
    describe(pkg.name, () => {
      it("has the version of its line's latest section of the CHANGELOG", () => {
        const major = pkg.version.split(".")[0]
        assert.strictEqual(pkg.version, changelogVersions.find((version) => version.split(".")[0] === major))
      })

      it("publishes to its line's dist-tag, for its line's Effect and Node", () => {
        // npm install effect effect-auth gives Effect 4 and the Effect 4 line; the Effect 3 line stays under effect3
        const effect4 = dir.startsWith("effect4/")
        assert.strictEqual(pkg.publishConfig.tag, effect4 ? "latest" : "effect3")
        assert.strictEqual(pkg.peerDependencies.effect, effect4 ? "^4.1.5" : "^3.22.4")
        assert.strictEqual(pkg.version.split(".")[0], effect4 ? "1" : "0")
        if (effect4) assert.strictEqual(pkg.engines.node, ">=22.19.0")
      })

      it("has a licence, its repository, homepage and issues, and a LICENSE file", () => {
        assert.strictEqual(pkg.license, "MIT")
        assert.isTrue(existsSync(join(root, "packages", dir, "LICENSE")))
        assert.strictEqual(read(`packages/${dir}/LICENSE`), read("LICENSE"))
        assert.deepStrictEqual(pkg.repository, {
          type: "git",
          url: `git+${repository}.git`,
          directory: `packages/${dir}`
        })
        assert.strictEqual(pkg.homepage, `${repository}/tree/main/packages/${dir}#readme`)
        assert.deepStrictEqual(pkg.bugs, { url: `${repository}/issues` })
      })

      it("publishes its exports without the workspace's source condition", () => {
        // the workspace resolves src/*.ts through "source" (vitest.shared.ts, tsconfig.base.json); a consumer whose
        // bundler honours "source" would get raw TypeScript, so `pnpm pack` writes publishConfig.exports instead
        assert.deepStrictEqual(pkg.publishConfig?.exports, withoutSource(pkg.exports))
        assert.notInclude(JSON.stringify(pkg.publishConfig.exports), "src/")
      })
    })
  }
})

describe("install lines", () => {
  // the versions the workspace is tested with
  const versions: Record<string, string> = {
    ...json("package.json").devDependencies,
    ...json("examples/basic/package.json").dependencies
  }
  const ours = new Set(published.map((dir) => json(`packages/${dir}/package.json`).name as string))
  const pages = [
    "README.md",
    ...readdirSync(join(root, "docs")).filter((name) => name.endsWith(".md")).map((name) => `docs/${name}`),
    ...published.map((dir) => `packages/${dir}/README.md`)
  ]
  const lines = pages.flatMap((page) =>
    Array.from(read(page).matchAll(/^npm install (.*)$/gm), (match) => ({ page, line: match[0] }))
  )

  it("are there: the core, JWTs, SQL and both its drivers, the test kit", () => {
    const named = lines.flatMap(({ line }) => line.split(/\s+/)).map((word) => word.replace(/(.)@.*$/, "$1"))
    for (const name of [...ours, "@effect/sql-sqlite-node", "@effect/sql-pg", "@effect/vitest", "vitest"]) {
      assert.include(named, name, `no install line names ${name}`)
    }
  })

  // the Effect 4 packages the workspace tests with: what an unpinned line gets from npm today
  const effect4 = Object.fromEntries(
    ["packages/effect4/package.json", "packages/effect4/auth/package.json", "packages/effect4/jwt/package.json"]
      .flatMap((file) => Object.entries({ ...json(file).dependencies, ...json(file).devDependencies }))
  ) as Record<string, string>
  const effect3Version = json("packages/effect3/auth/package.json").version as string

  it("Effect 3 lines pin every package: ours to the 0.x line, the rest to the version the workspace uses", () => {
    // a line without a single pin is an Effect 4 line: npm's defaults are the Effect 4 line (next test)
    for (const { line, page } of lines) {
      const words = line.replace(/#.*$/, "").trim().split(/\s+/).slice(2).filter((word) => !word.startsWith("-"))
      if (words.every((word) => word.lastIndexOf("@") <= 0)) continue
      for (const word of words) {
        const at = word.lastIndexOf("@")
        const [name, version] = at > 0 ? [word.slice(0, at), word.slice(at + 1)] : [word, undefined]
        if (ours.has(name)) {
          // effect-auth@0.3: npm's latest of our names is the Effect 4 line
          assert.isTrue(version !== undefined && effect3Version.startsWith(`${version}.`), `${page}: ${line}`)
          continue
        }
        assert.isDefined(versions[name], `${page}: ${name} is not a dependency of the workspace: ${line}`)
        assert.strictEqual(version, versions[name], `${page}: ${name} is not pinned to ${versions[name]}: ${line}`)
      }
    }
  })

  it("Effect 4 lines name only packages the Effect 4 line is tested with", () => {
    const unpinned = lines.filter(({ line }) =>
      line.replace(/#.*$/, "").trim().split(/\s+/).slice(2).every((word) => word.lastIndexOf("@") <= 0)
    )
    assert.isNotEmpty(unpinned)
    for (const { line, page } of unpinned) {
      const words = line.replace(/#.*$/, "").trim().split(/\s+/).slice(2).filter((word) => !word.startsWith("-"))
      for (const name of words) {
        if (ours.has(name)) continue
        assert.isDefined(effect4[name], `${page}: ${name} is not a dependency of the Effect 4 packages: ${line}`)
      }
    }
  })
})
