/**
 * No credential reaches a log line or a trace span: right, wrong and malformed credentials of every kind are sent,
 * with failures, defects and timeouts among them; then every text the line kept of its logs and spans is searched
 * for every secret, and for its encodings (the base64 of a Basic header, the percent-encoding of a cookie).
 *
 * Wiring it on a line (see packages/effect3/auth/test/guarantees/ReliabilityRedaction.test.ts): the platform's access
 * logger around `AuthenticationMiddleware.make({ timeout: "100 millis" })`, a backend that is the first of Basic
 * (realm `redaction`: `alice` with {@link rightPassword}; `dies` dies with the password as a value, `hangs` hangs,
 * `unavailable` fails with ServiceUnavailable), Bearer ({@link rightToken} is `robot`), an API key in the header
 * `x-api-key` and in the cookie `key` ({@link rightKey}) and a session; `GET /` answering the user's display name
 * (or `"anonymous"`), `POST /login` reading `Login.readForm()`: 200 `welcome` for `alice` with the right password,
 * else 400 `no`. The line keeps every log line (message, annotations, cause in full, logfmt and JSON) and every span
 * as it ends (name, attributes, events, exit): reading them is its Effect API.
 */
import * as assert from "node:assert/strict"
import type { SendInit } from "./Reliability.js"
import { send } from "./Reliability.js"

// every secret is unique text, so that finding it anywhere means it leaked from where it was sent
export const rightPassword = "pw-Right-7f3a21"
export const wrongPassword = "pw-Wrong-9c1b55"
export const controlPassword = "pw-Ctl-\u0001-4d2e" // refused by the parser (a control character)
export const rightToken = "tok-Right-5e8a0c"
export const wrongToken = "tok-Wrong-b71d93"
export const malformedToken = "tok Mal-0af3" // a space: malformed
export const rightKey = "key-Right-c3f0d8"
export const wrongKey = "key-Wrong-82a6b1"
export const malformedKey = "key\u00e9Mal-6f2c" // non-ASCII: malformed
export const dyingPassword = "pw-Dying-1e7c4b" // the password of a user whose check dies
export const hangingPassword = "pw-Hanging-93bd0a" // the password of a user whose check hangs (the timeout answers)
export const unavailablePassword = "pw-Unavailable-5c21" // the password of a user whose check cannot be done now

/** The `Authorization` header of HTTP Basic credentials. */
export const basic = (username: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`
})

const form = (username: string, password: string) => ({
  path: "/login",
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({ username, password }).toString()
})

/** Every request sent, with the status it must answer; `sessionToken` is the line's session of `carol`. */
export const requests = (
  sessionToken: string
): ReadonlyArray<readonly [SendInit & { readonly path?: string }, number]> => [
  [{ headers: basic("alice", rightPassword) }, 200],
  [{ headers: basic("alice", wrongPassword) }, 200], // a wrong password is anonymous
  [{ headers: basic("alice", controlPassword) }, 400],
  [{ headers: basic("dies", dyingPassword) }, 500],
  [{ headers: basic("hangs", hangingPassword) }, 503],
  [{ headers: basic("unavailable", unavailablePassword) }, 503],
  [{ headers: { authorization: `Bearer ${rightToken}` } }, 200],
  [{ headers: { authorization: `Bearer ${wrongToken}` } }, 401],
  [{ headers: { authorization: `Bearer ${malformedToken}` } }, 400],
  [{ headers: { "x-api-key": rightKey } }, 200],
  [{ headers: { "x-api-key": wrongKey } }, 401],
  [{ headers: { "x-api-key": malformedKey } }, 400],
  [{ headers: { cookie: `key=${rightKey}` } }, 200],
  [{ headers: { cookie: `key=${wrongKey}` } }, 401],
  [{ headers: { cookie: `session=${sessionToken}` } }, 200],
  [{ headers: { cookie: `session=${sessionToken.slice(0, -4)}AAAA` } }, 200], // tampered: anonymous
  [{ ...form("alice", rightPassword) }, 200],
  [{ ...form("alice", wrongPassword) }, 400]
]

/** Sends {@link requests} one after another, each answered with its status; answers how many were sent. */
export const sendAll = async (url: string, sessionToken: string): Promise<number> => {
  const sent = requests(sessionToken)
  for (const [init, status] of sent) {
    const reply = await send(`${url}${init.path ?? "/"}`, init)
    assert.strictEqual(reply.status, status, JSON.stringify(init))
  }
  return sent.length
}

/** Every secret {@link requests} sent, and its encodings as sent. */
export const secrets = (sessionToken: string): ReadonlyArray<string> => [
  rightPassword,
  wrongPassword,
  controlPassword,
  dyingPassword,
  hangingPassword,
  unavailablePassword,
  rightToken,
  wrongToken,
  malformedToken,
  rightKey,
  wrongKey,
  malformedKey,
  sessionToken,
  // the parts of a session token: its public id may be logged, its secret never
  sessionToken.slice(sessionToken.indexOf(".") + 1),
  // what a Basic header holds, as sent
  ...[rightPassword, wrongPassword, controlPassword, dyingPassword].map((password) =>
    basic("alice", password).authorization.slice(6)
  ),
  ...[dyingPassword, hangingPassword, unavailablePassword].flatMap((password) =>
    ["dies", "hangs", "unavailable"].map((name) => basic(name, password).authorization.slice(6))
  ),
  encodeURIComponent(malformedKey),
  encodeURIComponent(rightPassword)
]

/**
 * {@link sendAll}, then the line's kept texts: everything was kept (a server span per request, access log lines, the
 * defect, the debug lines) and no secret is in them. `kept` reads what the line kept once all was sent.
 */
export const noSecretKept = async (
  url: string,
  sessionToken: string,
  kept: () => { readonly texts: ReadonlyArray<string>; readonly spans: number }
): Promise<void> => {
  const sent = await sendAll(url, sessionToken)
  const { spans, texts } = kept()
  assert.ok(spans >= sent, `${spans} spans for ${sent} requests`)
  const all = texts.join("\n")
  for (const expected of ["AuthenticationBackend failed unexpectedly", "<redacted>", "Session cookie ignored"]) {
    assert.ok(all.includes(expected), `the kept texts include ${JSON.stringify(expected)}`)
  }
  for (const secret of secrets(sessionToken)) {
    assert.ok(!all.includes(secret), `the kept texts do not include ${JSON.stringify(secret)}`)
  }
}

/**
 * A Basic backend whose check dies with an Error whose message the app wrote `<username>:<password>` into: the
 * client gets a generic 500, and the line's log holds the message as written (the app's leak, never answered).
 */
export const leakLoggedNeverAnswered = async (url: string, kept: () => ReadonlyArray<string>): Promise<void> => {
  const reply = await send(url, { headers: basic("alice", rightPassword) })
  assert.deepStrictEqual([reply.status, reply.body], [500, "Internal Server Error"])
  assert.ok(kept().join("\n").includes(`check failed for alice:${rightPassword}`))
}
