/**
 * A tenant's defaults with 0.1.x's names: upsertCompanySecrets takes the non-secret defaults
 * and `openclawAppKey`, says which are set, getCompanySecrets gives the non-secrets back (never
 * a secret), and provisioning from stored secrets uses them after the arguments.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api } from "../_generated/api.js";
import { allRows, SECRETS, setupHarness, TEST_KEY, type Harness } from "../../testing/harness.js";

let h: Harness;
beforeEach(async () => {
  h = await setupHarness();
});
afterEach(async () => {
  await h.close();
});

const tenant = { tenantId: "tenant-a", secretsEncryptionKey: TEST_KEY };
const DEFAULTS = {
  flyAppName: "fly-agents-test",
  image: "registry.fly.io/linkhub-agents:openclaw-okr-v2",
  llmModel: "moonshotai/kimi-k2.5",
  allowedSkillsJson: '["calendar"]',
};

describe("tenant defaults", () => {
  it("are stored and reported with 0.1.x's names; secrets stay sealed", async () => {
    const meta = await h.t.mutation(api.lib.upsertCompanySecrets, {
      ...tenant,
      ...DEFAULTS,
      openclawAppKey: SECRETS.appKey,
      llmApiKey: SECRETS.llmApiKey,
    });
    expect(meta).toMatchObject({
      hasFlyAppName: true,
      hasImage: true,
      hasLlmModel: true,
      hasAllowedSkillsJson: true,
      hasOpenclawAppKey: true,
      hasAppKey: true,
      hasLlmApiKey: true,
      hasFlyApiToken: false,
    });
    const read = await h.t.query(api.lib.getCompanySecrets, { tenantId: "tenant-a" });
    expect(read).toMatchObject({ ...DEFAULTS, hasOpenclawAppKey: true, hasLlmApiKey: true });
    expect(JSON.stringify([read, await allRows(h.t)])).not.toMatch(
      new RegExp(`${SECRETS.appKey}|${SECRETS.llmApiKey}`),
    );

    await h.t.mutation(api.lib.upsertCompanySecrets, { ...tenant, image: "" });
    expect(await h.t.query(api.lib.getCompanySecretsMeta, { tenantId: "tenant-a" })).toMatchObject({
      hasImage: false,
      hasLlmModel: true,
      hasOpenclawAppKey: true,
    });
  });

  it("bad defaults are refused before anything is written", async () => {
    await expect(h.t.mutation(api.lib.upsertCompanySecrets, { ...tenant, llmModel: "gpt-5-mini" })).rejects.toThrow(
      /gpt-5-mini/,
    );
    await expect(
      h.t.mutation(api.lib.upsertCompanySecrets, { ...tenant, allowedSkillsJson: "calendar" }),
    ).rejects.toThrow(/not valid JSON/);
    await expect(
      h.t.mutation(api.lib.upsertCompanySecrets, { ...tenant, appKey: "a", openclawAppKey: "b" }),
    ).rejects.toThrow(/same secret/);
    expect(await allRows(h.t)).toHaveLength(0);
  });

  it("provisioning from stored secrets takes the arguments first, then the tenant's defaults", async () => {
    await h.t.mutation(api.lib.upsertCompanySecrets, { ...tenant, ...DEFAULTS, flyApiToken: h.fly.token });
    const {
      flyApiToken: _token,
      llmModel: _model,
      allowedSkillsJson: _skills,
      ...args
    } = h.provisionArgs({
      secretsEncryptionKey: TEST_KEY,
    });
    const fromDefaults = await h.t.action(api.lib.provisionAgentMachineWithStoredSecrets, args);
    const machine = h.fly.state.machine(h.app, fromDefaults.machineId);
    expect(machine?.config?.image).toBe(DEFAULTS.image);
    expect(machine?.config?.env).toMatchObject({
      LLM_MODEL: DEFAULTS.llmModel,
      ALLOWED_SKILLS_JSON: DEFAULTS.allowedSkillsJson,
    });

    const other = await h.t.action(api.lib.provisionAgentMachineWithStoredSecrets, {
      ...args,
      userId: "user-2",
      image: "registry.fly.io/linkhub-agents:openclaw-okr-v1",
      allowedSkills: ["email"],
    });
    const otherMachine = h.fly.state.machine(h.app, other.machineId);
    expect(otherMachine?.config?.image).toBe("registry.fly.io/linkhub-agents:openclaw-okr-v1");
    expect(otherMachine?.config?.env?.ALLOWED_SKILLS_JSON).toBe('["email"]');
  });
});
