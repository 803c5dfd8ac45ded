import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api } from "../_generated/api.js";
import { allRows, OTHER_KEY, SECRETS, setupHarness, TEST_KEY, type Harness } from "../../testing/harness.js";
import { keyRingFrom, open, parseEncryptionKey, seal } from "./crypto.js";

let h: Harness;
beforeEach(async () => {
  h = await setupHarness();
});
afterEach(async () => {
  delete process.env.AGENT_SECRETS_ENCRYPTION_KEY;
  await h.close();
});

const owner = { tenantId: "tenant-a", userId: "user-1" };

describe("crypto", () => {
  it("seals and opens, and a different key cannot open", () => {
    const key = parseEncryptionKey(TEST_KEY);
    const sealed = seal({ llmApiKey: "secret-value" }, key);
    expect(sealed).not.toContain("secret-value");
    expect(open(sealed, keyRingFrom([TEST_KEY])!)).toEqual({ llmApiKey: "secret-value" });
    expect(() => open(sealed, keyRingFrom([OTHER_KEY])!)).toThrow(/sealed with key/);
  });

  it("draws a fresh nonce for every seal", () => {
    const key = parseEncryptionKey(TEST_KEY);
    const first = seal({ llmApiKey: "same" }, key);
    const second = seal({ llmApiKey: "same" }, key);
    expect(first).not.toBe(second);
    expect(first.split(":")[2]).not.toBe(second.split(":")[2]);
  });

  it("takes any other string as a passphrase: its key is the SHA-256 of its UTF-8 bytes, as in 0.1.x", async () => {
    const passphrase = "correct horse, battery staple";
    const key = parseEncryptionKey(passphrase);
    const expected = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(passphrase)));
    expect(key).toMatchObject({ derived: true, bytes: expected, legacyBytes: expected });
    // A comma does not split a passphrase into a key ring; it does split "random,old".
    expect(keyRingFrom([passphrase])?.all).toHaveLength(1);
    expect(keyRingFrom([`${TEST_KEY},old passphrase`])?.all.map((k) => k.derived)).toEqual([false, true]);
    expect(parseEncryptionKey(TEST_KEY).derived).toBe(false);
    expect(() => parseEncryptionKey("   ")).toThrow(/empty/);
  });
});

describe("stored secrets", () => {
  it("stores sealed values and returns only booleans", async () => {
    const meta = await h.t.mutation(api.lib.upsertAgentSecrets, {
      ...owner,
      secretsEncryptionKey: TEST_KEY,
      llmApiKey: SECRETS.llmApiKey,
    });
    expect(meta).toMatchObject({ hasLlmApiKey: true, hasTelegramBotToken: false, ...owner });
    await h.t.mutation(api.lib.upsertAgentSecrets, {
      ...owner,
      secretsEncryptionKey: TEST_KEY,
      telegramBotToken: SECRETS.telegramBotToken,
    });
    const after = await h.t.query(api.lib.getAgentSecretsMeta, owner);
    expect(after).toMatchObject({ hasLlmApiKey: true, hasTelegramBotToken: true });
    await h.t.mutation(api.lib.upsertAgentSecrets, { ...owner, secretsEncryptionKey: TEST_KEY, llmApiKey: "" });
    expect(await h.t.query(api.lib.getAgentSecretsMeta, owner)).toMatchObject({
      hasLlmApiKey: false,
      hasTelegramBotToken: true,
    });
    const text = JSON.stringify(await allRows(h.t));
    expect(text).not.toContain(SECRETS.llmApiKey);
    expect(text).not.toContain(SECRETS.telegramBotToken);
    await h.t.mutation(api.lib.clearAgentSecrets, owner);
    expect(await h.t.query(api.lib.getAgentSecretsMeta, owner)).toBeNull();
  });

  it("says how to provide a missing key and writes nothing", async () => {
    await expect(h.t.mutation(api.lib.upsertAgentSecrets, { ...owner, llmApiKey: "x" })).rejects.toThrow(
      /Missing AGENT_SECRETS_ENCRYPTION_KEY.*app\.use\(flyAgents/,
    );
    expect(await allRows(h.t)).toHaveLength(0);
  });

  it("refuses a wrong key and writes nothing", async () => {
    await h.t.mutation(api.lib.upsertAgentSecrets, { ...owner, secretsEncryptionKey: TEST_KEY, llmApiKey: "a" });
    const before = await allRows(h.t);
    await expect(
      h.t.mutation(api.lib.upsertAgentSecrets, { ...owner, secretsEncryptionKey: OTHER_KEY, llmApiKey: "b" }),
    ).rejects.toThrow(/sealed with key/);
    expect(await allRows(h.t)).toEqual(before);
  });

  it("reads the key from the component's AGENT_SECRETS_ENCRYPTION_KEY env var", async () => {
    process.env.AGENT_SECRETS_ENCRYPTION_KEY = TEST_KEY;
    await h.t.mutation(api.lib.upsertCompanySecrets, { tenantId: "tenant-a", llmApiKey: "k" });
    expect(await h.t.query(api.lib.getCompanySecretsMeta, { tenantId: "tenant-a" })).toMatchObject({
      hasLlmApiKey: true,
    });
    await h.t.mutation(api.lib.clearCompanySecrets, { tenantId: "tenant-a" });
    expect(await h.t.query(api.lib.getCompanySecretsMeta, { tenantId: "tenant-a" })).toBeNull();
  });
});

describe("WithStoredSecrets variants", () => {
  it("provision from the arguments, then the user's secrets, then the tenant's; the whole lifecycle runs", async () => {
    await h.t.mutation(api.lib.upsertCompanySecrets, {
      tenantId: "tenant-a",
      secretsEncryptionKey: TEST_KEY,
      flyApiToken: h.fly.token,
      llmApiKey: "tenant-llm-key-111",
      appKey: SECRETS.appKey,
    });
    await h.t.mutation(api.lib.upsertAgentSecrets, {
      ...owner,
      secretsEncryptionKey: TEST_KEY,
      llmApiKey: SECRETS.llmApiKey,
      telegramBotToken: SECRETS.telegramBotToken,
      openclawGatewayToken: SECRETS.openclawGatewayToken,
      serviceKey: SECRETS.serviceKey,
    });
    const target = { flyAppName: h.app, flyApiBaseUrl: h.fly.url, secretsEncryptionKey: TEST_KEY };
    // No secret here but an llmApiKey the call overrides: the rest come from storage.
    const spec = {
      ...target,
      ...owner,
      llmModel: "moonshotai/kimi-k2.5",
      bridgeUrl: "https://bridge.example.com",
      serviceId: "svc-1",
      startupTimeoutSec: 10,
    };
    const result = await h.t.action(api.lib.provisionAgentMachineWithStoredSecrets, {
      ...spec,
      llmApiKey: "argument-llm-key-222",
    });
    const env = h.fly.state.machine(h.app, result.machineId)?.config?.env ?? {};
    expect(env.LLM_API_KEY).toBe("argument-llm-key-222");
    expect(env.OPENCLAW_APP_KEY).toBe(SECRETS.appKey);
    expect(env.TELEGRAM_BOT_TOKEN).toBe(SECRETS.telegramBotToken);

    const machine = { machineDocId: result.machineDocId, ...target };
    await h.t.action(api.lib.stopAgentMachineWithStoredSecrets, machine);
    await h.t.action(api.lib.startAgentMachineWithStoredSecrets, machine);
    const code = h.fly.state.issuePairingCode(h.app, result.machineId);
    await h.t.action(api.lib.approveTelegramPairingWithStoredSecrets, { ...machine, telegramPairingCode: code });
    await h.t.action(api.lib.createAgentSnapshotWithStoredSecrets, machine);
    const second = await h.t.action(api.lib.recreateAgentFromLatestSnapshotWithStoredSecrets, spec);
    await h.t.action(api.lib.deprovisionAgentMachineWithStoredSecrets, {
      ...target,
      machineDocId: second.machineDocId,
    });
    expect(h.fly.state.liveResources(h.app)).toEqual({ machines: [], volumes: [] });

    const everything = JSON.stringify([await allRows(h.t), result, second]);
    for (const secret of [
      ...Object.values(SECRETS),
      h.fly.token,
      "tenant-llm-key-111",
      "argument-llm-key-222",
      TEST_KEY,
    ]) {
      expect(everything).not.toContain(secret);
    }
  });

  it("without a stored or passed Fly token, says where to put one and calls nothing", async () => {
    await expect(
      h.t.action(api.lib.provisionAgentMachineWithStoredSecrets, {
        flyAppName: h.app,
        flyApiBaseUrl: h.fly.url,
        secretsEncryptionKey: TEST_KEY,
        ...owner,
        ...SECRETS,
        llmModel: "moonshotai/kimi-k2.5",
        bridgeUrl: "https://bridge.example.com",
        serviceId: "svc-1",
      }),
    ).rejects.toThrow(/No Fly API token/);
    expect(h.fly.state.requests()).toHaveLength(0);
  });
});

describe("rotateSecretsEncryptionKey", () => {
  it("re-seals every row under the new key, in batches", async () => {
    for (let i = 0; i < 7; i++) {
      await h.t.mutation(api.lib.upsertAgentSecrets, {
        tenantId: "t",
        userId: `u${i}`,
        secretsEncryptionKey: TEST_KEY,
        llmApiKey: `k${i}`,
      });
    }
    await h.t.mutation(api.lib.upsertCompanySecrets, { tenantId: "t", secretsEncryptionKey: TEST_KEY, llmApiKey: "c" });
    const result = await h.t.action(api.lib.rotateSecretsEncryptionKey, {
      secretsEncryptionKey: OTHER_KEY,
      previousSecretsEncryptionKeys: [TEST_KEY],
      batchSize: 3,
    });
    expect(result).toMatchObject({ rotated: 8, batches: 4, keyId: parseEncryptionKey(OTHER_KEY).id });
    const meta = await h.t.query(api.lib.getAgentSecretsMeta, { tenantId: "t", userId: "u3" });
    expect(meta?.keyId).toBe(parseEncryptionKey(OTHER_KEY).id);
    // The old key no longer opens them; the new one does.
    await expect(
      h.t.mutation(api.lib.upsertAgentSecrets, {
        tenantId: "t",
        userId: "u3",
        secretsEncryptionKey: TEST_KEY,
        llmApiKey: "x",
      }),
    ).rejects.toThrow(/sealed with key/);
    await h.t.mutation(api.lib.upsertAgentSecrets, {
      tenantId: "t",
      userId: "u3",
      secretsEncryptionKey: OTHER_KEY,
      llmApiKey: "x",
    });
  });

  it("needs a previous key", async () => {
    await expect(h.t.action(api.lib.rotateSecretsEncryptionKey, { secretsEncryptionKey: OTHER_KEY })).rejects.toThrow(
      /No previous key/,
    );
  });
});
