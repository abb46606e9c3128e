/**
 * Keeps the source layout within its limits; run by `pnpm lint`. Fails (exit 1), naming the files, when
 *
 * - a module under `packages/<pkg>/src` has more than 300 lines (past ~250 a module's implementation moves to
 *   `src/internal`, see STYLE.md), or
 * - the modules under `packages/<pkg>/src` import one another in a circle at the value level.
 *
 * A value-level import is one that reads a binding at run time: `import type`, `export type`, and an import or
 * re-export whose every specifier is `type` are not (they bind nothing at run time, so they cannot meet a binding
 * before its initialisation); a dynamic `import()` runs later and is not either. Imports between packages
 * (`effect-auth/Session`, `@effect-auth/core/ThrottleKey`) count, resolved through each package's `source` files.
 *
 * Every offender is printed, not only the first.
 *
 * Run: `tsx scripts/structure.ts`.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import ts from "typescript"
import { lineOf, packageDirs } from "./packageDirs.js"

/** A module may have this many lines; one more and it must be split. */
export const maxLines = 300

/** The number of lines of a text, as `wc -l` counts them for a file that ends with a newline. */
export const lineCount = (text: string): number => {
  if (text.length === 0) return 0
  const newlines = text.split("\n").length - 1
  return text.endsWith("\n") ? newlines : newlines + 1
}

/** The specifiers a module imports or re-exports at the value level, in source order. */
export const valueImports = (fileName: string, text: string): ReadonlyArray<string> => {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS)
  const specifiers: Array<string> = []
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      if (!ts.isStringLiteral(statement.moduleSpecifier)) continue
      const clause = statement.importClause
      if (clause !== undefined && isTypeOnlyImport(clause)) continue
      specifiers.push(statement.moduleSpecifier.text)
    } else if (ts.isExportDeclaration(statement)) {
      if (statement.moduleSpecifier === undefined || !ts.isStringLiteral(statement.moduleSpecifier)) continue
      if (statement.isTypeOnly) continue
      const clause = statement.exportClause
      if (
        clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 &&
        clause.elements.every((element) => element.isTypeOnly)
      ) continue
      specifiers.push(statement.moduleSpecifier.text)
    } else if (
      ts.isImportEqualsDeclaration(statement) && !statement.isTypeOnly &&
      ts.isExternalModuleReference(statement.moduleReference) &&
      ts.isStringLiteral(statement.moduleReference.expression)
    ) {
      specifiers.push(statement.moduleReference.expression.text)
    }
  }
  return specifiers
}

const isTypeOnlyImport = (clause: ts.ImportClause): boolean => {
  if (clause.isTypeOnly) return true
  // `import { type A, type B } from` binds nothing at run time; a default or namespace import does
  if (clause.name !== undefined || clause.namedBindings === undefined) return false
  const bindings = clause.namedBindings
  return ts.isNamedImports(bindings) && bindings.elements.length > 0 &&
    bindings.elements.every((element) => element.isTypeOnly)
}

/**
 * The import circles of a graph (module → the modules it imports): one per strongly connected component of more than
 * one module (or a module that imports itself), each a path that starts and ends at the component's first module in
 * sorted order. Deterministic: the same graph gives the same circles.
 */
export const findCycles = (graph: ReadonlyMap<string, ReadonlyArray<string>>): ReadonlyArray<ReadonlyArray<string>> => {
  const nodes = [...graph.keys()].sort()
  const edges = (node: string): ReadonlyArray<string> => [...new Set(graph.get(node) ?? [])].sort()
  // Tarjan's strongly connected components, with an explicit stack so a deep graph cannot overflow the call stack
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: Array<string> = []
  const components: Array<Array<string>> = []
  let next = 0
  for (const start of nodes) {
    if (index.has(start)) continue
    const work: Array<{ readonly node: string; readonly targets: ReadonlyArray<string>; position: number }> = []
    const enter = (node: string) => {
      index.set(node, next)
      low.set(node, next)
      next++
      stack.push(node)
      onStack.add(node)
      work.push({ node, targets: edges(node), position: 0 })
    }
    enter(start)
    while (work.length > 0) {
      const frame = work[work.length - 1]!
      if (frame.position < frame.targets.length) {
        const target = frame.targets[frame.position++]!
        if (!index.has(target)) enter(target)
        else if (onStack.has(target)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!))
        continue
      }
      work.pop()
      const parent = work[work.length - 1]
      if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!))
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: Array<string> = []
        let member: string
        do {
          member = stack.pop()!
          onStack.delete(member)
          component.push(member)
        } while (member !== frame.node)
        if (component.length > 1 || edges(frame.node).includes(frame.node)) components.push(component.sort())
      }
    }
  }
  return components
    .map((component) => shortestCircle(component[0]!, new Set(component), edges))
    .sort((a, b) => a[0]!.localeCompare(b[0]!))
}

/** The shortest path from `start` back to itself inside a component (breadth-first, so the printed circle is short). */
const shortestCircle = (
  start: string,
  component: ReadonlySet<string>,
  edges: (node: string) => ReadonlyArray<string>
): ReadonlyArray<string> => {
  const previous = new Map<string, string>()
  const queue = [start]
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!
    for (const target of edges(node)) {
      if (!component.has(target)) continue
      if (target === start) {
        const back: Array<string> = []
        for (let at: string | undefined = node; at !== start && at !== undefined; at = previous.get(at)) back.push(at)
        return [start, ...back.reverse(), start]
      }
      if (!previous.has(target)) {
        previous.set(target, node)
        queue.push(target)
      }
    }
  }
  return [start, start]
}

/** The workspace's packages: their name, their Effect line (none for the shared core) and their `src` directory. */
const packagesOf = (root: string): ReadonlyArray<Package> => {
  const packagesDir = path.join(root, "packages")
  return packageDirs(packagesDir)
    .map((pkg) => {
      const dir = path.join(packagesDir, pkg)
      const { name } = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { name: string }
      return { name, line: lineOf(pkg), src: path.join(dir, "src") }
    })
    .filter(({ src }) => fs.existsSync(src))
}

interface Package {
  readonly name: string
  readonly line: string | undefined
  readonly src: string
}

const sourceFiles = (dir: string): ReadonlyArray<string> =>
  fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts"))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort()

/** What a specifier names among the given files, or `undefined` for a module outside them (`effect`, `node:fs`). */
const resolve = (
  from: string,
  specifier: string,
  packages: ReadonlyArray<Package>,
  files: ReadonlySet<string>
): string | undefined => {
  // both lines publish `effect-auth`: a bare name means the importer's own line, or the shared core
  const line = packages.find(({ src }) => from.startsWith(src + path.sep))?.line
  let base: string | undefined
  if (specifier.startsWith(".")) {
    base = path.resolve(path.dirname(from), specifier)
  } else {
    for (const { line: other, name, src } of packages) {
      if (other !== undefined && other !== line) continue
      // a package's "." is src/index.ts and its "./*" is src/*.ts (the `source` condition of its exports)
      if (specifier === name) base = path.join(src, "index")
      else if (specifier.startsWith(`${name}/`)) base = path.join(src, specifier.slice(name.length + 1))
    }
  }
  if (base === undefined) return undefined
  const stem = base.replace(/\.(js|ts|mjs|mts)$/, "")
  return [`${stem}.ts`, `${stem}.mts`, path.join(stem, "index.ts")].find((candidate) => files.has(candidate))
}

export interface Report {
  /** modules over the limit, relative to the root, with their line counts, longest first */
  readonly oversized: ReadonlyArray<{ readonly file: string; readonly lines: number }>
  /** value-level import circles, as paths relative to the root */
  readonly cycles: ReadonlyArray<ReadonlyArray<string>>
}

/** Checks every module under `packages/<pkg>/src` of the workspace at `root`. */
export const check = (root: string): Report => {
  const packages = packagesOf(root)
  const files = packages.flatMap(({ src }) => sourceFiles(src))
  const fileSet = new Set(files)
  const relative = (file: string) => path.relative(root, file).split(path.sep).join("/")
  const oversized: Array<{ file: string; lines: number }> = []
  const graph = new Map<string, ReadonlyArray<string>>()
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8")
    const lines = lineCount(text)
    if (lines > maxLines) oversized.push({ file: relative(file), lines })
    const targets = valueImports(file, text)
      .map((specifier) => resolve(file, specifier, packages, fileSet))
      .filter((target): target is string => target !== undefined)
      .map(relative)
    graph.set(relative(file), targets)
  }
  oversized.sort((a, b) => b.lines - a.lines || a.file.localeCompare(b.file))
  return { oversized, cycles: findCycles(graph) }
}

/** The report as lines for a terminal; empty when there is nothing to fix. */
export const format = (report: Report): ReadonlyArray<string> => [
  ...(report.oversized.length === 0 ? [] : [
    `${report.oversized.length} module(s) over ${maxLines} lines (move the implementation to src/internal or split the concept):`,
    ...report.oversized.map(({ file, lines }) => `  ${file}: ${lines} lines`)
  ]),
  ...(report.cycles.length === 0 ? [] : [
    `${report.cycles.length} value-level import cycle(s) (import the type only, or move the shared part to a module both import):`,
    ...report.cycles.map((cycle) => `  ${cycle.join(" → ")}`)
  ])
]

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
  const lines = format(check(root))
  if (lines.length > 0) {
    console.error(["scripts/structure.ts:", ...lines].join("\n"))
    process.exit(1)
  }
}
