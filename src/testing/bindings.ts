/**
 * The env bindings of the example app's components (convex/convex.config.ts), for
 * `underDeploymentRules`: under vitest, computed once per run by the global setup
 * (src/testing/globalSetup.ts); elsewhere (the demo, the benchmarks, in Vite's module runner,
 * which cannot load esbuild), by the codegen's script in a child Node process.
 */
import { execFileSync } from "node:child_process";
import type { ComponentEnvBindings } from "../../scripts/codegen/env-bindings.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    componentEnvBindings: ComponentEnvBindings;
  }
}

/** The repository root, which holds convex.json and convex/convex.config.ts. */
const REPO_ROOT = new URL("../../", import.meta.url).pathname;

/** Every component's env bindings, as the offline codegen's analysis of convex/convex.config.ts holds them. */
async function hostEnvBindings(): Promise<ComponentEnvBindings> {
  if (process.env.VITEST) {
    const { inject } = await import("vitest");
    return inject("componentEnvBindings");
  }
  const script = new URL("../../scripts/codegen/env-bindings.mjs", import.meta.url).pathname;
  return JSON.parse(execFileSync(process.execPath, [script, REPO_ROOT], { encoding: "utf8" })) as ComponentEnvBindings;
}

/** Every component's env bindings (loaded once, when this module loads). */
export const HOST_ENV_BINDINGS: ComponentEnvBindings = await hostEnvBindings();
