/**
 * The example's command line, on the server's own database (an SQLite file in `.data/`, `SQLITE_FILE`, or PostgreSQL
 * when `DATABASE_URL` is set: see `Stores.ts`). A password is read from a prompt (typed twice, not echoed) or, when
 * stdin is not a terminal, from its first line: never from the command line, where `ps` and shell histories show it
 * (an argument that looks like one is refused, and no argument is repeated in an error unless it is an option's name).
 *
 *   pnpm cli users add carol --scope authenticated --scope admin
 *   printf '%s\n' "$PASSWORD" | pnpm cli users passwd carol
 *   pnpm cli users list
 *   pnpm cli users disable carol
 *   pnpm cli sessions list carol
 *   pnpm cli sessions revoke <id>
 *   pnpm cli sessions revoke --all carol
 *
 * Revoking a session, disabling a user or changing a password is seen by the running servers at their next request:
 * SQLite's read the row each time, PostgreSQL's hear it through LISTEN/NOTIFY.
 */
import type { StoredUser } from "@effect-auth/sql/UserStore"
import { UserStore } from "@effect-auth/sql/UserStore"
import { Args, Command, Options, Prompt, ValidationError } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Cause, Console, Data, Effect, Option, Redacted } from "effect"
import { Password } from "effect-auth"
import { SessionStore } from "effect-auth/SessionStore"
import * as Stores from "./Stores.js"

/** A command that cannot be done as asked; its message is for the terminal. */
class Refused extends Data.TaggedError("Refused")<{ readonly message: string }> {}

// a passphrase is short: more than this on stdin is a mistake (a file piped in by accident), not a password
const maxStdinBytes = 4096

const readStdin = Effect.async<string, Refused>((resume) => {
  const chunks: Array<Buffer> = []
  let size = 0
  process.stdin.on("data", (chunk: Buffer) => {
    size += chunk.length
    if (size > maxStdinBytes) {
      process.stdin.destroy()
      resume(Effect.fail(new Refused({ message: `stdin holds more than ${maxStdinBytes} bytes: not a password` })))
    } else chunks.push(chunk)
  })
  process.stdin.on("end", () => resume(Effect.succeed(Buffer.concat(chunks).toString("utf8"))))
  process.stdin.on("error", (cause) => resume(Effect.fail(new Refused({ message: `could not read stdin: ${cause}` }))))
})

/** A new password: typed twice at a terminal, or the first line of stdin. */
const newPassword = Effect.gen(function*() {
  if (process.stdin.isTTY) {
    const first = yield* Prompt.password({ message: "Password" })
    const again = yield* Prompt.password({ message: "Password again" })
    if (!Password.equals(first, again)) return yield* new Refused({ message: "the passwords differ" })
    return first
  }
  const line = (yield* readStdin).split(/\r?\n/, 1)[0] ?? ""
  return Redacted.make(line)
}).pipe(
  Effect.filterOrFail(
    (password) => Redacted.value(password).length > 0,
    () => new Refused({ message: "the password is empty (give it on stdin, or at the prompt)" })
  )
)

const name = Args.text({ name: "name" }).pipe(Args.withDescription("the username (compared without case)"))

const show = (user: StoredUser) =>
  [
    user.username.padEnd(24),
    (user.scopes.join(",") || "-").padEnd(32),
    user.disabled ? "disabled" : "enabled ",
    new Date(user.createdAt).toISOString()
  ].join("  ")

const existing = (username: string) =>
  Effect.flatMap(UserStore, (users) => users.find(username)).pipe(
    Effect.flatMap(Option.match({
      onNone: () => Effect.fail(new Refused({ message: `no user ${JSON.stringify(username)}` })),
      onSome: Effect.succeed
    }))
  )

// --- users ----------------------------------------------------------------------------------------------------------

const usersAdd = Command.make(
  "add",
  {
    name,
    scopes: Options.text("scope").pipe(
      Options.repeated,
      Options.withDescription("a scope of the user (repeat for several), e.g. --scope authenticated --scope admin")
    )
  },
  ({ name, scopes }) =>
    Effect.gen(function*() {
      const password = yield* newPassword
      const user = yield* Effect.flatMap(UserStore, (users) => users.add({ username: name, password, scopes }))
      yield* Console.log(`added ${user.username} (${user.scopes.join(", ") || "no scopes"})`)
    })
).pipe(Command.withDescription("add a user; the password comes from a prompt or stdin"))

const usersList = Command.make("list", {}, () =>
  Effect.gen(function*() {
    const users = yield* Effect.flatMap(UserStore, (users) => users.list)
    if (users.length === 0) return yield* Console.log("no users")
    yield* Console.log(
      ["username".padEnd(24), "scopes".padEnd(32), "state   ", "created"].join("  ")
    )
    for (const user of users) yield* Console.log(show(user))
  })).pipe(Command.withDescription("list the users"))

const setDisabled = (disabled: boolean) => ({ name }: { readonly name: string }) =>
  Effect.gen(function*() {
    yield* Effect.flatMap(UserStore, (users) => users.setDisabled(name, disabled))
    yield* Console.log(disabled ? `disabled ${name}; their sessions are revoked` : `enabled ${name}`)
  })

const usersDisable = Command.make("disable", { name }, setDisabled(true)).pipe(
  Command.withDescription("disable a user and revoke their sessions")
)

const usersEnable = Command.make("enable", { name }, setDisabled(false)).pipe(
  Command.withDescription("enable a disabled user again")
)

const usersPasswd = Command.make("passwd", { name }, ({ name }) =>
  Effect.gen(function*() {
    yield* existing(name) // before asking for a password
    const password = yield* newPassword
    yield* Effect.flatMap(UserStore, (users) => users.setPassword(name, password))
    yield* Console.log(`changed the password of ${name}; their sessions are revoked`)
  })).pipe(Command.withDescription("change a user's password (from a prompt or stdin) and revoke their sessions"))

const users = Command.make("users").pipe(
  Command.withDescription("manage users"),
  Command.withSubcommands([usersAdd, usersList, usersDisable, usersEnable, usersPasswd])
)

// --- sessions -------------------------------------------------------------------------------------------------------

const sessionsList = Command.make(
  "list",
  { name: Args.text({ name: "user" }).pipe(Args.withDescription("whose sessions")) },
  ({ name }) =>
    Effect.gen(function*() {
      const user = yield* existing(name)
      const sessions = yield* Effect.flatMap(SessionStore, (store) => store.list(user.id))
      if (sessions.length === 0) return yield* Console.log(`no live sessions of ${user.username}`)
      yield* Console.log(["id".padEnd(22), "created".padEnd(24), "last seen".padEnd(24), "expires"].join("  "))
      for (const session of sessions) {
        yield* Console.log(
          [
            session.id.padEnd(22),
            new Date(session.createdAt).toISOString().padEnd(24),
            new Date(session.lastSeenAt).toISOString().padEnd(24),
            new Date(Math.min(session.expiresAt, session.lastSeenAt + session.idleTimeout)).toISOString()
          ].join("  ")
        )
      }
    })
).pipe(Command.withDescription("list a user's live sessions (their public ids, safe to show)"))

const sessionsRevoke = Command.make(
  "revoke",
  {
    id: Args.text({ name: "id" }).pipe(Args.withDescription("the session's id (from sessions list)"), Args.optional),
    all: Options.text("all").pipe(Options.withDescription("revoke every session of this user"), Options.optional)
  },
  ({ all, id }) =>
    Effect.gen(function*() {
      const store = yield* SessionStore
      if (id._tag === "Some" && all._tag === "None") {
        yield* store.revoke(id.value)
        return yield* Console.log(`revoked session ${id.value}`)
      }
      if (id._tag === "None" && all._tag === "Some") {
        const user = yield* existing(all.value)
        yield* store.revokeUser(user.id)
        return yield* Console.log(`revoked every session of ${user.username}`)
      }
      return yield* new Refused({ message: "give a session id, or --all <user>, not both" })
    })
).pipe(Command.withDescription("revoke a session, or every session of a user (--all <user>)"))

const sessions = Command.make("sessions").pipe(
  Command.withDescription("manage sessions"),
  Command.withSubcommands([sessionsList, sessionsRevoke])
)

const command = Command.make("cli").pipe(
  Command.withDescription("users and sessions of the effect-auth example, in its database"),
  Command.withSubcommands([users, sessions]),
  // the database is opened by the commands that run, not for --help
  Command.provide(Stores.layer)
)

const run = Command.run(command, { name: "effect-auth example", version: "0.2.0" })

const messageOf = (error: { readonly _tag: string }): string =>
  error._tag === "QuitException" ? "cancelled" : "message" in error ? String(error.message) : String(error)

const args = process.argv.slice(2)

// a password typed as an argument is refused before anything runs, and never repeated: `ps` and the shell's history
// have it already, the terminal and its logs need not
const passwordOption = /^-(-?(password|passwd|pass|pw|secret)|p)(=|$)/i
const passwordGiven = args.some((arg) => passwordOption.test(arg))

// the parser's errors repeat what was typed ("Received unknown argument: 'hunter2'"), which may be a password put
// in the wrong place: an option's name is shown, anything else by its position only
const redact = (text: string): string =>
  args.reduce(
    (text, arg, i) =>
      arg.startsWith("-") && !arg.includes("=")
        ? text
        : text.replaceAll(`'${arg}'`, `#${i + 1} (not repeated here, in case it is a secret)`),
    text
  )

// what the parser prints on stderr, kept to be printed redacted
const parserErrors: Array<string> = []
const capturingErrors = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Console.consoleWith((console) =>
    Console.withConsole(effect, {
      ...console,
      error: (...parts: ReadonlyArray<unknown>) =>
        Effect.sync(() => void parserErrors.push(parts.map(String).join(" ")))
    })
  )

// an expected failure is one line on stderr and exit code 1 (the command line's own errors, with help, redacted as
// above); a defect is printed in full
const main = passwordGiven
  ? Effect.zipRight(
    Console.error(
      "error: a password is never given as an argument (`ps` and the shell's history show arguments): " +
        "type it at the prompt, or give it on stdin"
    ),
    Effect.fail(new Refused({ message: "a password given as an argument" }))
  )
  : run(process.argv).pipe(
    capturingErrors,
    Effect.catchAll((error) =>
      Effect.zipRight(
        ValidationError.isValidationError(error)
          ? Console.error(redact(parserErrors.join("\n")))
          : Console.error(`error: ${messageOf(error)}`),
        Effect.fail(error)
      )
    )
  )

main.pipe(
  Effect.tapDefect((cause) => Console.error(Cause.pretty(cause))),
  Effect.provide(NodeContext.layer),
  NodeRuntime.runMain({ disableErrorReporting: true })
)
