import { defineProject } from "vitest/config"

// the scripts' own tests: plain Node, no workspace package to resolve
export default defineProject({ test: { name: "scripts", include: ["test/**/*.test.ts"] } })
