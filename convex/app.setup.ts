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
import { startFlyEmulator } from "@okrlinkhub/fly-agents/fly-emulator";
import schema from "./schema.js";
import { FLY_APP_NAME } from "./agents.js";

export const modules = import.meta.glob(["./**/*.*s", "!./**/*.test.ts", "!./**/*.test-d.ts", "!./**/*.setup.ts"]);

/** A valid AGENT_SECRETS_ENCRYPTION_KEY (32 bytes, base64). */
export const TEST_ENCRYPTION_KEY = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";

/** Callers, as their identity provider's JWT describes them. */
export const ADA = { subject: "ada", tenantId: "acme", role: "admin" }; // acme's admin
export const ALICE = { subject: "alice", tenantId: "acme" };
export const BOB = { subject: "bob", tenantId: "acme" };
export const MALLORY = { subject: "mallory", tenantId: "globex", role: "admin" }; // another tenant's admin

/** Acme's agent defaults, as its admin sets them. */
export const ACME_DEFAULTS = {
  llmModel: "moonshotai/kimi-k2.5",
  bridgeUrl: "https://bridge.acme.example",
  serviceId: "svc-acme",
  allowedSkills: ["calendar", "email"],
  llmApiKey: "sk-acme-llm-5d1c9e",
  appKey: "acme-app-key-77b2",
  serviceKey: "acme-service-key-3f08",
};
export const ALICE_BOT_TOKEN = "700100200:AAF-alice-bot-token";

const ENV_NAMES = ["AGENT_SECRETS_ENCRYPTION_KEY", "FLY_API_TOKEN", "FLY_API_BASE_URL"] as const;

/**
 * Remembers the deployment env vars that tests and the demo point at an emulator; returns a
 * function that puts them back.
 */
function saveDeploymentEnv(): () => void {
  const saved = ENV_NAMES.map((name) => [name, process.env[name]] as const);
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/**
 * Starts a Fly emulator and a fresh app, and points the deployment's env at the emulator.
 * `close` puts the env back and stops the emulator.
 * @param emulatorOptions Overrides of the emulator's fast test timings (the demo's slower ones,
 * Fly's rate limits, random faults).
 * @param envBindings What convex.config.ts binds to each component (default: what the codegen's
 * analysis of convex/convex.config.ts says); a test can take a binding away.
 */
export async function startExampleApp(
  emulatorOptions: FlyEmulatorOptions = {},
  envBindings: ComponentEnvBindings = HOST_ENV_BINDINGS,
) {
  const restoreEnv = saveDeploymentEnv();
  const fly = await startFlyEmulator({
    apps: [FLY_APP_NAME],
    bootTimeMs: 20,
    gatewayStartupMs: 20,
    stopTimeMs: 10,
    snapshotTimeMs: 30,
    restoreTimeMs: 30,
    volumeCreateMs: 10,
    detachLagMs: 10,
    pairingTimeMs: 20,
    ...emulatorOptions,
  });
  process.env.AGENT_SECRETS_ENCRYPTION_KEY = TEST_ENCRYPTION_KEY;
  process.env.FLY_API_TOKEN = fly.token;
  process.env.FLY_API_BASE_URL = fly.url;

  const t = convexTest(schema, modules);
  flyAgentsTest.register(t);
  // This project's own tests go further than a host's: they register the component again, under a
  // deployment's rules (src/testing/deployment.ts), so that `.paginate()` inside it, or a read of an
  // env var convex.config.ts does not bind to it, fails here as it would on Convex.
  flyAgentsTest.register(underDeploymentRules(t, envBindings));
  const close = async () => {
    restoreEnv();
    await fly.close();
  };
  return { t, fly, close };
}
export type ExampleApp = Awaited<ReturnType<typeof startExampleApp>>;
