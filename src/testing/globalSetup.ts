/**
 * Vitest's global setup: reads the env bindings of the example app's components once per run
 * (the offline codegen's analysis of convex/convex.config.ts) and provides them to every test
 * file, where `underDeploymentRules` gives each component only what it is bound.
 */
import type { TestProject } from "vitest/node";
import { componentEnvBindings } from "../../scripts/codegen/env-bindings.mjs";

export default async function setup(project: TestProject): Promise<void> {
  project.provide("componentEnvBindings", await componentEnvBindings({ root: project.config.root }));
}
