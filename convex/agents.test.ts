import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isFlyAgentsError } from "@okrlinkhub/fly-agents";
import { api, internal } from "./_generated/api.js";
import { FLY_APP_NAME } from "./agents.js";
import crons from "./crons.js";
import { ACME_DEFAULTS, ADA, ALICE, ALICE_BOT_TOKEN, BOB, startExampleApp, type ExampleApp } from "./app.setup.js";
import { seedAcme } from "./scenario.setup.js";

let app: ExampleApp;
beforeEach(async () => {
  app = await startExampleApp();
});
afterEach(async () => {
  await app.close();
});

/** Fly's view of an agent's machine. */
function flyMachine(machineId: string | undefined) {
  if (!machineId) throw new Error("The agent has no machine id -- invariant");
  return app.fly.state.machine(FLY_APP_NAME, machineId);
}

/** Acme with defaults set by its admin and Alice's own bot token stored. */
async function acmeWithAliceSecrets() {
  const { ada, alice } = await seedAcme(app.t);
  const meta = await alice.query(api.agents.getAgentSecretsMeta, { tenantId: "acme", userId: "alice" });
  expect(meta).toMatchObject({ hasTelegramBotToken: true, hasLlmApiKey: false });
  return { ada, alice };
}

/** Alice's agent, provisioned as acmeWithAliceSecrets leaves her: its record's id and its machine's. */
async function alicesRunningAgent() {
  const { alice } = await acmeWithAliceSecrets();
  const { machineDocId } = await alice.action(api.agents.provisionMyAgent, {});
  const agent = await alice.query(api.agents.getAgent, { machineDocId });
  if (!agent?.machineId) throw new Error("A running agent has a machine -- invariant");
  return { alice, machineDocId, machineId: agent.machineId };
}

describe("the example app, end to end", () => {
  it("sets tenant defaults, stores secrets, provisions, pairs, snapshots, stops, starts, recreates and deprovisions", async () => {
    const { ada, alice } = await acmeWithAliceSecrets();
    expect(await ada.query(api.agents.getCompanySecretsMeta, { tenantId: "acme" })).toMatchObject({
      hasLlmApiKey: true,
      hasAppKey: true,
      hasServiceKey: true,
      hasTelegramBotToken: false,
    });

    const { machineDocId, effectiveModel } = await alice.action(api.agents.provisionMyAgent, {});
    expect(effectiveModel).toBe("moonshotai/kimi-k2.5");
    const agent = await alice.query(api.agents.getAgent, { machineDocId });
    expect(agent).toMatchObject({
      status: "running",
      llmModel: "moonshotai/kimi-k2.5",
      effectiveModel: "moonshotai/kimi-k2.5",
    });
    if (!agent?.machineId || !agent.flyVolumeId)
      throw new Error("A running agent has a machine and a volume -- invariant");
    const env = flyMachine(agent.machineId)?.config?.env ?? {};
    expect(env).toMatchObject({
      TENANT_ID: "acme",
      USER_ID: "alice",
      LLM_MODEL: ACME_DEFAULTS.llmModel,
      LLM_API_KEY: ACME_DEFAULTS.llmApiKey, // the tenant's default
      OPENCLAW_APP_KEY: ACME_DEFAULTS.appKey,
      OPENCLAW_SERVICE_KEY: ACME_DEFAULTS.serviceKey,
      TELEGRAM_BOT_TOKEN: ALICE_BOT_TOKEN, // Alice's own
      AGENT_BRIDGE_URL: ACME_DEFAULTS.bridgeUrl,
      OPENCLAW_SERVICE_ID: ACME_DEFAULTS.serviceId,
      ALLOWED_SKILLS_JSON: '["calendar","email"]',
    });
    expect(env.OPENCLAW_GATEWAY_TOKEN).toMatch(/^[0-9a-f]{64}$/);
    expect(app.fly.state.agentState(agent.flyVolumeId)?.model).toBe(ACME_DEFAULTS.llmModel);

    // The Telegram user sends /start to Alice's bot; OpenClaw answers with a pairing code.
    const code = app.fly.state.issuePairingCode(FLY_APP_NAME, agent.machineId);
    await alice.action(api.agents.approvePairing, { machineDocId, telegramPairingCode: code });
    expect(app.fly.state.agentState(agent.flyVolumeId)?.approvedPairings.map((pairing) => pairing.code)).toEqual([
      code,
    ]);

    const snapshot = await alice.action(api.agents.snapshot, { machineDocId });
    expect(snapshot.status).toBe("created");
    expect(app.fly.state.snapshots(agent.flyVolumeId)).toHaveLength(1);

    await alice.action(api.agents.stop, { machineDocId });
    expect(await alice.query(api.agents.getAgent, { machineDocId })).toMatchObject({ status: "stopped" });
    await alice.action(api.agents.start, { machineDocId });
    await alice.action(api.agents.restart, { machineDocId });
    expect(await alice.query(api.agents.getAgent, { machineDocId })).toMatchObject({ status: "running" });
    expect(flyMachine(agent.machineId)?.state).toBe("started");

    const recreated = await alice.action(api.agents.recreateMyAgent, {});
    expect(await alice.query(api.agents.getAgent, { machineDocId })).toMatchObject({ status: "deleted" });
    const restored = await alice.query(api.agents.getAgent, { machineDocId: recreated.machineDocId });
    expect(restored).toMatchObject({ status: "running", restoredFromSnapshotId: snapshot.snapshotId });
    // The restored volume kept OpenClaw's state: the model and the approved pairing.
    if (!restored?.flyVolumeId) throw new Error("A running agent has a volume -- invariant");
    expect(app.fly.state.agentState(restored.flyVolumeId)).toMatchObject({ model: ACME_DEFAULTS.llmModel });
    expect(app.fly.state.agentState(restored.flyVolumeId)?.approvedPairings.map((pairing) => pairing.code)).toEqual([
      code,
    ]);

    await alice.action(api.agents.deprovision, { machineDocId: recreated.machineDocId });
    expect(await alice.query(api.agents.getAgent, { machineDocId: recreated.machineDocId })).toMatchObject({
      status: "deleted",
    });
    expect(app.fly.state.liveResources(FLY_APP_NAME)).toEqual({ machines: [], volumes: [] });

    const audit = await ada.query(api.agents.listAuditEvents, {
      tenantId: "acme",
      paginationOpts: { numItems: 20, cursor: null },
    });
    expect(audit.page.map((event) => `${event.operation}:${event.outcome}`).reverse()).toEqual([
      "provision:succeeded",
      "pairing:succeeded",
      "snapshot:succeeded",
      "stop:succeeded",
      "start:succeeded",
      "restart:succeeded",
      "deprovision:succeeded", // the replaced agent, before its replacement's recreate is recorded
      "recreate:succeeded",
      "deprovision:succeeded",
    ]);

    // No secret left the component: not in a return value, not in a stored row of the app.
    const everything = JSON.stringify([
      agent,
      restored,
      audit,
      await app.t.run(async (ctx) => await ctx.db.query("tenants").collect()),
    ]);
    for (const secret of [
      ACME_DEFAULTS.llmApiKey,
      ACME_DEFAULTS.appKey,
      ACME_DEFAULTS.serviceKey,
      ALICE_BOT_TOKEN,
      app.fly.token,
    ]) {
      expect(everything).not.toContain(secret);
    }
  });

  it("refuses a second pairing while one runs on the same machine", async () => {
    const { alice, machineDocId, machineId } = await alicesRunningAgent();
    const first = app.fly.state.issuePairingCode(FLY_APP_NAME, machineId);
    const second = app.fly.state.issuePairingCode(FLY_APP_NAME, machineId);

    const results = await Promise.allSettled([
      alice.action(api.agents.approvePairing, { machineDocId, telegramPairingCode: first }),
      alice.action(api.agents.approvePairing, { machineDocId, telegramPairingCode: second }),
    ]);
    const refusals = results.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
    expect(refusals).toHaveLength(1);
    const error: unknown = refusals[0];
    if (isFlyAgentsError(error, "pairing_in_progress")) {
      // One pairing per machine at a time: wait for the running one, then send the code again.
    }
    expect(isFlyAgentsError(error, "pairing_in_progress")).toBe(true);
    expect(isFlyAgentsError(error, "gateway_unhealthy")).toBe(false);
  });

  it("tells a user whose tenant has no defaults what to do", async () => {
    await expect(app.t.withIdentity(ALICE).action(api.agents.provisionMyAgent, {})).rejects.toThrow(
      /no agent defaults yet: an admin must call tenants:setTenantDefaults/,
    );
    expect(app.fly.state.requests()).toHaveLength(0);
  });

  it("lets only an admin set the tenant's defaults", async () => {
    await expect(app.t.withIdentity(BOB).mutation(api.tenants.setTenantDefaults, ACME_DEFAULTS)).rejects.toThrow(
      /only an admin of tenant acme/,
    );
    await app.t.withIdentity(ADA).mutation(api.tenants.setTenantDefaults, ACME_DEFAULTS);
    // A second call replaces the row rather than adding one.
    await app.t
      .withIdentity(ADA)
      .mutation(api.tenants.setTenantDefaults, { ...ACME_DEFAULTS, llmModel: "anthropic/claude-sonnet-4" });
    const rows = await app.t.run(async (ctx) => await ctx.db.query("tenants").collect());
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ tenantId: "acme", llmModel: "anthropic/claude-sonnet-4", updatedBy: "ada" });
  });
});

describe("reconciliation", () => {
  it("the cron runs the sweep every five minutes", () => {
    expect(crons.crons["sweep fly agents"]).toEqual({
      name: "agents:sweepAgents",
      args: [{}],
      schedule: { type: "interval", minutes: 5 },
    });
  });

  it("the cron's sweep flags a machine destroyed outside the app, and sync reports it", async () => {
    const { alice, machineDocId, machineId } = await alicesRunningAgent();
    app.fly.state.destroyMachineOutOfBand(FLY_APP_NAME, machineId);

    const sweep = await app.t.action(internal.agents.sweepAgents, {});
    expect(sweep).toMatchObject({ markedGone: 1, failures: [] });
    expect(await alice.query(api.agents.getAgent, { machineDocId })).toMatchObject({ status: "error" });
    const status = await alice.action(api.agents.sync, { machineDocId });
    expect(status).toBe("error");
  });
});
