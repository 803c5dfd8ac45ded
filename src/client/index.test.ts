/**
 * The `FlyAgents` class against the registered component, in a tiny host app whose functions
 * are written inline (`t.action(async (ctx) => ...)`), with a Fly emulator on 127.0.0.1.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { convexTest } from "convex-test";
import { componentsGeneric } from "convex/server";
import { FlyAgents, isFlyAgentsError, type ComponentApi } from "./index.js";
import { register } from "../test.js";
import { OTHER_KEY, SECRETS, TEST_KEY } from "../testing/harness.js";
import { HOST_ENV_BINDINGS } from "../testing/bindings.js";
import { underDeploymentRules } from "../testing/deployment.js";
import { startFlyEmulator, type FlyEmulator } from "../fly-emulator/index.js";

/** `components` as a host app's `_generated/api` would give it. */
const components = componentsGeneric() as unknown as { flyAgents: ComponentApi };
/**
 * The tiny host app has no function modules of its own; convex-test only needs an entry under
 * `_generated/` to know where the app's root is.
 */
const hostModules = { "./host/_generated/api.js": async () => ({}) };

const APP = "client-agents";
const HOST_ENV = ["FLY_APP_NAME", "FLY_API_TOKEN", "AGENT_SECRETS_ENCRYPTION_KEY", "FLY_API_BASE_URL"] as const;
const AGENT = { llmModel: "moonshotai/kimi-k2.5", bridgeUrl: "https://bridge.example.com", serviceId: "svc-1" };

let fly: FlyEmulator;
let t: ReturnType<typeof convexTest>;
let savedEnv: Array<readonly [string, string | undefined]>;

beforeEach(async () => {
  fly = await startFlyEmulator({
    apps: [APP],
    bootTimeMs: 20,
    gatewayStartupMs: 20,
    stopTimeMs: 10,
    snapshotTimeMs: 30,
    restoreTimeMs: 30,
  });
  savedEnv = HOST_ENV.map((name) => [name, process.env[name]] as const);
  for (const name of HOST_ENV) delete process.env[name];
  t = convexTest(undefined, hostModules);
  register(underDeploymentRules(t, HOST_ENV_BINDINGS));
});
afterEach(async () => {
  for (const [name, value] of savedEnv) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await fly.close();
});

/** A client configured with explicit options only. */
function client(overrides: Partial<ConstructorParameters<typeof FlyAgents>[1]> = {}) {
  return new FlyAgents(components.flyAgents, {
    flyAppName: APP,
    flyApiToken: fly.token,
    flyApiBaseUrl: fly.url,
    secretsEncryptionKey: TEST_KEY,
    ...overrides,
  });
}

function machineEnv(machineId: string | undefined): Record<string, string> {
  if (!machineId) throw new Error("The agent has no machine -- invariant");
  return fly.state.machine(APP, machineId)?.config?.env ?? {};
}

describe("provisioning through the client", () => {
  it("provisions with stored secrets, then reads, lists and runs the whole lifecycle", async () => {
    const agents = client();
    await t.mutation(async (ctx) => await agents.setAgentSecrets(ctx, { tenantId: "t1", userId: "u1", ...SECRETS }));
    const result = await t.action(
      async (ctx) => await agents.provision(ctx, { tenantId: "t1", userId: "u1", ...AGENT }),
    );
    expect(result.effectiveModel).toBe(AGENT.llmModel);

    const agent = await t.query(async (ctx) => await agents.get(ctx, { machineDocId: result.machineDocId }));
    expect(agent).toMatchObject({
      status: "running",
      tenantId: "t1",
      userId: "u1",
      flyAppName: APP,
      machineId: result.machineId,
    });
    expect(machineEnv(result.machineId)).toMatchObject({
      LLM_API_KEY: SECRETS.llmApiKey,
      OPENCLAW_GATEWAY_TOKEN: SECRETS.openclawGatewayToken,
    });
    const listed = await t.query(async (ctx) => await agents.listByTenant(ctx, { tenantId: "t1" }));
    expect(listed.map((row) => row._id)).toEqual([result.machineDocId]);
    const page = await t.query(
      async (ctx) =>
        await agents.listByTenantPage(ctx, {
          tenantId: "t1",
          status: "running",
          paginationOpts: { numItems: 5, cursor: null },
        }),
    );
    expect(page.page).toHaveLength(1);

    const target = { machineDocId: result.machineDocId };
    await t.mutation(async (ctx) => await agents.touchActivity(ctx, target));
    await t.mutation(async (ctx) => await agents.updateAllowedSkills(ctx, { ...target, allowedSkills: ["calendar"] }));
    expect(await t.query(async (ctx) => await agents.get(ctx, target))).toMatchObject({
      allowedSkills: ["calendar"],
      lastActivityAt: expect.any(Number),
    });

    const code = fly.state.issuePairingCode(APP, result.machineId);
    await t.action(async (ctx) => await agents.approveTelegramPairing(ctx, { ...target, telegramPairingCode: code }));
    const snapshot = await t.action(async (ctx) => await agents.snapshot(ctx, target));
    expect(snapshot.status).toBe("created");
    await t.action(async (ctx) => await agents.stop(ctx, target));
    expect(await t.action(async (ctx) => await agents.sync(ctx, target))).toBe("stopped");
    await t.action(async (ctx) => await agents.start(ctx, target));
    await t.action(async (ctx) => await agents.restart(ctx, target));
    const recreated = await t.action(
      async (ctx) => await agents.recreateFromLatestSnapshot(ctx, { tenantId: "t1", userId: "u1", ...AGENT }),
    );
    expect(recreated.restoredFromSnapshotId).toBe(snapshot.snapshotId);
    await t.action(async (ctx) => await agents.deprovision(ctx, { machineDocId: recreated.machineDocId }));
    expect(await t.action(async (ctx) => await agents.sweep(ctx))).toMatchObject({ failures: [] });
    expect(fly.state.liveResources(APP)).toEqual({ machines: [], volumes: [] });

    const machineAudit = await t.query(
      async (ctx) => await agents.auditOfMachine(ctx, { ...target, paginationOpts: { numItems: 20, cursor: null } }),
    );
    expect(machineAudit.page.map((event) => event.operation).reverse()).toEqual([
      "provision",
      "pairing",
      "snapshot",
      "stop",
      "sync",
      "start",
      "restart",
      "deprovision",
    ]);
    const tenantAudit = await t.query(
      async (ctx) =>
        await agents.auditOfTenant(ctx, { tenantId: "t1", paginationOpts: { numItems: 50, cursor: null } }),
    );
    expect(tenantAudit.page.map((event) => event.operation)).toContain("recreate");
  });

  it("refuses a second agent for the same user with agent_exists", async () => {
    const agents = client();
    await t.mutation(async (ctx) => await agents.setAgentSecrets(ctx, { tenantId: "t1", userId: "u1", ...SECRETS }));
    await t.action(async (ctx) => await agents.provision(ctx, { tenantId: "t1", userId: "u1", ...AGENT }));
    const second = t.action(async (ctx) => await agents.provision(ctx, { tenantId: "t1", userId: "u1", ...AGENT }));
    const error: unknown = await second.then(
      () => null,
      (reason: unknown) => reason,
    );
    expect(isFlyAgentsError(error, "agent_exists")).toBe(true);
  });
});

describe("secrets through the client", () => {
  it("sets, reports presence only, keeps omitted values, removes empty ones and clears", async () => {
    const agents = client();
    const owner = { tenantId: "t1", userId: "u1" };
    const stored = await t.mutation(async (ctx) => await agents.setAgentSecrets(ctx, { ...owner, ...SECRETS }));
    expect(stored).toMatchObject({
      ...owner,
      hasLlmApiKey: true,
      hasTelegramBotToken: true,
      hasOpenaiApiKey: false,
      hasFlyApiToken: false,
    });

    // Omitted: kept. Empty string: removed.
    await t.mutation(async (ctx) => await agents.setAgentSecrets(ctx, { ...owner, telegramBotToken: "" }));
    const meta = await t.query(async (ctx) => await agents.getAgentSecretsMeta(ctx, owner));
    expect(meta).toMatchObject({ hasLlmApiKey: true, hasAppKey: true, hasTelegramBotToken: false });
    expect(meta?.keyId).toMatch(/^[0-9a-f]+$/);
    const visible = JSON.stringify([stored, meta]);
    for (const secret of Object.values(SECRETS)) expect(visible).not.toContain(secret);
    expect(visible).not.toContain(TEST_KEY);

    await t.mutation(async (ctx) => await agents.clearAgentSecrets(ctx, owner));
    expect(await t.query(async (ctx) => await agents.getAgentSecretsMeta(ctx, owner))).toBeNull();
  });

  it("falls back to the tenant's company secrets where a user stored none", async () => {
    const agents = client();
    const { llmApiKey, appKey, serviceKey } = SECRETS;
    await t.mutation(
      async (ctx) => await agents.setCompanySecrets(ctx, { tenantId: "t1", llmApiKey, appKey, serviceKey }),
    );
    expect(await t.query(async (ctx) => await agents.getCompanySecretsMeta(ctx, { tenantId: "t1" }))).toMatchObject({
      tenantId: "t1",
      hasLlmApiKey: true,
      hasTelegramBotToken: false,
    });
    const own = { telegramBotToken: "111:own-bot", openclawGatewayToken: "gw-own-token" };
    await t.mutation(async (ctx) => await agents.setAgentSecrets(ctx, { tenantId: "t1", userId: "u1", ...own }));
    await t.mutation(
      async (ctx) =>
        await agents.setAgentSecrets(ctx, { tenantId: "t1", userId: "u2", ...own, llmApiKey: "sk-u2-own" }),
    );

    const first = await t.action(
      async (ctx) => await agents.provision(ctx, { tenantId: "t1", userId: "u1", ...AGENT }),
    );
    const second = await t.action(
      async (ctx) => await agents.provision(ctx, { tenantId: "t1", userId: "u2", ...AGENT }),
    );
    expect(machineEnv(first.machineId)).toMatchObject({
      LLM_API_KEY: llmApiKey,
      OPENCLAW_APP_KEY: appKey,
      TELEGRAM_BOT_TOKEN: own.telegramBotToken,
    });
    expect(machineEnv(second.machineId)).toMatchObject({ LLM_API_KEY: "sk-u2-own", OPENCLAW_SERVICE_KEY: serviceKey });

    // Without the tenant's defaults a third user lacks keys, and is told where to store them.
    await t.mutation(async (ctx) => await agents.clearCompanySecrets(ctx, { tenantId: "t1" }));
    expect(await t.query(async (ctx) => await agents.getCompanySecretsMeta(ctx, { tenantId: "t1" }))).toBeNull();
    await t.mutation(async (ctx) => await agents.setAgentSecrets(ctx, { tenantId: "t1", userId: "u3", ...own }));
    await expect(
      t.action(async (ctx) => await agents.provision(ctx, { tenantId: "t1", userId: "u3", ...AGENT })),
    ).rejects.toThrow(
      /Missing llmApiKey \(LLM_API_KEY\), appKey \(OPENCLAW_APP_KEY\), serviceKey \(OPENCLAW_SERVICE_KEY\).*upsertCompanySecrets/,
    );
  });

  it("rotates the encryption key: old-key secrets open under the new key only after rotation", async () => {
    process.env.AGENT_SECRETS_ENCRYPTION_KEY = TEST_KEY;
    const agents = new FlyAgents(components.flyAgents, {
      flyAppName: APP,
      flyApiToken: fly.token,
      flyApiBaseUrl: fly.url,
    });
    const owner = { tenantId: "t1", userId: "u1" };
    await t.mutation(async (ctx) => await agents.setAgentSecrets(ctx, { ...owner, ...SECRETS }));
    const before = await t.query(async (ctx) => await agents.getAgentSecretsMeta(ctx, owner));

    // 1. Deploy with the new key first and the old one after it: "new,old".
    process.env.AGENT_SECRETS_ENCRYPTION_KEY = `${OTHER_KEY},${TEST_KEY}`;
    // 2. Re-seal every stored secret under the new key.
    const rotation = await t.action(async (ctx) => await agents.rotateSecretsEncryptionKey(ctx));
    expect(rotation.rotated).toBe(1);
    // 3. Drop the old key.
    process.env.AGENT_SECRETS_ENCRYPTION_KEY = OTHER_KEY;

    const after = await t.query(async (ctx) => await agents.getAgentSecretsMeta(ctx, owner));
    expect(after?.keyId).toBe(rotation.keyId);
    expect(after?.keyId).not.toBe(before?.keyId);
    const result = await t.action(async (ctx) => await agents.provision(ctx, { ...owner, ...AGENT }));
    expect(machineEnv(result.machineId)).toMatchObject({ LLM_API_KEY: SECRETS.llmApiKey });

    // With only the old key, the re-sealed secrets cannot be opened.
    process.env.AGENT_SECRETS_ENCRYPTION_KEY = TEST_KEY;
    const stale = await t
      .action(async (ctx) => await agents.start(ctx, { machineDocId: result.machineDocId }))
      .then(
        () => null,
        (reason: unknown) => reason,
      );
    expect(isFlyAgentsError(stale, "wrong_encryption_key")).toBe(true);
  });
});

describe("options", () => {
  /** The options that point at the emulator with the test key. */
  const emulatorOptions = () => ({
    flyAppName: APP,
    flyApiToken: fly.token,
    secretsEncryptionKey: TEST_KEY,
    flyApiBaseUrl: fly.url,
  });

  /** Stores user u1's secrets and provisions their agent through `agents`; its machine must have started. */
  async function provisionStarted(agents: FlyAgents) {
    await t.mutation(async (ctx) => await agents.setAgentSecrets(ctx, { tenantId: "t1", userId: "u1", ...SECRETS }));
    const result = await t.action(
      async (ctx) => await agents.provision(ctx, { tenantId: "t1", userId: "u1", ...AGENT }),
    );
    expect(fly.state.machine(APP, result.machineId)?.state).toBe("started");
    return result;
  }

  it("fall back to the host's env vars, read when a call is made", async () => {
    const agents = new FlyAgents(components.flyAgents);
    expect(agents.options).toEqual({
      flyAppName: undefined,
      flyApiToken: undefined,
      secretsEncryptionKey: undefined,
      flyApiBaseUrl: undefined,
    });
    await expect(t.action(async (ctx) => await agents.sweep(ctx))).rejects.toThrow(
      /Missing flyAppName: pass it to new FlyAgents/,
    );

    process.env.FLY_APP_NAME = APP;
    process.env.FLY_API_TOKEN = fly.token;
    process.env.AGENT_SECRETS_ENCRYPTION_KEY = TEST_KEY;
    process.env.FLY_API_BASE_URL = fly.url;
    expect(agents.options).toEqual(emulatorOptions());
    await provisionStarted(agents);
  });

  it("given to the constructor win over the host's env vars", async () => {
    process.env.FLY_APP_NAME = "some-other-app";
    process.env.FLY_API_TOKEN = "not-the-emulator-token";
    process.env.FLY_API_BASE_URL = "http://127.0.0.1:9/v1"; // nothing listens on the discard port
    process.env.AGENT_SECRETS_ENCRYPTION_KEY = OTHER_KEY;
    const agents = client();
    expect(agents.options).toEqual(emulatorOptions());
    const result = await provisionStarted(agents);
    // Sealed with the constructor's key, not the env's.
    const meta = await t.query(async (ctx) => await agents.getAgentSecretsMeta(ctx, { tenantId: "t1", userId: "u1" }));
    const withEnvKey = new FlyAgents(components.flyAgents, {
      flyAppName: APP,
      flyApiToken: fly.token,
      flyApiBaseUrl: fly.url,
    });
    const opened = await t
      .action(async (ctx) => await withEnvKey.stop(ctx, { machineDocId: result.machineDocId }))
      .then(
        () => null,
        (reason: unknown) => reason,
      );
    expect(meta?.keyId).toBeDefined();
    expect(isFlyAgentsError(opened, "wrong_encryption_key")).toBe(true);
  });
});
