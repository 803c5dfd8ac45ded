// Lint: typescript-eslint with type information (for no-floating-promises: an action that forgets
// an `await` loses its error and can outlive its own operation), and Convex's own rules on every
// file that registers Convex functions (the component's and the example app's).
import convexPlugin from "@convex-dev/eslint-plugin";
import tseslint from "typescript-eslint";

const convexRules = convexPlugin.configs.recommended[0].rules;

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "dist/",
      "example/dist/",
      "bench-results/",
      "**/_generated/",
      "scripts/codegen/**/*.mjs",
    ],
  },
  {
    files: ["**/*.ts", "**/*.tsx"],
    extends: [tseslint.configs.base],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { attributes: false } }],
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
  {
    files: ["src/component/**/*.ts", "convex/**/*.ts"],
    plugins: { "@convex-dev": convexPlugin },
    rules: convexRules,
  },
  {
    // Test setup, not Convex code: it points the test deployment's env at an emulator.
    files: ["convex/*.setup.ts", "**/*.test.ts"],
    rules: { "@convex-dev/no-process-env": "off" },
  },
);
