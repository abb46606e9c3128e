/**
 * The command line as a user runs it: a child process on an SQLite file of its own, passwords on stdin, and the
 * effects checked in that file through the stores (a user added, its sessions listed and revoked, a password changed,
 * a user disabled); passwords never show in the output, and a password given on the command line is refused.
 */
import * as Sqlite from "@effect-auth/sql/Sqlite"
import { UserStore } from "@effect-auth/sql/UserStore"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Option, Redacted } from "effect"
import { SessionStore } from "effect-auth/SessionStore"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { cli, environment } from "./utils/processes.js"

const tempFile = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "effect-auth-cli-"))),
  (folder) => Effect.sync(() => rmSync(folder, { recursive: true, force: true }))
).pipe(Effect.map((folder) => join(folder, "app.sqlite")))

const login = { scopes: ["authenticated"], idleTimeout: 3_600_000, absoluteTimeout: 7_200_000 }

describe("the command line", () => {
  // the live clock: the sessions made here are checked against the command line's, which is real
  it.scopedLive(
    "adds, lists, disables users, changes passwords, lists and revokes sessions, in the server's database",
    () =>
      Effect.gen(function*() {
        const file = yield* tempFile
        const env = environment({ SQLITE_FILE: file })
        const run = (args: ReadonlyArray<string>, stdin?: string) => cli(args, { env, stdin })
        const password = "correct horse battery staple"
        const newPassword = "a new one, at last"
        const secrets = [password, newPassword, "hunter2"]
        const outputs: Array<string> = []
        const ran = (args: ReadonlyArray<string>, stdin?: string) =>
          Effect.tap(run(args, stdin), (result) => Effect.sync(() => outputs.push(result.stdout + result.stderr)))

        const added = yield* ran(
          ["users", "add", "carol", "--scope", "authenticated", "--scope", "admin"],
          `${password}\n`
        )
        assert.deepStrictEqual([added.code, added.stdout.trim()], [0, "added carol (authenticated, admin)"])
        const taken = yield* ran(["users", "add", "CAROL"], "other\n")
        assert.deepStrictEqual([taken.code, taken.stderr.trim()], [1, `error: the username "CAROL" is taken`])
        // a password on the command line (where `ps` shows it) is not an option
        const inArgv = yield* ran(["users", "add", "dave", "--password", "hunter2"], "")
        assert.strictEqual(inArgv.code, 1)
        const empty = yield* ran(["users", "add", "erin"], "\n")
        assert.deepStrictEqual([empty.code, empty.stderr.trim()], [
          1,
          "error: the password is empty (give it on stdin, or at the prompt)"
        ])

        const stores = yield* Layer.build(Sqlite.layer({ filename: file, logN: 10 }))
        const users = Context.get(stores, UserStore)
        const sessions = Context.get(stores, SessionStore)
        const carol = Option.getOrThrow(yield* users.authenticate("carol", Redacted.make(password)))
        assert.deepStrictEqual(carol.scopes, ["authenticated", "admin"])
        assert.isTrue(Option.isNone(yield* users.find("dave")))
        assert.isTrue(Option.isNone(yield* users.find("erin")))
        const listed = yield* ran(["users", "list"])
        assert.match(listed.stdout, /^carol\s+authenticated,admin\s+enabled\s/m)
        assert.strictEqual(listed.stdout.trim().split("\n").length, 2) // a header and carol

        // carol logs in three times; one session is revoked by id, then the others with --all
        const open = Effect.map(sessions.create({ ...login, userId: carol.id }), ([token]) => Redacted.value(token))
        const isLive = (token: string) => Effect.map(sessions.authenticate(token), Option.isSome)
        const [first, second, third] = [yield* open, yield* open, yield* open]
        const idOf = (token: string) => SessionStore.parseToken(token)![0]
        const list = yield* ran(["sessions", "list", "carol"])
        assert.strictEqual(list.code, 0)
        for (const token of [first, second, third]) assert.include(list.stdout, idOf(token))
        for (const token of [first, second, third]) assert.notInclude(list.stdout, token) // ids only, never secrets
        assert.strictEqual((yield* ran(["sessions", "revoke", idOf(first)])).code, 0)
        assert.deepStrictEqual([yield* isLive(first), yield* isLive(second)], [false, true])
        assert.strictEqual((yield* ran(["sessions", "revoke", "--all", "carol"])).code, 0)
        assert.deepStrictEqual([yield* isLive(second), yield* isLive(third)], [false, false])

        // a new password: the old one no longer works, and the sessions opened with it are revoked
        const before = yield* open
        const changed = yield* ran(["users", "passwd", "carol"], `${newPassword}\n`)
        assert.strictEqual(changed.code, 0)
        assert.isFalse(yield* isLive(before))
        assert.isTrue(Option.isNone(yield* users.authenticate("carol", Redacted.make(password))))
        assert.isTrue(Option.isSome(yield* users.authenticate("carol", Redacted.make(newPassword))))

        // disabled: sessions revoked, the password refused, and the list says so
        const last = yield* open
        assert.strictEqual((yield* ran(["users", "disable", "carol"])).code, 0)
        assert.isFalse(yield* isLive(last))
        assert.isTrue(Option.isNone(yield* users.authenticate("carol", Redacted.make(newPassword))))
        assert.isTrue(Option.getOrThrow(yield* users.find("carol")).disabled)
        assert.strictEqual((yield* ran(["users", "passwd", "nobody"], "x\n")).stderr.trim(), `error: no user "nobody"`)

        for (const output of outputs) {
          for (const secret of secrets) assert.notInclude(output, secret)
        }
      }),
    { timeout: 360_000 }
  )

  it.scopedLive(
    "a password given as an argument is refused, and no output repeats it",
    () =>
      Effect.gen(function*() {
        const env = environment({ SQLITE_FILE: yield* tempFile })
        const secret = "hunter2"
        const refusal = "error: a password is never given as an argument (`ps` and the shell's history show " +
          "arguments): type it at the prompt, or give it on stdin"
        for (const args of [["dave", "--password", secret], [`--password=${secret}`, "dave"], ["-p", secret, "dave"]]) {
          const run = yield* cli(["users", "add", ...args], { env })
          assert.deepStrictEqual([run.code, run.stdout, run.stderr.trim()], [1, "", refusal], args.join(" "))
        }
        // an argument the parser does not expect may be a password in the wrong place: it is shown by its position
        const stray = yield* cli(["users", "add", "dave", secret], { env })
        assert.deepStrictEqual([stray.code, stray.stdout, stray.stderr.trim()], [
          1,
          "",
          "Received unknown argument: #4 (not repeated here, in case it is a secret)"
        ])
      }),
    { timeout: 240_000 }
  )
})
