import { defineConfig } from "vitest/config"

// The Effect 4 line's packages, run by vitest 5 under Node 22 (the root's `pnpm test` starts it with Node 22 first on
// PATH); the Effect 3 line and the shared core run under the root's vitest.workspace.ts.
export default defineConfig({
  test: {
    projects: ["auth", "jwt"]
  }
})
