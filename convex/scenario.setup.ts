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

export const modules = import.meta.glob(["./**/*.*s", "!./**/*.test.ts", "!./**/*.test-d.ts", "!./**/*.setup.ts"]);
/** A test-only AGENT_SECRETS_ENCRYPTION_KEY (`openssl rand -base64 32`). */
export const TEST_ENCRYPTION_KEY = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";

/** Callers, as their identity provider's JWT describes them: Acme's admin, and one of its users. */
export const ADA = { subject: "ada", tenantId: "acme", role: "admin" };
export const ALICE = { subject: "alice", tenantId: "acme" };
/** Acme's agent defaults, as its admin sets them, and Alice's Telegram bot token. */
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

/**
 * A fresh Fly emulator serving the app FLY_APP_NAME, with the deployment's env vars pointing at it: the
 * three lines the `fly-emulator` command prints, and the encryption key. `close` puts the env vars back
 * and stops the emulator.
 * @param emulatorOptions Overrides of the emulator's fast timings (or Fly's rate limits, faults).
 */
export async function startEmulator(emulatorOptions: FlyEmulatorOptions = {}) {
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
  const env = {
    FLY_API_BASE_URL: fly.url,
    FLY_API_TOKEN: fly.token,
    FLY_APP_NAME,
    AGENT_SECRETS_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
  };
  const saved = Object.keys(env).map((name) => [name, process.env[name]] as const);
  Object.assign(process.env, env);
  const close = async () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await fly.close();
  };
  return { fly, close };
}

/**
 * The app on a fresh Fly emulator (see startEmulator); both go away when the test ends.
 * @param emulatorOptions Overrides of the emulator's fast timings (or Fly's rate limits, faults).
 */
export async function startApp(emulatorOptions: FlyEmulatorOptions = {}) {
  const { fly, close } = await startEmulator(emulatorOptions);
  onTestFinished(close);
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
  const ada = t.withIdentity(ADA);
  await ada.mutation(api.tenants.setTenantDefaults, ACME_DEFAULTS);
  const alice = t.withIdentity(ALICE);
  await alice.mutation(api.agents.setAgentSecrets, {
    tenantId: "acme",
    userId: "alice",
    telegramBotToken: ALICE_BOT_TOKEN,
  });
  return { ada, alice };
}

/** The rollout once it has ended, read every 100 ms (a client would subscribe with useQuery instead). */
export async function endedRollout(caller: ReturnType<TestConvex<typeof schema>["withIdentity"]>, rolloutId: string) {
  for (;;) {
    const rollout = await caller.query(api.rollouts.getRollout, { rolloutId });
    if (rollout?.status !== "running") return rollout;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
// README: end
