/**
 * Extracts every ```ts block of a JSDoc `@example` in `packages/<pkg>/src/**\/*.ts` (not `src/internal`) to
 * `packages/<pkg>/build/examples/<Module>.<n>.ts`, for `tsc -b` to type-check through the package's
 * `tsconfig.examples.json`.
 *
 * Likewise every ```ts block of README.md, docs/*.md and packages/*\/README.md that does not name a source file on its
 * first line (`// examples/basic/src/App.ts`: such a block is an excerpt, checked to stand in that file by
 * examples/docs/test/Readme.test.ts, and compiled there) goes to `examples/docs/build/docs/<page>.<n>.ts`, compiled
 * through `examples/docs/tsconfig.docs.json`: examples/docs depends on every package a reader imports. A block that
 * cannot stand alone is fenced ```ts no-compile, with the reason after it; keep those rare.
 *
 * Deterministic: the same sources give the same files, unchanged files are not rewritten (so `tsc -b` stays
 * incremental) and files no longer extracted are deleted.
 *
 * An example that declares a module augmentation (`declare module "…"`, `declare global`, e.g. to register the app's
 * user type) would change how every other example type-checks, so it gets a project of its own, under
 * `build/examples/isolated/<Module>.<n>/`, that extends `tsconfig.examples.json`.
 *
 * Fails (exit 1) on an `@example` with no ```ts block, an unclosed fence, a ```ts no-compile without a reason, or a
 * project whose `tsconfig.json` does not reference its examples' config and `isolated` directory: an example that is
 * not compiled would go unnoticed.
 *
 * Run: `tsx scripts/examples.ts` (done by `pnpm check` and `pnpm test` before `tsc -b`).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"
import { packageDirs } from "./packageDirs.js"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const packagesDir = path.join(root, "packages")
const outSubdir = path.join("build", "examples")

interface Example {
  /** the module's path under `src`, without `.ts`, with `/` as `.`: `Session`, `Foo.Bar` */
  readonly module: string
  /** the source file, relative to the repository's root */
  readonly source: string
  /** 1-based line, in the source file, of the block's first line of code */
  readonly line: number
  readonly code: string
}

const problems: Array<string> = []

const toPosix = (p: string): string => p.split(path.sep).join("/")

/** The `.ts` files under `dir`, sorted, except `.d.ts` files and any `internal` directory. */
const sourceFiles = (dir: string): Array<string> => {
  const out: Array<string> = []
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => compare(a.name, b.name))) {
      const full = path.join(d, entry.name)
      if (entry.isDirectory()) {
        if (entry.name !== "internal" && entry.name !== "node_modules") walk(full)
      } else if (entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
        out.push(full)
      }
    }
  }
  walk(dir)
  return out
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Every `/** … *\/` comment of a file, with its start offset: the leading comments of every token of the parsed file,
 * so that `/**` inside a string or a template literal is not taken for a comment.
 */
const jsDocComments = (text: string, fileName: string): Array<{ readonly pos: number; readonly text: string }> => {
  const sourceFile = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const seen = new Map<number, string>()
  const visit = (node: ts.Node): void => {
    for (const range of ts.getLeadingCommentRanges(text, node.pos) ?? []) {
      const comment = text.slice(range.pos, range.end)
      if (range.kind === ts.SyntaxKind.MultiLineCommentTrivia && comment.startsWith("/**") && comment !== "/**/") {
        seen.set(range.pos, comment)
      }
    }
    for (const child of node.getChildren(sourceFile)) visit(child)
  }
  visit(sourceFile)
  return [...seen.entries()].sort(([a], [b]) => a - b).map(([pos, text]) => ({ pos, text }))
}

const lineOf = (text: string, pos: number): number => text.slice(0, pos).split("\n").length

/** The comment's lines without the `/**`, `*\/` and the leading `* `, each with its 1-based line in the file. */
const commentLines = (comment: string, firstLine: number): Array<{ readonly line: number; readonly text: string }> => {
  const body = comment.slice(3, -2)
  return body.split("\n").map((raw, i) => {
    let text = raw.replace(/\r$/, "")
    const star = /^\s*\*( ?)/.exec(text)
    if (star !== null) text = text.slice(star[0].length)
    else if (i === 0) text = text.replace(/^ /, "")
    return { line: firstLine + i, text }
  })
}

const fenceOpen = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)(.*)$/
const tsLanguages = new Set(["ts", "typescript", "mts", "cts", "tsx"])

const examplesOf = (file: string, srcDir: string): Array<Example> => {
  const text = fs.readFileSync(file, "utf8")
  const source = toPosix(path.relative(root, file))
  const module = toPosix(path.relative(srcDir, file)).replace(/\.ts$/, "").split("/").join(".")
  const examples: Array<Example> = []
  for (const comment of jsDocComments(text, file)) {
    const lines = commentLines(comment.text, lineOf(text, comment.pos))
    // The comment's tags: a tag starts at a line beginning with `@word`, outside a code fence.
    let tag: { readonly name: string; readonly line: number; blocks: number } | undefined
    let fence:
      | { readonly marker: string; readonly indent: number; readonly ts: boolean; readonly line: number }
      | undefined
    let code: Array<string> = []
    const closeTag = (): void => {
      if (tag !== undefined && tag.name === "example" && tag.blocks === 0) {
        problems.push(`${source}:${tag.line}: @example has no \`\`\`ts block`)
      }
    }
    for (const { line, text: l } of lines) {
      if (fence === undefined) {
        const tagMatch = /^\s*@(\w+)/.exec(l)
        if (tagMatch !== null) {
          closeTag()
          tag = { name: tagMatch[1]!, line, blocks: 0 }
          continue
        }
        const open = fenceOpen.exec(l)
        if (open !== null) {
          fence = {
            marker: open[2]!,
            indent: open[1]!.length,
            ts: tsLanguages.has(open[3]!.toLowerCase()),
            line
          }
          code = []
        }
      } else {
        const close = new RegExp(`^\\s*${fence.marker[0] === "`" ? "`" : "~"}{${fence.marker.length},}\\s*$`)
        if (close.test(l)) {
          // other languages (```text for an output, say) are left alone, and a ```ts block is still required
          if (tag !== undefined && tag.name === "example" && fence.ts) {
            tag.blocks++
            examples.push({ module, source, line: fence.line + 1, code: code.join("\n") })
          }
          fence = undefined
        } else {
          // drop the fence's own indentation, as Markdown does
          const indent = /^ */.exec(l)![0].length
          code.push(l.slice(Math.min(indent, fence.indent)))
        }
      }
    }
    if (fence !== undefined) problems.push(`${source}:${fence.line}: unclosed code fence`)
    closeTag()
  }
  return examples
}

/** An extracted example as a module: a header that maps lines back, then the code, then `export {}` if needed. */
const render = (example: Example, parsed: ts.SourceFile): string => {
  const header = [`// Extracted from ${example.source} by scripts/examples.ts: do not edit.`, "", ""]
  // line L of this file is line L + offset of the source
  const offset = example.line - 1 - header.length
  header[1] = `// Line L of this file is line L + ${offset} of ${example.source}.`
  const isModule = parsed.statements.some((s) =>
    ts.isImportDeclaration(s) || ts.isImportEqualsDeclaration(s) || ts.isExportDeclaration(s) ||
    ts.isExportAssignment(s) ||
    (ts.canHaveModifiers(s) && (ts.getModifiers(s) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword))
  )
  return [...header, example.code.replace(/\s+$/, ""), ...(isModule ? [] : ["", "export {}"]), ""].join("\n")
}

/**
 * Whether an example changes types beyond itself (`declare module "…"`, `declare global`): such an example, e.g. one
 * registering the app's user type, would change how every other example of the same program type-checks, so it gets
 * a project of its own.
 */
const augments = (parsed: ts.SourceFile): boolean =>
  parsed.statements.some((s) => ts.isModuleDeclaration(s) && (ts.isStringLiteral(s.name) || s.name.text === "global"))

const readConfig = (file: string): any => {
  const { config, error } = ts.readConfigFile(file, ts.sys.readFile)
  if (error !== undefined) {
    problems.push(`${toPosix(path.relative(root, file))}: ${ts.flattenDiagnosticMessageText(error.messageText, "\n")}`)
    return {}
  }
  return config
}

/** The absolute paths of the projects a tsconfig references (a directory stands for its tsconfig.json). */
const referencedProjects = (file: string): Array<string> =>
  ((readConfig(file).references ?? []) as ReadonlyArray<{ path?: unknown }>)
    .filter((r): r is { path: string } => typeof r.path === "string")
    .map((r) => {
      const p = path.resolve(path.dirname(file), r.path)
      return p.endsWith(".json") ? p : path.join(p, "tsconfig.json")
    })

const json = (value: unknown): string => JSON.stringify(value, null, 2) + "\n"

const summary: Array<string> = []
let total = 0
let written = 0
let unchanged = 0
let removed = 0

/**
 * Writes `examples` as modules under `outDir` (those that augment a module in projects of their own, under
 * `isolated/`), for `examplesConfig` to compile; `projectDir`'s tsconfig.json must reference both.
 */
const emit = (options: {
  readonly label: string
  readonly projectDir: string
  readonly outDir: string
  readonly examplesConfig: string
  /** the tsconfig.json that must reference the examples' projects (solution-style: `files: []`) */
  readonly referencedBy: string
  readonly examples: ReadonlyArray<Example>
}): void => {
  const { examples, examplesConfig, label, outDir, projectDir, referencedBy } = options
  const isolatedDir = path.join(outDir, "isolated")
  const hasConfig = fs.existsSync(examplesConfig)
  const configName = toPosix(path.relative(projectDir, examplesConfig))
  if (examples.length > 0 && !hasConfig) {
    problems.push(`${label}: has ${examples.length} example(s) but no ${configName}`)
  }
  if (hasConfig) {
    const referenced = referencedProjects(referencedBy)
    for (const project of [examplesConfig, path.join(isolatedDir, "tsconfig.json")]) {
      if (!referenced.includes(project)) {
        problems.push(
          `${toPosix(path.relative(root, referencedBy))}: does not reference ${
            toPosix(path.relative(path.dirname(referencedBy), project))
          }`
        )
      }
    }
  }

  // What the output directory should hold: path relative to it -> content.
  const files = new Map<string, string>()
  const counts = new Map<string, number>()
  const isolated: Array<string> = []
  for (const example of examples) {
    const n = (counts.get(example.module) ?? 0) + 1
    counts.set(example.module, n)
    const name = `${example.module}.${n}`
    const parsed = ts.createSourceFile(`${name}.ts`, example.code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
    if (augments(parsed)) {
      isolated.push(name)
      files.set(`isolated/${name}/${name}.ts`, render(example, parsed))
    } else {
      files.set(`${name}.ts`, render(example, parsed))
    }
  }
  const buildDir = path.dirname(outDir)
  const configBase = path.basename(examplesConfig, ".json")
  if (hasConfig) {
    if (![...files.keys()].some((f) => !f.includes("/"))) {
      // tsc fails on a project with no input: keep one empty module
      files.set("_none.ts", "// No shared example here (scripts/examples.ts).\nexport {}\n")
    }
    // A project per isolated example, with the settings and references of the examples' config.
    const references = referencedProjects(examplesConfig)
    const isolatedBuildInfo = (name: string): string => path.join(buildDir, `${configBase}.${name}.tsbuildinfo`)
    for (const name of isolated) {
      const dir = path.join(isolatedDir, name)
      const rel = (p: string): string => toPosix(path.relative(dir, p))
      files.set(
        `isolated/${name}/tsconfig.json`,
        json({
          extends: rel(examplesConfig),
          files: [`${name}.ts`],
          include: [],
          references: references.map((p) => ({ path: rel(p) })),
          compilerOptions: { rootDir: ".", tsBuildInfoFile: rel(isolatedBuildInfo(name)) }
        })
      )
    }
    // Always there, as the project's tsconfig.json references it; never empty (tsc refuses that), so it names the
    // shared project too.
    files.set(
      "isolated/tsconfig.json",
      json({
        files: [],
        references: [
          { path: toPosix(path.relative(isolatedDir, examplesConfig)) },
          ...isolated.map((name) => ({ path: name }))
        ]
      })
    )
  }

  // Delete what is stale, then write what changed. Whether a file came or went: tsc -b would then reuse diagnostics
  // of the files that stayed, which a removed module augmentation may have changed.
  let membershipChanged = false
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) {
        walk(full)
        if (fs.readdirSync(full).length === 0) fs.rmdirSync(full)
      } else if (!files.has(toPosix(path.relative(outDir, full)))) {
        fs.rmSync(full, { force: true })
        membershipChanged = true
        removed++
      }
    }
  }
  if (fs.existsSync(outDir)) walk(outDir)
  for (const [name, content] of files) {
    const file = path.join(outDir, name)
    if (fs.existsSync(file) && fs.readFileSync(file, "utf8") === content) {
      unchanged++
    } else {
      if (!fs.existsSync(file)) membershipChanged = true
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, content)
      written++
    }
  }
  if (membershipChanged && hasConfig) {
    // a fresh check of these examples: drop their incremental state
    const shared = readConfig(examplesConfig).compilerOptions?.tsBuildInfoFile
    if (typeof shared === "string") fs.rmSync(path.resolve(projectDir, shared), { force: true })
    if (fs.existsSync(buildDir)) {
      const isolatedInfo = new RegExp(`^${configBase.replace(/\./g, "\\.")}\\..+\\.tsbuildinfo$`)
      for (const name of fs.readdirSync(buildDir)) {
        if (isolatedInfo.test(name)) fs.rmSync(path.join(buildDir, name), { force: true })
      }
    }
  }
  total += examples.length
  if (examples.length > 0) {
    summary.push(
      `${label}: ${examples.length}${isolated.length > 0 ? `, ${isolated.length} in a project of its own` : ""}`
    )
  }
}

for (const pkg of packageDirs(packagesDir)) {
  const pkgDir = path.join(packagesDir, pkg)
  const srcDir = path.join(pkgDir, "src")
  if (!fs.existsSync(srcDir) || !fs.statSync(srcDir).isDirectory()) continue
  emit({
    label: `packages/${pkg}`,
    projectDir: pkgDir,
    outDir: path.join(pkgDir, outSubdir),
    examplesConfig: path.join(pkgDir, "tsconfig.examples.json"),
    referencedBy: path.join(pkgDir, "tsconfig.json"),
    examples: sourceFiles(srcDir).flatMap((file) => examplesOf(file, srcDir))
  })
}

// --- the Markdown pages ---

/** The pages whose ```ts blocks are compiled: README.md, docs/*.md, packages/*\/README.md. */
const pages = (): Array<string> => [
  "README.md",
  ...fs.readdirSync(path.join(root, "docs")).filter((name) => name.endsWith(".md")).sort(compare).map((name) =>
    `docs/${name}`
  ),
  ...packageDirs(packagesDir).map((pkg) => `packages/${pkg}/README.md`).filter((page) =>
    fs.existsSync(path.join(root, page))
  )
]

/** A first line that names the source file the block is an excerpt of. */
const namesSource = /^\/\/ (\S+\.ts)$/

/** The ```ts blocks of a page that name no source file, except those fenced ```ts no-compile (with a reason). */
const blocksOf = (page: string): Array<Example> => {
  const text = fs.readFileSync(path.join(root, page), "utf8")
  const module = page.replace(/\.md$/, "").split("/").join(".")
  const examples: Array<Example> = []
  let fence:
    | { readonly marker: string; readonly ts: boolean; readonly line: number; readonly skip: boolean }
    | undefined
  let code: Array<string> = []
  text.split("\n").forEach((raw, i) => {
    const l = raw.replace(/\r$/, "")
    if (fence === undefined) {
      // an indented fence (in a list) is a block too, as Readme.test.ts counts them
      const open = /^\s*(`{3,}|~{3,})\s*([\w-]*)\s*(.*)$/.exec(l)
      if (open !== null) {
        const ts = tsLanguages.has(open[2]!.toLowerCase())
        const skip = ts && open[3]!.startsWith("no-compile")
        if (skip && open[3]!.replace(/^no-compile\s*/, "").length === 0) {
          problems.push(`${page}:${i + 1}: \`\`\`ts no-compile needs a reason after it`)
        }
        fence = { marker: open[1]!, ts, line: i + 1, skip }
        code = []
      }
    } else if (new RegExp(`^\\s*${fence.marker[0] === "`" ? "`" : "~"}{${fence.marker.length},}\\s*$`).test(l)) {
      if (fence.ts && !fence.skip && !namesSource.test(code[0] ?? "")) {
        examples.push({ module, source: page, line: fence.line + 1, code: code.join("\n") })
      }
      fence = undefined
    } else {
      code.push(l)
    }
  })
  if (fence !== undefined) problems.push(`${page}:${fence.line}: unclosed code fence`)
  return examples
}

{
  const projectDir = path.join(root, "examples", "docs")
  emit({
    label: "examples/docs",
    projectDir,
    outDir: path.join(projectDir, "build", "docs"),
    examplesConfig: path.join(projectDir, "tsconfig.docs.json"),
    // examples/docs/tsconfig.json compiles its own files: the root's solution references these
    referencedBy: path.join(root, "tsconfig.json"),
    examples: pages().flatMap(blocksOf)
  })
}

if (problems.length > 0) {
  for (const problem of problems) console.error(`examples: ${problem}`)
  process.exitCode = 1
}
console.log(
  `examples: wrote ${total} blocks (${summary.join("; ") || "none"}) to packages/*/${toPosix(outSubdir)} and ` +
    `examples/docs/build/docs` +
    ` (files: ${written} written, ${unchanged} unchanged, ${removed} stale removed)`
)
