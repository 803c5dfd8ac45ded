/**
 * A deployment holding 0.1.x data: its rows, sealed the 0.1.x way under a passphrase, are
 * accepted by the schema, converted by upgradeFromV01 (in batches, resumably, idempotently),
 * leave no secret in clear, and a user's agent provisioned afterwards from stored secrets
 * with the same passphrase runs with the migrated values.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api } from "../_generated/api.js";
import { allRows, setupHarness, type Harness } from "../../testing/harness.js";

/** 0.1.x's AGENT_SECRETS_ENCRYPTION_KEY: any string, here a passphrase. */
const PASSPHRASE = "okr linkhub agents, 2025!";

/** Seals one value as 0.1.x did: base64(iv) + "." + base64(AES-256-GCM ciphertext with its tag). */
async function sealV01(value: string, passphrase = PASSPHRASE): Promise<string> {
  const keyBytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(passphrase));
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "AES-GCM" }, false, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const box = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new TextEncoder().encode(value)),
  );
  const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
  return `${b64(iv)}.${b64(box)}`;
}

/** Values 0.1.x held, every one of them secret. */
const V01 = {
  tenantLlmApiKey: "sk-tenant-llm-0a1b2c",
  tenantOpenclawAppKey: "tenant-app-key-5d6e7f",
  tenantGatewayToken: "tenant-gw-token-8a9b0c",
  userLlmApiKey: "sk-user-llm-1d2e3f",
  userTelegramBotToken: "987654:AAF-user-telegram-4a5b6c",
  userGatewayToken: "user-gw-token-7d8e9f",
  recordAppKey: "record-app-key-0f1e2d",
  recordServiceKey: "record-svc-key-3c4b5a",
  otherAppKey: "other-app-key-6f7e8d",
  otherServiceKey: "other-svc-key-9c0b1a",
};
/** The tenant's non-secret defaults 0.1.x sealed too. */
const DEFAULTS = {
  image: "registry.fly.io/linkhub-agents:openclaw-okr-v1",
  llmModel: "moonshotai/kimi-k2.5",
  allowedSkillsJson: '["linkhub-bridge","calendar"]',
};

let h: Harness;
beforeEach(async () => {
  h = await setupHarness();
});
afterEach(async () => {
  await h.close();
});

/** Inserts 0.1.x rows as 0.1.x wrote them; returns the ids the test follows. */
async function seedV01() {
  const company = {
    tenantId: "tenant-a",
    flyAppNameEnc: await sealV01(h.app),
    imageEnc: await sealV01(DEFAULTS.image),
    llmModelEnc: await sealV01(DEFAULTS.llmModel),
    openclawAppKeyEnc: await sealV01(V01.tenantOpenclawAppKey),
    allowedSkillsJsonEnc: await sealV01(DEFAULTS.allowedSkillsJson),
    flyApiTokenEnc: await sealV01(h.fly.token),
    llmApiKeyEnc: await sealV01(V01.tenantLlmApiKey),
    openclawGatewayTokenEnc: await sealV01(V01.tenantGatewayToken),
    updatedAt: 1_700_000_000_000,
  };
  const userSecrets = {
    agentKey: "tenant-a:user-1",
    tenantId: "tenant-a",
    userId: "user-1",
    llmApiKeyEnc: await sealV01(V01.userLlmApiKey),
    telegramBotTokenEnc: await sealV01(V01.userTelegramBotToken),
    openclawGatewayTokenEnc: await sealV01(V01.userGatewayToken),
    updatedAt: 1_700_000_000_000,
  };
  return await h.t.run(async (ctx) => {
    await ctx.db.insert("companySecrets", company);
    await ctx.db.insert("agentVmSecrets", userSecrets);
    const userAgent = await ctx.db.insert("agentMachines", {
      userId: "user-1",
      tenantId: "tenant-a",
      status: "deleted",
      allowedSkills: ["linkhub-bridge"],
      memoryMB: 512,
      appKey: V01.recordAppKey,
      bridgeUrl: "https://bridge.example.com",
      serviceId: "svc-1",
      serviceKey: V01.recordServiceKey,
      region: "iad",
    });
    const otherAgent = await ctx.db.insert("agentMachines", {
      userId: "user-2",
      tenantId: "tenant-a",
      machineId: "0e286039f42e86",
      flyVolumeId: "vol_4ylknl3p7zj5n2kv",
      status: "hibernated",
      allowedSkills: ["linkhub-bridge"],
      memoryMB: 512,
      appKey: V01.otherAppKey,
      bridgeUrl: "https://bridge.example.com",
      serviceId: "svc-2",
      serviceKey: V01.otherServiceKey,
      region: "iad",
      lastWakeAt: 1_700_000_000_000,
      lifecycleMode: "hibernated",
    });
    const snapshot = await ctx.db.insert("agentSnapshots", {
      agentKey: "tenant-a:user-2",
      machineDocId: otherAgent,
      tenantId: "tenant-a",
      userId: "user-2",
      status: "restored",
      flyVolumeSnapshotId: "vs_v01snapshot",
      manifest: {
        sourceMachineId: "0e286039f42e86",
        sourceFlyVolumeId: "vol_4ylknl3p7zj5n2kv",
        image: DEFAULTS.image,
        region: "iad",
        backupScope: "openclaw-state-plus-manifest",
        backupCreatedAt: 1_700_000_500_000,
      },
      restoreInfo: {
        restoredMachineDocId: otherAgent,
        restoredMachineId: "0e286039f42e86",
        restoredAt: 1_700_000_600_000,
      },
    });
    await ctx.db.patch("agentMachines", otherAgent, { latestSnapshotId: snapshot });
    return { userAgent, otherAgent, snapshot };
  });
}

function expectNoSecretIn(text: string) {
  for (const secret of [...Object.values(V01), h.fly.token, PASSPHRASE]) expect(text).not.toContain(secret);
}

describe("upgradeFromV01", () => {
  it("the schema accepts 0.1.x rows as they stand, and still refuses a malformed one", async () => {
    await seedV01();
    await expect(
      h.t.run((ctx) =>
        ctx.db.insert("agentMachines", {
          userId: "u",
          tenantId: "t",
          status: "asleep" as "deleted",
          allowedSkills: [],
          memoryMB: 1,
          region: "iad",
        }),
      ),
    ).rejects.toThrow(/asleep/);
  });

  it("before the upgrade, functions on 0.1.x rows say to run it, and reading presence works", async () => {
    const { otherAgent } = await seedV01();
    await expect(h.t.query(api.lib.getAgentMachine, { machineDocId: otherAgent })).rejects.toThrow(/upgradeFromV01/);
    await expect(h.t.action(api.lib.startAgentMachine, { machineDocId: otherAgent, ...h.target })).rejects.toThrow(
      /upgradeFromV01/,
    );
    expect(await h.t.query(api.lib.getAgentSecretsMeta, { tenantId: "tenant-a", userId: "user-1" })).toMatchObject({
      keyId: "0.1.x",
      hasLlmApiKey: true,
      hasFlyApiToken: false,
    });
    await expect(
      h.t.action(
        api.lib.provisionAgentMachine,
        h.provisionArgs({ userId: "user-2", restoreFromLatestSnapshot: false }),
      ),
    ).rejects.toThrow(/upgradeFromV01/);
    await expect(
      h.t.action(api.lib.provisionAgentMachineWithStoredSecrets, {
        ...h.provisionArgs(),
        secretsEncryptionKey: PASSPHRASE,
      }),
    ).rejects.toThrow(/upgradeFromV01/);
    expect(h.fly.state.requests()).toHaveLength(0);
  });

  it("converts every row, in batches; a second run changes nothing; no secret is left in clear", async () => {
    const { userAgent, otherAgent, snapshot } = await seedV01();
    const target = { flyAppName: h.app, secretsEncryptionKey: PASSPHRASE, batchSize: 1 };

    const first = await h.t.action(api.lib.upgradeFromV01, { ...target, maxBatches: 2 });
    expect(first).toMatchObject({ done: false, batches: 2 });
    const rest = await h.t.action(api.lib.upgradeFromV01, target);
    expect(rest.done).toBe(true);
    expect(first.companySecrets + rest.companySecrets).toBe(1);
    expect(first.agentSecrets + rest.agentSecrets).toBe(1);
    expect(rest).toMatchObject({ agentMachines: 2, agentSnapshots: 1 });
    expect(rest.keyAdvice).toMatch(/openssl rand -base64 32/);

    const upgraded = JSON.stringify(await allRows(h.t));
    expectNoSecretIn(upgraded);
    const again = await h.t.action(api.lib.upgradeFromV01, target);
    expect(again).toMatchObject({ done: true, batches: 0, companySecrets: 0, agentMachines: 0 });
    expect(JSON.stringify(await allRows(h.t))).toBe(upgraded);

    const other = await h.t.query(api.lib.getAgentMachine, { machineDocId: otherAgent });
    expect(other).toMatchObject({
      status: "stopped",
      lifecycleMode: "hibernated",
      flyAppName: h.app,
      machineId: "0e286039f42e86",
      latestSnapshotId: snapshot,
    });
    expect(other).not.toHaveProperty("appKey");
    expect(await h.t.query(api.lib.getAgentMachine, { machineDocId: userAgent })).toMatchObject({ status: "deleted" });
    const snapshots = await h.t.query(api.lib.listAgentSnapshots, { machineDocId: otherAgent });
    expect(snapshots).toEqual([
      expect.objectContaining({ status: "created", flyAppName: h.app, flyVolumeId: "vol_4ylknl3p7zj5n2kv" }),
    ]);
    expect(await h.t.query(api.lib.getCompanySecrets, { tenantId: "tenant-a" })).toMatchObject({
      flyAppName: h.app,
      ...DEFAULTS,
      hasFlyApiToken: true,
      hasOpenclawAppKey: true,
      hasTelegramBotToken: false,
    });
    expect(await h.t.query(api.lib.getAgentSecretsMeta, { tenantId: "tenant-a", userId: "user-2" })).toMatchObject({
      hasAppKey: true,
      hasServiceKey: true,
      hasLlmApiKey: false,
    });
  });

  it("merges a second 0.1.x secrets row of the same user into the first", async () => {
    await seedV01();
    await h.t.run(async (ctx) => {
      await ctx.db.insert("agentVmSecrets", {
        agentKey: "tenant-a:user-1",
        tenantId: "tenant-a",
        userId: "user-1",
        openaiApiKeyEnc: await sealV01("sk-openai-duplicate-row"),
        llmApiKeyEnc: await sealV01("sk-llm-of-the-second-row"),
        updatedAt: 1_700_000_100_000,
      });
    });
    const result = await h.t.action(api.lib.upgradeFromV01, { flyAppName: h.app, secretsEncryptionKey: PASSPHRASE });
    expect(result).toMatchObject({ done: true, agentSecrets: 2 });
    const rows = await h.t.run((ctx) => ctx.db.query("agentVmSecrets").collect());
    expect(rows.filter((row) => row.userId === "user-1")).toHaveLength(1);
    expect(await h.t.query(api.lib.getAgentSecretsMeta, { tenantId: "tenant-a", userId: "user-1" })).toMatchObject({
      hasOpenaiApiKey: true,
      hasLlmApiKey: true,
      hasTelegramBotToken: true,
    });
  });

  it("a key that cannot open 0.1.x values stops with wrong_encryption_key, and nothing of that batch is written", async () => {
    await seedV01();
    const before = JSON.stringify(await allRows(h.t));
    await expect(
      h.t.action(api.lib.upgradeFromV01, { flyAppName: h.app, secretsEncryptionKey: "not the 0.1.x passphrase" }),
    ).rejects.toThrow(/could not be opened/);
    expect(JSON.stringify(await allRows(h.t))).toBe(before);
  });

  it("provisioning the user from stored secrets with the same passphrase runs a Machine holding the migrated values", async () => {
    await seedV01();
    const args = { flyAppName: h.app, secretsEncryptionKey: PASSPHRASE };
    let upgrade = await h.t.action(api.lib.upgradeFromV01, args);
    while (!upgrade.done) upgrade = await h.t.action(api.lib.upgradeFromV01, args);
    const result = await h.t.action(api.lib.provisionAgentMachineWithStoredSecrets, {
      tenantId: "tenant-a",
      userId: "user-1",
      flyAppName: h.app,
      flyApiBaseUrl: h.fly.url,
      secretsEncryptionKey: PASSPHRASE,
      bridgeUrl: "https://bridge.example.com",
      serviceId: "svc-1",
      startupTimeoutSec: 10,
    });
    const machine = h.fly.state.machine(h.app, result.machineId);
    expect(machine?.config?.image).toBe(DEFAULTS.image);
    expect(machine?.config?.env).toMatchObject({
      LLM_API_KEY: V01.userLlmApiKey,
      TELEGRAM_BOT_TOKEN: V01.userTelegramBotToken,
      OPENCLAW_GATEWAY_TOKEN: V01.userGatewayToken,
      OPENCLAW_APP_KEY: V01.recordAppKey,
      OPENCLAW_SERVICE_KEY: V01.recordServiceKey,
      LLM_MODEL: DEFAULTS.llmModel,
      ALLOWED_SKILLS_JSON: DEFAULTS.allowedSkillsJson,
    });
    const record = await h.t.query(api.lib.getAgentMachine, { machineDocId: result.machineDocId });
    expect(record?.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expectNoSecretIn(JSON.stringify([await allRows(h.t), result, record]));
  });
});
