/**
 * The README's install lines work for someone who is not in this workspace: the four packages are built and packed
 * as they would be published (`pnpm pack`), then, in an empty folder outside the workspace, the lines of "In your own
 * app" run with plain npm, each of our package names replaced by its tarball. There, a seed app (a Basic backend, a
 * greeting, a guarded page, a hidden admin page, a login redirect with `next`) is served on 127.0.0.1 and asked over
 * real HTTP, and a test of the test kit (`effect-auth/Testing`, `@effect/vitest`) runs with the vitest just installed.
 *
 * It needs the npm registry and, with npm's cache empty, minutes (3.5 on a 2-core machine; 25 s with the cache filled),
 * which would nearly double `pnpm test` where vitest runs one file at a time: it runs when
 * `EFFECT_AUTH_INSTALL_TEST=1`, and is skipped, with a message, otherwise:
 *
 *   EFFECT_AUTH_INSTALL_TEST=1 npx vitest run examples/basic/test/Install.test.ts
 */
import { assert, describe, it } from "@effect/vitest"
import { execFile, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../../", import.meta.url))
// core is not named in the README: npm fetches it as a dependency of the others
const packages = ["core", "effect3/auth", "effect3/jwt", "effect3/sql"]
const timeout = 600_000

// the child processes get a plain environment: none of the npm_*, PNPM_*, VITEST* or NODE_OPTIONS of this run
const env = Object.fromEntries(
  ["PATH", "HOME", "TMPDIR", "LANG", "USER", "SHELL"].flatMap((key) =>
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

/** The README's Effect 3 install lines, as a reader copies them. */
const installLines = (): ReadonlyArray<string> => {
  const section = readFileSync(join(root, "README.md"), "utf8").split("## In your own app")[1]!.split(
    "On **Effect 3**"
  )[1]!
  const block = /```sh\n([\s\S]*?)\n```/.exec(section)![1]!
  return block.split("\n").map((line) => line.replace(/#.*$/, "").trim()).filter((line) => line.length > 0)
}

// the seed app: Starlette's, as a reader would write it first, in plain JavaScript (node runs it as it is)
const app = `
import { HttpRouter, HttpServer, HttpServerResponse } from "@effect/platform"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Layer, Option } from "effect"
import { AuthCredentials, AuthenticationMiddleware, Basic, CurrentUser, Password, requires, SimpleUser } from "effect-auth"
import { createServer } from "node:http"

const users = { alice: ["wonderland", ["authenticated", "admin"]], bob: ["builder", ["authenticated"]] }

export const BackendLive = Basic.layer({
  realm: "seed",
  verify: (username, password) => {
    const user = Object.hasOwn(users, username) ? users[username] : undefined
    return Effect.succeed(
      user !== undefined && Password.equals(password, user[0])
        ? Option.some([new AuthCredentials(user[1]), new SimpleUser(username)])
        : Option.none()
    )
  }
})

export const router = HttpRouter.empty.pipe(
  HttpRouter.get("/", Effect.map(CurrentUser, (user) =>
    HttpServerResponse.text(user.isAuthenticated ? "hello, " + user.displayName : "hello, you"))),
  HttpRouter.get("/dashboard", HttpServerResponse.text("dashboard").pipe(requires("authenticated"))),
  HttpRouter.get("/admin", HttpServerResponse.text("admin").pipe(requires("admin", { status: 404 }))),
  HttpRouter.get("/settings", HttpServerResponse.text("settings").pipe(requires("authenticated", { redirect: "/login" }))),
  HttpRouter.get("/login", HttpServerResponse.text("the login form"))
)

export const app = AuthenticationMiddleware(router)

if (process.argv[2] === "serve") {
  app.pipe(
    HttpServer.serve(),
    HttpServer.withLogAddress,
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
import { app, BackendLive, router } from "../app.mjs"

describe("seed", () => {
  it.effect("who may reach what", () =>
    Effect.gen(function*() {
      const table = yield* Testing.accessTable(app, {
        routes: Testing.routesOf(router),
        principals: {
          anonymous: Testing.anonymous,
          bob: Testing.principal("bob", ["authenticated"]),
          alice: Testing.principal("alice", ["authenticated", "admin"])
        }
      }).pipe(Effect.provide(BackendLive))
      assert.deepStrictEqual(table, {
        "GET /": { anonymous: 200, bob: 200, alice: 200 },
        "GET /dashboard": { anonymous: 401, bob: 200, alice: 200 },
        "GET /admin": { anonymous: 404, bob: 404, alice: 200 },
        "GET /settings": { anonymous: 303, bob: 200, alice: 200 },
        "GET /login": { anonymous: 200, bob: 200, alice: 200 }
      })
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
  console.warn("examples/basic: EFFECT_AUTH_INSTALL_TEST is not 1, so the install test (npm, minutes) is skipped")
}

describe.skipIf(skip)("install", () => {
  it("the README's install lines, with the packed packages, in an empty folder: a seed app and its test run", {
    timeout
  }, async () => {
    const work = mkdtempSync(join(tmpdir(), "effect-auth-install-"))
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
        // effect-auth-0.3.0.tgz, effect-auth-jwt-0.3.0.tgz
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
      const lines = installLines()
      assert.isAtLeast(lines.length, 2)
      for (const line of lines) {
        const [npm, ...args] = line.split(/\s+/)
        assert.strictEqual(npm, "npm", line)
        // effect-auth@0.3: the line's range, which the registry answers with the 0.x line
        const resolved = args.map((word) => tarballs.get(word.replace(/(.)@.*$/, "$1")) ?? word)
        // the SQLite driver is resolved and downloaded like the rest, but its better-sqlite3 is not compiled here
        // (minutes of C++ on a small machine): the seed app does not use it
        if (args.includes("@effect/sql-sqlite-node@0.53.0")) resolved.push("--ignore-scripts")
        // what the line resolves is unchanged by these: they skip the audit, the funding notice and re-asking the
        // registry about metadata already in npm's cache
        await run("npm", [...resolved, "--no-audit", "--no-fund", "--prefer-offline"], seed)
      }

      // what was installed is the packed code: dist only, no raw TypeScript through a "source" condition
      const installed = JSON.parse(readFileSync(join(seed, "node_modules", "effect-auth", "package.json"), "utf8"))
      assert.notInclude(JSON.stringify(installed.exports), "source")
      assert.strictEqual(installed.license, "MIT")
      assert.include(readdirSync(join(seed, "node_modules", "effect-auth")), "LICENSE")
      const core = JSON.parse(readFileSync(join(seed, "node_modules", "@effect-auth", "core", "package.json"), "utf8"))
      assert.notInclude(JSON.stringify(core.exports), "source")

      writeFileSync(join(seed, "app.mjs"), app)
      writeFileSync(join(seed, "test", "seed.test.ts"), test)

      // the app, on a free port, asked over real HTTP
      const server = spawn("node", ["app.mjs", "serve"], { cwd: seed, env, stdio: ["ignore", "pipe", "pipe"] })
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
        const get = (path: string, user?: string) =>
          fetch(`${url}${path}`, {
            redirect: "manual",
            headers: user === undefined ? {} : { authorization: `Basic ${Buffer.from(user).toString("base64")}` }
          })
        const home = await get("/")
        assert.deepStrictEqual([home.status, await home.text()], [200, "hello, you"])
        assert.strictEqual(await (await get("/", "alice:wonderland")).text(), "hello, alice")
        const anonymous = await get("/dashboard")
        assert.strictEqual(anonymous.status, 401)
        assert.include(anonymous.headers.get("www-authenticate"), `Basic realm="seed"`)
        assert.strictEqual((await get("/dashboard", "bob:builder")).status, 200)
        assert.strictEqual((await get("/admin", "bob:builder")).status, 404)
        assert.strictEqual((await get("/admin", "alice:wonderland")).status, 200)
        const settings = await get("/settings")
        assert.deepStrictEqual([settings.status, settings.headers.get("location")], [303, "/login?next=%2Fsettings"])
      } finally {
        server.kill()
      }

      // the test kit's test, with the vitest the README installs
      const output = await run("node", [join("node_modules", "vitest", "vitest.mjs"), "run"], seed)
      assert.match(output, /Tests\s+2 passed/)
    } finally {
      rmSync(work, { recursive: true, force: true })
    }
  })
})
