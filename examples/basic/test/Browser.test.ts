/**
 * The login flow in a real browser: Chromium (Debian's `/usr/bin/chromium`, headless) driven by playwright-core
 * against the example app on 127.0.0.1, and a second server on another port playing another site that posts forms
 * to the app. A screenshot of the dashboard is kept in `examples/basic/test-artifacts/`.
 */
import { HttpServerResponse } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { serve } from "effect-auth/NodeTesting"
import { existsSync, mkdirSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { chromium } from "playwright-core"
import { app, BackendLive } from "../src/App.js"

// CHROMIUM_PATH points elsewhere (or at nothing, to see the skip)
const executablePath = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium"
const artifacts = fileURLToPath(new URL("../test-artifacts/", import.meta.url))

// another site's page: a form to the app that submits itself as soon as the page loads
const attackerPage = (action: string, fields: Record<string, string>) =>
  HttpServerResponse.text(
    `<!doctype html><html><body><form method="post" action="${action}">${
      Object.entries(fields).map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`).join("")
    }</form><script>document.forms[0].submit()</script></body></html>`,
    { contentType: "text/html; charset=utf-8" }
  )

const launch = Effect.acquireRelease(
  Effect.promise(() => chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] })),
  (browser) => Effect.promise(() => browser.close())
)

describe("the login flow in Chromium", () => {
  if (!existsSync(executablePath)) {
    const reason = `skipped: ${executablePath} is missing (install it with apt-get install -y chromium)`
    // said at collection too, since a run's summary lists skipped tests without their names
    console.warn(`Browser test ${reason}`)
    it.skip(reason, () => {})
    return
  }

  it.scoped(
    "dashboard -> login -> dashboard -> logout; a wrong password shows the error; other sites are refused",
    () =>
      Effect.gen(function*() {
        // built in the test's scope: the database stays open while the server runs
        const url = yield* serve(app).pipe(Effect.provide(yield* Layer.build(BackendLive)))
        const logoutElsewhere = yield* serve(attackerPage(`${url}/logout`, {}))
        // login CSRF: the attacker's own account, with a token made up or taken from its own visit
        const loginElsewhere = yield* serve(
          attackerPage(`${url}/login`, { username: "bob", password: "builder", csrf_token: "A".repeat(43) })
        )
        const browser = yield* launch
        const context = yield* Effect.acquireRelease(
          Effect.promise(() => browser.newContext()),
          (context) => Effect.promise(() => context.close())
        )
        const page = yield* Effect.promise(() => context.newPage())
        const text = () => Effect.promise(() => page.locator("body").innerText())

        yield* Effect.promise(() => page.goto(`${url}/dashboard`))
        assert.strictEqual(page.url(), `${url}/login?next=%2Fdashboard`)

        // a wrong password: the form again, with the generic error
        yield* Effect.promise(async () => {
          await page.fill("input[name=username]", "alice")
          await page.fill("input[name=password]", "wrong")
          await Promise.all([page.waitForURL(`${url}/login`), page.click("button[type=submit]")])
        })
        assert.strictEqual(
          yield* Effect.promise(() => page.locator("#error").innerText()),
          "Invalid username or password."
        )

        yield* Effect.promise(async () => {
          await page.fill("input[name=password]", "wonderland")
          await Promise.all([page.waitForURL(`${url}/dashboard`), page.click("button[type=submit]")])
        })
        assert.include(yield* text(), "dashboard of alice")
        mkdirSync(artifacts, { recursive: true })
        yield* Effect.promise(() => page.screenshot({ path: `${artifacts}dashboard.png`, fullPage: true }))

        // another site's forms: refused, the session untouched (not logged out, not logged in as the attacker)
        for (const elsewhere of [logoutElsewhere, loginElsewhere]) {
          const response = yield* Effect.promise(async () => {
            const [response] = await Promise.all([
              page.waitForResponse((response) => response.url().startsWith(url)),
              page.goto(elsewhere)
            ])
            await page.waitForLoadState()
            return response
          })
          assert.strictEqual(response.status(), 403)
          assert.strictEqual(yield* text(), "Forbidden: cross-site request")
          yield* Effect.promise(() => page.goto(`${url}/dashboard`))
          assert.strictEqual(page.url(), `${url}/dashboard`)
          assert.include(yield* text(), "dashboard of alice")
        }

        yield* Effect.promise(() => Promise.all([page.waitForURL(`${url}/login`), page.click("button[type=submit]")]))
        yield* Effect.promise(() => page.goto(`${url}/dashboard`))
        assert.strictEqual(page.url(), `${url}/login?next=%2Fdashboard`)
      }),
    { timeout: 180_000 }
  )
})
