// README: testSetup
/// <reference types="vite/client" />
/**
 * Where the README's test scenarios start: the example app in convex-test, with the component registered
 * through the package's `/test` export, against a Fly emulator on 127.0.0.1. Two dots in the file name keep
 * it out of `npx convex dev`'s reach.
 */
import { convexTest, type TestConvex } from "convex-test";
import { onTestFinished } from "vitest";
import flyAgentsTest from "@okrlinkhub/fly-agents/test";
import { startFlyEmulator, type FlyEmulatorOptions } from "@okrlinkhub/fly-agents/fly-emulator";
import { api } from "./_generated/api.js";
import { FLY_APP_NAME } from "./agents.js";
import schema from "./schema.js";

const modules = import.meta.glob(["./**/*.*s", "!./**/*.test.ts", "!./**/*.test-d.ts", "!./**/*.setup.ts"]);
/** A test-only AGENT_SECRETS_ENCRYPTION_KEY (`openssl rand -base64 32`). */
export const TEST_ENCRYPTION_KEY = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
const ENV_VARS = ["AGENT_SECRETS_ENCRYPTION_KEY", "FLY_API_TOKEN", "FLY_API_BASE_URL"] as const;

/**
 * The app on a fresh Fly emulator, its env vars pointing at it; both go away when the test ends.
 * @param emulatorOptions Overrides of the emulator's fast timings (or Fly's rate limits, faults).
 */
export async function startApp(emulatorOptions: FlyEmulatorOptions = {}) {
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
  const saved = ENV_VARS.map((name) => [name, process.env[name]] as const);
  process.env.AGENT_SECRETS_ENCRYPTION_KEY = TEST_ENCRYPTION_KEY;
  process.env.FLY_API_TOKEN = fly.token;
  process.env.FLY_API_BASE_URL = fly.url;
  onTestFinished(async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await fly.close();
  });

  const t = convexTest(schema, modules);
  flyAgentsTest.register(t);
  return { t, fly };
}

/** The tenant "acme" with its admin's defaults set, and its user Alice with her Telegram bot token stored. */
export async function acmeWithAlice() {
  const { t, fly } = await startApp();
  return { t, fly, ...(await seedAcme(t)) };
}

/**
 * Acme's admin sets its defaults, and Alice stores her bot token, on any test instance of the app.
 * @returns The two of them, as their sign-in tokens describe them.
 */
export async function seedAcme(t: TestConvex<typeof schema>) {
  const ada = t.withIdentity({ subject: "ada", tenantId: "acme", role: "admin" });
  await ada.mutation(api.tenants.setTenantDefaults, {
    llmModel: "moonshotai/kimi-k2.5",
    bridgeUrl: "https://bridge.acme.example",
    serviceId: "svc-acme",
    allowedSkills: ["calendar", "email"],
    llmApiKey: "sk-acme-llm-5d1c9e",
    appKey: "acme-app-key-77b2",
    serviceKey: "acme-service-key-3f08",
  });
  const alice = t.withIdentity({ subject: "alice", tenantId: "acme" });
  await alice.mutation(api.agents.setAgentSecrets, {
    tenantId: "acme",
    userId: "alice",
    telegramBotToken: "700100200:AAF-alice-bot-token",
  });
  return { ada, alice };
}
// README: end
