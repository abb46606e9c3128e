/**
 * The workspace's packages under `packages/`: the shared core at `packages/<pkg>` and each Effect line's packages at
 * `packages/effect<major>/<pkg>`, as paths relative to `packages/` (`core`, `effect3/auth`), sorted.
 */
import * as fs from "node:fs"
import * as path from "node:path"

/** A folder of one Effect line's packages: `effect3`, `effect4` (its own package.json holds the line's test runner). */
const line = /^effect\d+$/

export const packageDirs = (packagesDir: string): ReadonlyArray<string> =>
  fs.readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) =>
      !line.test(entry.name)
        ? fs.existsSync(path.join(packagesDir, entry.name, "package.json")) ? [entry.name] : []
        : fs.readdirSync(path.join(packagesDir, entry.name), { withFileTypes: true })
          .filter((inner) =>
            inner.isDirectory() && fs.existsSync(path.join(packagesDir, entry.name, inner.name, "package.json"))
          )
          .map((inner) => `${entry.name}/${inner.name}`)
    )
    .sort()

/** The Effect line a package belongs to (`effect3`), or `undefined` for the shared core. */
export const lineOf = (packageDir: string): string | undefined =>
  line.test(packageDir.split("/")[0]!) ? packageDir.split("/")[0] : undefined
