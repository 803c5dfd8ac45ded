import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api } from "./_generated/api.js";
import { allRows, SECRETS, setupHarness, type Harness } from "../testing/harness.js";

let h: Harness;
beforeEach(async () => {
  h = await setupHarness();
});
afterEach(async () => {
  await h.close();
});

describe("provisionAgentMachine", () => {
  it("creates a volume and a machine, forces the model and records a running agent", async () => {
    const result = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
    expect(result.effectiveModel).toBe("moonshotai/kimi-k2.5");

    const agent = await h.t.query(api.lib.getAgentMachine, { machineDocId: result.machineDocId });
    expect(agent).toMatchObject({
      status: "running",
      machineId: result.machineId,
      flyVolumeId: result.volumeId,
      effectiveModel: "moonshotai/kimi-k2.5",
      allowedSkills: ["calendar", "email"],
      gatewayHealthy: true,
    });
    expect(agent?.step).toBeUndefined();
    expect(agent?.operation).toBeUndefined();

    const machine = h.fly.state.machine(h.app, result.machineId);
    expect(machine?.state).toBe("started");
    const env = machine?.config?.env ?? {};
    expect(env).toMatchObject({
      LLM_MODEL: "moonshotai/kimi-k2.5",
      LLM_API_KEY: SECRETS.llmApiKey,
      TELEGRAM_BOT_TOKEN: SECRETS.telegramBotToken,
      AGENT_BRIDGE_URL: "https://bridge.example.com",
      ALLOWED_SKILLS_JSON: '["calendar","email"]',
      OPENCLAW_APP_KEY: SECRETS.appKey,
      TENANT_ID: "tenant-a",
      USER_ID: "user-1",
      OPENCLAW_SERVICE_ID: "svc-1",
      OPENCLAW_SERVICE_KEY: SECRETS.serviceKey,
      OPENCLAW_GATEWAY_TOKEN: SECRETS.openclawGatewayToken,
      OPENCLAW_STARTUP_TIMEOUT_SEC: "10",
      OPENCLAW_GATEWAY_DEV_MODE: "false",
    });
    expect(machine?.config?.mounts?.[0]?.volume).toBe(result.volumeId);
    expect(machine?.config?.restart).toMatchObject({ policy: "on-failure", max_retries: 10 });
    expect(machine?.config?.checks?.gateway).toMatchObject({ type: "tcp", port: 3000, grace_period: "10s" });
    expect(h.fly.state.agentState(result.volumeId)?.model).toBe("moonshotai/kimi-k2.5");
    expect(h.fly.state.machineLogs(h.app, result.machineId).join("\n")).toContain(
      "[gateway] listening on ws://0.0.0.0:3000",
    );

    const audit = await h.t.query(api.lib.listAuditEventsByMachine, {
      machineDocId: result.machineDocId,
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(audit.page).toHaveLength(1);
    expect(audit.page[0]).toMatchObject({ operation: "provision", outcome: "succeeded" });
    expect(audit.page[0].flyRequestIds.length).toBeGreaterThan(3);

    const stored = JSON.stringify([await allRows(h.t), result, agent, audit]);
    for (const secret of [...Object.values(SECRETS), h.fly.token]) expect(stored).not.toContain(secret);
  });

  it("refuses a second agent for the same user before calling Fly", async () => {
    await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
    h.fly.state.resetRequests();
    await expect(h.t.action(api.lib.provisionAgentMachine, h.provisionArgs())).rejects.toThrow(/already has an agent/);
    expect(h.fly.state.requests()).toHaveLength(0);
  });
});

describe("bad input is refused before any Fly call, with nothing written", () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ["gpt-5-mini", { llmModel: "gpt-5-mini" }, /must not run on gpt-5-mini/],
    ["gpt-5-mini with a provider prefix", { llmModel: "openai/gpt-5-mini" }, /must not run on gpt-5-mini/],
    ["gpt-5-mini dated", { llmModel: "openai/GPT-5-mini-2025-08-07" }, /must not run on gpt-5-mini/],
    ["a model id with shell characters", { llmModel: "x; rm -rf /" }, /not a model id/],
    ["an empty gateway token", { openclawGatewayToken: "  " }, /OpenClaw refuses to bind/],
    ["skills that are not JSON", { allowedSkillsJson: "calendar,email" }, /not valid JSON/],
    ["skills that are not an array of strings", { allowedSkillsJson: '{"a":1}' }, /JSON array of strings/],
    ["skills with a non-string", { allowedSkillsJson: '["a",2]' }, /JSON array of strings/],
    ["a missing runtime value", { telegramBotToken: undefined }, /Missing telegramBotToken \(TELEGRAM_BOT_TOKEN\)/],
    ["a bad Fly app name", { flyAppName: "My App" }, /not a Fly app name/],
    ["memory Fly cannot give", { memoryMB: 1000 }, /multiple of 256/],
  ];
  for (const [name, overrides, message] of cases) {
    it(`rejects ${name}`, async () => {
      await expect(h.t.action(api.lib.provisionAgentMachine, h.provisionArgs(overrides))).rejects.toThrow(message);
      expect(h.fly.state.requests()).toHaveLength(0);
      expect(await allRows(h.t)).toHaveLength(0);
    });
  }
});
