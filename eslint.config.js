import js from "@eslint/js"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["**/dist/**", "**/build/**", "**/node_modules/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-namespace": "off",
      "@typescript-eslint/consistent-type-imports": "error",
      "require-yield": "off"
    }
  },
  {
    // the core both Effect lines share depends on no Effect API: only Node's built-ins and itself
    files: ["packages/core/src/**"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{
          group: ["effect", "effect/*", "@effect/*", "effect-auth", "effect-auth/*"],
          message: "packages/core imports no Effect API: it is shared by both Effect lines"
        }]
      }]
    }
  },
  {
    // the specifications both lines run: no Effect API and no test runner (the lines run vitest 3 and vitest 5)
    files: ["packages/specs/src/**"],
    rules: {
      "no-restricted-imports": ["error", {
        patterns: [{
          group: ["effect", "effect/*", "@effect/*", "effect-auth", "effect-auth/*", "vitest", "vitest/*", "ws"],
          message: "packages/specs is shared by both Effect lines: plain Node and fast-check only"
        }]
      }]
    }
  },
  {
    // type tests keep values only to ask for their types
    files: ["**/test/types/**", "**/test-register/**"],
    rules: { "@typescript-eslint/no-unused-vars": "off" }
  }
)
