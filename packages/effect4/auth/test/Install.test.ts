/**
 * The README's Effect 4 install lines work for someone who is not in this workspace: the three packages are built
 * and packed as they would be published (`pnpm pack`), then, in an empty folder outside the workspace, the lines of
 * "In your own app" for Effect 4 run with plain npm, each of our package names replaced by its tarball, no version
 * added. npm must resolve Effect 4 by itself (`latest`). There, the seed app (`@effect-auth/specs/Seed`: a Basic
 * backend, a greeting, a guarded page, a hidden admin page, a login redirect with `next`), written in plain
 * JavaScript on the installed packages, is served by Node 22 on 127.0.0.1 and passes every case of the spec over real
 * HTTP, and a test of the test kit (`effect-auth/Testing`, `@effect/vitest`) runs with the vitest just installed.
 *
 * It needs the npm registry and about a minute (40 s here; the installs alone take 27 s with npm's cache empty), so
 * it runs when `EFFECT_AUTH_INSTALL_TEST=1`, and is skipped, with a message, otherwise (Node 22 on the PATH: the npm
 * there runs on it, and so do the seed app and its vitest):
 *
 *   cd packages/effect4/auth && EFFECT_AUTH_INSTALL_TEST=1 npx vitest run test/Install.test.ts
 */
import * as Seed from "@effect-auth/specs/Seed"
import { assert, describe, it } from "@effect/vitest"
import { execFile, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { stripVTControlCharacters } from "node:util"

const root = fileURLToPath(new URL("../../../../", import.meta.url))
// core is not named in the README: npm fetches it as a dependency of the others
const packages = ["core", "effect4/auth", "effect4/jwt"]
const timeout = 900_000

// the child processes get a plain environment: none of the npm_*, PNPM_*, VITEST* or NODE_OPTIONS of this run. The
// machine's extra CA certificates are kept: npm runs on the Node 22 first on the PATH, which does not read the npmrc of
// the system's Node (its `cafile`), and a registry behind a TLS proxy needs them
const env = Object.fromEntries(
  ["PATH", "HOME", "TMPDIR", "LANG", "USER", "SHELL", "NODE_EXTRA_CA_CERTS"].flatMap((key) =>
    process.env[key] === undefined ? [] : [[key, process.env[key]!]]
  )
)

const run = (command: string, args: ReadonlyArray<string>, cwd: string): Promise<string> =>
  new Promise((resolve, reject) =>
    execFile(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      error === null
        ? resolve(stdout)
        : reject(new Error(`${command} ${args.join(" ")} (in ${cwd}) failed:\n${stdout}\n${stderr}`.slice(-8000))))
  )

/** The README's Effect 4 install lines, as a reader copies them: the block after "effect-auth serves both…". */
const installLines = (): ReadonlyArray<string> => {
  const section = readFileSync(join(root, "README.md"), "utf8").split("## In your own app")[1]!.split("\n## ")[0]!
  const effect4 = section.split(/^effect-auth serves both Effect lines/m)[1]
  assert.isDefined(effect4, `README.md's "In your own app" has no line starting "effect-auth serves both Effect lines"`)
  const block = /```sh\n([\s\S]*?)\n```/.exec(effect4!)![1]!
  return block.split("\n").map((line) => line.replace(/#.*$/, "").trim()).filter((line) => line.length > 0)
}

const major = (version: string) => Number(version.split(".")[0])

// what the lines install, whose versions are checked
const resolvedNames = [
  "effect",
  "@effect/platform-node",
  "@effect/vitest",
  "vitest",
  "effect-auth",
  "@effect-auth/jwt",
  "@effect-auth/core"
]

// the seed app (Seed's), as a reader writes it first, in plain JavaScript (node runs it as it is): the Effect 4 app
// of the upgrade guide (test/Upgrade.test.ts)
const app = `
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer, Option } from "effect"
import { AuthCredentials, AuthenticationMiddleware, Basic, CurrentUser, Password, requires, SimpleUser } from "effect-auth"
import { HttpRouter, HttpServerResponse } from "effect/http"
import { createServer } from "node:http"

const users = {
  alice: { password: "wonderland", scopes: ["authenticated", "admin"] },
  bob: { password: "builder", scopes: ["authenticated"] }
}

export const BackendLive = Basic.layer({
  realm: "seed",
  verify: (username, password) => {
    const user = Object.hasOwn(users, username) ? users[username] : undefined
    return Effect.succeed(
      user !== undefined && Password.equals(password, user.password)
        ? Option.some([new AuthCredentials(user.scopes), new SimpleUser(username)])
        : Option.none()
    )
  }
})

export const Routes = Layer.mergeAll(
  HttpRouter.add("GET", "/", Effect.map(CurrentUser, (user) =>
    HttpServerResponse.text(user.isAuthenticated ? "hello, " + user.displayName : "hello, you"))),
  HttpRouter.add("GET", "/dashboard", HttpServerResponse.text("dashboard").pipe(requires("authenticated"))),
  HttpRouter.add("GET", "/admin", HttpServerResponse.text("admin").pipe(requires("admin", { status: 404 }))),
  HttpRouter.add("GET", "/settings", HttpServerResponse.text("settings").pipe(requires("authenticated", { redirect: "/login" }))),
  HttpRouter.add("GET", "/login", HttpServerResponse.text("the login form"))
)

export const App = Routes.pipe(Layer.provide(AuthenticationMiddleware.layer))

if (process.argv[2] === "serve") {
  // HttpRouter.serve logs "Listening on http://127.0.0.1:<port>"
  HttpRouter.serve(App).pipe(
    Layer.provide(BackendLive),
    Layer.provide(NodeHttpServer.layer(createServer, { host: "127.0.0.1", port: 0 })),
    Layer.launch,
    NodeRuntime.runMain
  )
}
`

// the test kit, with @effect/vitest, on the seed app
const test = `
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { requires } from "effect-auth"
import * as Testing from "effect-auth/Testing"
import { App, BackendLive } from "../app.mjs"

describe("seed", () => {
  it.effect("who may reach what", () =>
    Effect.gen(function*() {
      const table = yield* Testing.accessTable(App, {
        routes: ["GET /", "GET /dashboard", "GET /admin", "GET /settings", "GET /login"],
        principals: {
          anonymous: Testing.anonymous,
          bob: Testing.principal("bob", ["authenticated"]),
          alice: Testing.principal("alice", ["authenticated", "admin"])
        }
      }).pipe(Effect.provide(BackendLive))
      assert.deepStrictEqual(table, ${JSON.stringify(Seed.accessTable)})
    }))

  it.effect("a handler as anyone", () =>
    Effect.gen(function*() {
      const secret = Effect.succeed("secret").pipe(requires("admin"))
      assert.strictEqual(yield* secret.pipe(Testing.runAs(Testing.principal("alice", ["admin"]))), "secret")
      const denied = yield* Effect.flip(secret.pipe(Testing.runAs(Testing.principal("bob"))))
      assert.strictEqual(denied.status, 403)
    }))
})
`

const skip = process.env["EFFECT_AUTH_INSTALL_TEST"] !== "1"
if (skip) {
  console.warn(
    "packages/effect4/auth: EFFECT_AUTH_INSTALL_TEST is not 1, so the install test (npm and the registry, about a minute) is skipped"
  )
}

describe.skipIf(skip)("install (Effect 4)", () => {
  it(
    "the README's Effect 4 install lines, with the packed packages, in an empty folder: the seed app and its test run",
    {
      timeout
    },
    async () => {
      // the seed app, npm and vitest run on the Node running this test: Effect 4 needs Node 22.19 or later
      const [nodeMajor, nodeMinor] = process.versions.node.split(".").map(Number) as [number, number]
      assert.isTrue(
        nodeMajor > 22 || (nodeMajor === 22 && nodeMinor >= 19),
        `Node ${process.version}: run under Node 22`
      )
      const node = process.execPath
      const lines = installLines()
      assert.isAtLeast(lines.length, 2)
      const work = mkdtempSync(join(tmpdir(), "effect-auth-install-v4-"))
      try {
        // built and packed as published: pnpm pack writes publishConfig and turns workspace: ranges into versions
        const tsc = join(root, "node_modules", ".bin", "tsc")
        await run(tsc, ["-b", ...packages.map((dir) => `packages/${dir}/tsconfig.src.json`)], root)
        const packs = join(work, "packs")
        mkdirSync(packs)
        for (const dir of packages) {
          await run("npx", ["-y", "pnpm@10.20.0", "pack", "--pack-destination", packs], join(root, "packages", dir))
        }
        const tarballs = new Map<string, string>()
        for (const dir of packages) {
          const { name, version } = JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8"))
          // effect-auth-1.0.0.tgz, effect-auth-jwt-1.0.0.tgz, effect-auth-core-0.3.0.tgz
          const file = `${name.replace("@", "").replace("/", "-")}-${version}.tgz`
          assert.include(readdirSync(packs), file)
          tarballs.set(name, join(packs, file))
        }

        // an empty folder outside the workspace, where npm finds nothing of it
        const seed = join(work, "seed")
        mkdirSync(join(seed, "test"), { recursive: true })
        // @effect-auth/core comes in as a dependency of effect-auth, from the registry once published; here npm's
        // overrides point that dependency at its tarball, the only change to what the lines resolve
        writeFileSync(
          join(seed, "package.json"),
          JSON.stringify({
            name: "seed",
            private: true,
            type: "module",
            overrides: { "@effect-auth/core": `file:${tarballs.get("@effect-auth/core")}` }
          })
        )
        for (const line of lines) {
          const [npm, ...args] = line.split(/\s+/)
          assert.strictEqual(npm, "npm", line)
          // no version is pinned: npm's latest of effect and @effect/* is Effect 4
          for (const word of args) assert.notMatch(word, /.@/, `${line}: the Effect 4 lines pin no version`)
          // what the line resolves is unchanged by these: they skip the audit, the funding notice and re-asking the
          // registry about metadata already in npm's cache
          const resolved = args.map((word) => tarballs.get(word) ?? word)
          await run("npm", [...resolved, "--no-audit", "--no-fund", "--prefer-offline"], seed)
        }

        // what npm resolved: Effect 4, and our packages as packed (dist only, no raw TypeScript through "source")
        const installed = (name: string) =>
          JSON.parse(readFileSync(join(seed, "node_modules", name, "package.json"), "utf8"))
        const versions = Object.fromEntries(resolvedNames.map((name) => [name, installed(name).version as string]))
        console.log(`packages/effect4/auth: npm resolved ${JSON.stringify(versions)}`)
        assert.strictEqual(major(versions["effect"]!), 4)
        assert.strictEqual(major(versions["@effect/platform-node"]!), 4)
        assert.strictEqual(major(versions["@effect/vitest"]!), 4)
        assert.strictEqual(major(versions["vitest"]!), 5)
        for (const dir of packages) {
          const { name, version } = JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8"))
          assert.strictEqual(versions[name], version, name)
          assert.notInclude(JSON.stringify(installed(name).exports), "source", name)
        }
        assert.strictEqual(major(versions["effect-auth"]!), 1)
        assert.strictEqual(major(versions["@effect-auth/jwt"]!), 1)
        for (const name of ["effect-auth", "@effect-auth/jwt"]) {
          assert.strictEqual(installed(name).license, "MIT", name)
          assert.include(readdirSync(join(seed, "node_modules", name)), "LICENSE", name)
        }

        writeFileSync(join(seed, "app.mjs"), app)
        writeFileSync(join(seed, "test", "seed.test.ts"), test)

        // the app, on a free port, asked over real HTTP
        const server = spawn(node, ["app.mjs", "serve"], { cwd: seed, env, stdio: ["ignore", "pipe", "pipe"] })
        try {
          const url = await new Promise<string>((resolve, reject) => {
            let output = ""
            const listen = (chunk: Buffer) => {
              output += chunk.toString()
              const address = /http:\/\/127\.0\.0\.1:\d+/.exec(output)
              if (address !== null) resolve(address[0])
            }
            server.stdout.on("data", listen)
            server.stderr.on("data", listen)
            server.on("exit", (code) => reject(new Error(`the seed app exited (${code}):\n${output}`)))
          })
          for (const testCase of Seed.cases) await Seed.run(testCase)(url)
        } finally {
          server.kill()
        }

        // the test kit's test, with the vitest the README installs
        const output = await run(node, [join("node_modules", "vitest", "vitest.mjs"), "run"], seed)
        // vitest 5 colours its report even into a pipe
        const report = stripVTControlCharacters(output)
        assert.match(report, /Tests\s+2 passed/, report)
      } finally {
        rmSync(work, { recursive: true, force: true })
      }
    }
  )
})
