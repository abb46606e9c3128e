/**
 * The example's programs as child processes, as a user runs them (`pnpm cli …`, `pnpm start`): the command line with
 * its stdin, and servers on ports of their choosing (PORT=0), read from the first line they print.
 */
import { Effect } from "effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const example = fileURLToPath(new URL("../../", import.meta.url))
// the workspace's tsx, as the package's scripts run it
const tsx = fileURLToPath(new URL("../../../../node_modules/.bin/tsx", import.meta.url))

/** The environment of a child: this one's, with the database settings replaced (`undefined` removes one). */
export const environment = (database: {
  readonly DATABASE_URL?: string | undefined
  readonly SQLITE_FILE?: string | undefined
}): NodeJS.ProcessEnv => {
  const { DATABASE_URL: _url, SQLITE_FILE: _file, ...rest } = process.env
  return Object.fromEntries(
    Object.entries({ ...rest, ...database }).filter(([, value]) => value !== undefined)
  ) as NodeJS.ProcessEnv
}

/** What a run of the command line printed, and its exit code. */
export interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  /** The moment the output said the command was done (`performance.now()`), or when the process exited. */
  readonly doneAt: number
}

/** Runs `pnpm cli <args>` with `stdin` written to it (then closed). */
export const cli = (args: ReadonlyArray<string>, options: {
  readonly env: NodeJS.ProcessEnv
  readonly stdin?: string | undefined
}): Effect.Effect<Run> =>
  Effect.async<Run>((resume) => {
    const child = spawn(tsx, ["--conditions=source", "src/cli.ts", ...args], { cwd: example, env: options.env })
    let stdout = ""
    let stderr = ""
    let doneAt: number | undefined
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      doneAt ??= performance.now()
      stdout += chunk
    })
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk))
    child.on("close", (code) => resume(Effect.succeed({ code, stdout, stderr, doneAt: doneAt ?? performance.now() })))
    child.stdin.end(options.stdin ?? "")
    return Effect.sync(() => child.kill())
  })

/** A server of the example (`pnpm start`) on a free port, stopped when the scope closes; its URL and output. */
export const server = (env: NodeJS.ProcessEnv) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly output: () => string; readonly stop: Effect.Effect<void> }, Error>(
      (resume) => {
        const child = spawn(tsx, ["--conditions=source", "src/main.ts"], {
          cwd: example,
          env: { ...env, PORT: "0" }
        })
        let output = ""
        const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()))
        const stop = Effect.promise(() => {
          child.kill("SIGTERM")
          return exited
        })
        const onData = (chunk: string) => {
          output += chunk
          const listening = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
          if (listening !== null) resume(Effect.succeed({ url: listening[1]!, output: () => output, stop }))
        }
        child.stdout.setEncoding("utf8").on("data", onData)
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk))
        child.on("exit", (code) =>
          resume(Effect.fail(new Error(`the server exited (${code}) before listening:\n${output}`))))
        return stop
      }
    ),
    (server) =>
      server.stop
  )
