import type { ViteUserConfig } from "vitest/config"

// Workspace packages resolve to their TypeScript sources through the "source" export condition,
// so tests and examples run without a build.
export const shared: ViteUserConfig = {
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 20_000
  }
}
