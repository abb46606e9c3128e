import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { check, findCycles, format, lineCount, maxLines, valueImports } from "../structure.js"

const graph = (edges: Record<string, ReadonlyArray<string>>) => new Map(Object.entries(edges))

describe("valueImports", () => {
  it("keeps value imports and re-exports, in order", () => {
    const text = [
      `import * as A from "./A.js"`,
      `import B from "./B.js"`,
      `import { c, type C } from "./C.js"`,
      `import "./D.js"`,
      `export * from "./E.js"`,
      `export * as F from "./F.js"`,
      `export { g } from "./G.js"`,
      `import H = require("./H.js")`
    ].join("\n")
    expect(valueImports("x.ts", text)).toEqual(
      ["./A.js", "./B.js", "./C.js", "./D.js", "./E.js", "./F.js", "./G.js", "./H.js"]
    )
  })

  it("ignores what binds nothing at run time", () => {
    const text = [
      `import type { A } from "./A.js"`,
      `import { type B, type B2 } from "./B.js"`,
      `export type { C } from "./C.js"`,
      `export { type D } from "./D.js"`,
      `export type * from "./E.js"`,
      `const f = () => import("./F.js")`,
      `type G = import("./G.js").G`
    ].join("\n")
    expect(valueImports("x.ts", text)).toEqual([])
  })
})

describe("findCycles", () => {
  it("finds none in a graph without circles", () => {
    expect(findCycles(graph({ a: ["b", "c"], b: ["c"], c: [] }))).toEqual([])
  })

  it("finds a circle of two and a module that imports itself", () => {
    expect(findCycles(graph({ a: ["b"], b: ["a"], c: ["c"], d: ["a"] }))).toEqual([["a", "b", "a"], ["c", "c"]])
  })

  it("names the shortest circle of a component, from its first module", () => {
    const cycles = findCycles(graph({ a: ["b"], b: ["c", "a"], c: ["d"], d: ["a"], e: [] }))
    expect(cycles).toEqual([["a", "b", "a"]])
  })

  it("reports each separate circle once", () => {
    const cycles = findCycles(graph({ x: ["y"], y: ["z"], z: ["x"], p: ["q"], q: ["p"] }))
    expect(cycles).toEqual([["p", "q", "p"], ["x", "y", "z", "x"]])
  })
})

describe("lineCount", () => {
  it("counts as wc -l does for a file that ends with a newline", () => {
    expect([lineCount(""), lineCount("a"), lineCount("a\n"), lineCount("a\nb"), lineCount("a\nb\n")]).toEqual([
      0,
      1,
      1,
      2,
      2
    ])
  })
})

describe("check", () => {
  const roots: Array<string> = []
  afterEach(() => {
    for (const root of roots.splice(0)) fs.rmSync(root, { recursive: true, force: true })
  })
  const workspace = (files: Record<string, string>): string => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "structure-"))
    roots.push(root)
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
      fs.writeFileSync(path.join(root, file), text)
    }
    return root
  }

  it("names the long modules and the value-level circles, across packages too", () => {
    const root = workspace({
      "packages/one/package.json": `{ "name": "one" }`,
      "packages/one/src/A.ts": `import * as B from "./internal/b.js"\nexport const a = B.b\n`,
      "packages/one/src/internal/b.ts": `import { a } from "../A.js"\nexport const b = () => a\n`,
      "packages/one/src/Long.ts": "export {}\n".repeat(maxLines + 1),
      "packages/one/src/Short.ts": "export {}\n".repeat(maxLines),
      "packages/two/package.json": `{ "name": "@scope/two" }`,
      "packages/two/src/index.ts": `export * as C from "./C.js"\n`,
      "packages/two/src/C.ts": `import { d } from "one/D"\nexport const c = 1\n`,
      "packages/one/src/D.ts": `import { C } from "@scope/two"\nexport const d = C\n`
    })
    const report = check(root)
    expect(report.oversized).toEqual([{ file: "packages/one/src/Long.ts", lines: maxLines + 1 }])
    expect(report.cycles).toEqual([
      ["packages/one/src/A.ts", "packages/one/src/internal/b.ts", "packages/one/src/A.ts"],
      ["packages/one/src/D.ts", "packages/two/src/index.ts", "packages/two/src/C.ts", "packages/one/src/D.ts"]
    ])
    expect(format(report).join("\n")).toContain(
      "packages/one/src/A.ts → packages/one/src/internal/b.ts → packages/one/src/A.ts"
    )
  })

  it("passes a circle closed only by types", () => {
    const root = workspace({
      "packages/one/package.json": `{ "name": "one" }`,
      "packages/one/src/A.ts": `import type { B } from "./B.js"\nexport const a = (b: B) => b\n`,
      "packages/one/src/B.ts": `import { a } from "./A.js"\nexport type B = string\nexport const b = a\n`
    })
    expect(check(root)).toEqual({ oversized: [], cycles: [] })
    expect(format(check(root))).toEqual([])
  })
})
