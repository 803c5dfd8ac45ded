#!/usr/bin/env node
/**
 * Runs a TypeScript entry (the demo, the benchmarks) through Vite's module runner, so that it
 * can use what the tests use: TypeScript, `import.meta.glob` (convex-test's module maps) and
 * this package's own exports resolved to its sources.
 *
 *   node scripts/vite-run.mjs example/demo.ts --agents 3
 */
import { createServer, createServerModuleRunnerTransport, defaultServerConditions } from "vite";
import { createNodeImportMeta, ModuleRunner } from "vite/module-runner";
import { resolve } from "node:path";

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error("usage: node scripts/vite-run.mjs <entry.ts> [args...]");
  process.exit(2);
}

const server = await createServer({
  configFile: false,
  root: process.cwd(),
  logLevel: "error",
  appType: "custom",
  server: { middlewareMode: true, hmr: false, ws: false, watch: null },
  optimizeDeps: { noDiscovery: true, include: [] },
  ssr: {
    // Packages whose test helpers ship TypeScript and `import.meta.glob` must go through Vite.
    noExternal: ["convex-test", "@convex-dev/rate-limiter", "@convex-dev/batch-worker"],
    resolve: { conditions: ["@convex-dev/component-source", ...defaultServerConditions] },
  },
});
// Vite guards each module fetch with a 60 s timer. convex-test loads a component's modules
// lazily, inside the first function that needs them, and forbids timers inside queries and
// mutations; so fetch without the timer.
const transport = { ...createServerModuleRunnerTransport({ channel: server.environments.ssr.hot }), timeout: 0 };
const runner = new ModuleRunner({
  transport,
  hmr: false,
  createImportMeta: createNodeImportMeta,
  sourcemapInterceptor: "prepareStackTrace",
});
process.argv = [process.argv[0], resolve(entry), ...args];
let exitCode = 0;
try {
  const module = await runner.import(resolve(entry));
  if (typeof module.main === "function") exitCode = (await module.main(args)) ?? 0;
} catch (error) {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  exitCode = 1;
} finally {
  await runner.close();
  await server.close();
}
process.exit(exitCode);
