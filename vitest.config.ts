import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Resolve this package's own exports to TypeScript sources, as `npx convex dev` does.
    conditions: ["@convex-dev/component-source"],
  },
  // Tests run in Vite's SSR environment, which has its own conditions: without these, the example
  // app's imports of "@okrlinkhub/fly-agents" would resolve to dist/, which tests never build.
  ssr: { resolve: { conditions: ["@convex-dev/component-source"] } },
  test: {
    environment: "edge-runtime",
    server: { deps: { inline: ["convex-test"] } },
    // Holds convex-test to a deployment's rules (no `.paginate()` in components, env vars scoped to
    // their bindings): the bindings come from the codegen's analysis of convex/convex.config.ts, read
    // once per run; the scoped process.env is installed before any test file loads a component.
    globalSetup: ["src/testing/globalSetup.ts"],
    setupFiles: ["src/testing/deployment.ts"],
    include: ["src/**/*.test.ts", "convex/**/*.test.ts", "example/**/*.test.ts", "scripts/**/*.test.ts"],
    typecheck: {
      enabled: true,
      include: ["src/**/*.test-d.ts", "convex/**/*.test-d.ts"],
      tsconfig: "./tsconfig.json",
    },
    testTimeout: 30_000,
    // The fault matrix runs its cases side by side: each mostly waits on its own emulator.
    maxConcurrency: 12,
    hookTimeout: 30_000,
  },
});
