/// <reference types="vite/client" />
/**
 * Shared by the example app's tests (not a Convex module: `npx convex dev` skips file names
 * with two dots). The app runs in convex-test with the component registered through the
 * package's `/test` export, against a Fly emulator on 127.0.0.1.
 */
import type { FlyEmulatorOptions } from "@okrlinkhub/fly-agents/fly-emulator";
import { HOST_ENV_BINDINGS } from "../src/testing/bindings.js";
import { underDeploymentRules, type ComponentEnvBindings } from "../src/testing/deployment.js";
import { convexTest } from "convex-test";
import flyAgentsTest from "@okrlinkhub/fly-agents/test";
import schema from "./schema.js";
import { modules, startEmulator } from "./scenario.setup.js";

export { ACME_DEFAULTS, ADA, ALICE, ALICE_BOT_TOKEN, modules, TEST_ENCRYPTION_KEY } from "./scenario.setup.js";

/** More callers, as their identity provider's JWT describes them. */
export const BOB = { subject: "bob", tenantId: "acme" };
export const MALLORY = { subject: "mallory", tenantId: "globex", role: "admin" }; // another tenant's admin

/**
 * Starts a Fly emulator and a fresh app, and points the deployment's env at the emulator
 * (scenario.setup.ts's startEmulator). `close` puts the env back and stops the emulator.
 * @param emulatorOptions Overrides of the emulator's fast test timings (the demo's slower ones,
 * Fly's rate limits, random faults).
 * @param envBindings What convex.config.ts binds to each component (default: what the codegen's
 * analysis of convex/convex.config.ts says); a test can take a binding away.
 */
export async function startExampleApp(
  emulatorOptions: FlyEmulatorOptions = {},
  envBindings: ComponentEnvBindings = HOST_ENV_BINDINGS,
) {
  const { fly, close } = await startEmulator(emulatorOptions);
  const t = convexTest(schema, modules);
  flyAgentsTest.register(t);
  // This project's own tests go further than a host's: they register the component again, under a
  // deployment's rules (src/testing/deployment.ts), so that `.paginate()` inside it, or a read of an
  // env var convex.config.ts does not bind to it, fails here as it would on Convex.
  flyAgentsTest.register(underDeploymentRules(t, envBindings));
  return { t, fly, close };
}
export type ExampleApp = Awaited<ReturnType<typeof startExampleApp>>;
