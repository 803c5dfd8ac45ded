import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api } from "./_generated/api.js";
import { FLY_APP_NAME } from "./agents.js";
import { ACME_DEFAULTS, ADA, ALICE, BOB, MALLORY, startExampleApp, type ExampleApp } from "./app.setup.js";
import { endedRollout } from "./scenario.setup.js";

let app: ExampleApp;
beforeEach(async () => {
  app = await startExampleApp();
});
afterEach(async () => {
  await app.close();
});

describe("image rollouts in the example app", () => {
  it("lets an admin roll a new image across the tenant's agents and everyone watch it", async () => {
    const ada = app.t.withIdentity(ADA);
    await ada.mutation(api.tenants.setTenantDefaults, ACME_DEFAULTS);
    for (const user of [ALICE, BOB]) {
      const member = app.t.withIdentity(user);
      await member.mutation(api.agents.setAgentSecrets, {
        tenantId: "acme",
        userId: user.subject,
        telegramBotToken: `700100200:AAF-${user.subject}-bot-token`,
      });
      await member.action(api.agents.provisionMyAgent, {});
    }
    const alice = app.t.withIdentity(ALICE);
    await expect(
      alice.mutation(api.rollouts.upgradeImages, { image: "ghcr.io/openclaw/openclaw:2026.2.0" }),
    ).rejects.toThrow(/only an admin/);

    const rolloutId = await ada.mutation(api.rollouts.upgradeImages, { image: "ghcr.io/openclaw/openclaw:2026.2.0" });
    const rollout = await endedRollout(ada, rolloutId);
    expect(rollout).toMatchObject({ status: "completed", total: 2, upgraded: 2, failed: 0 });
    expect(rollout?.agents.map((agent) => agent.phase)).toEqual(["upgraded", "upgraded"]);
    const images = await alice.query(api.rollouts.agentImages, {});
    expect(images).toMatchObject([{ image: "ghcr.io/openclaw/openclaw:2026.2.0", count: 2, unknownDigest: 0 }]);
    await app.t.finishInProgressScheduledFunctions();

    for (const agent of rollout?.agents ?? []) {
      const record = await ada.query(api.agents.getAgent, { machineDocId: agent.machineDocId });
      const machine = app.fly.state.machine(FLY_APP_NAME, record?.machineId ?? "");
      expect(machine?.config?.image).toBe("ghcr.io/openclaw/openclaw:2026.2.0");
      expect(machine?.image_ref?.digest).toBe(record?.imageDigest);
      expect(record?.effectiveModel).toBe(ACME_DEFAULTS.llmModel);
    }
    expect(await alice.query(api.rollouts.latestRollout, {})).toMatchObject({ _id: rolloutId, status: "completed" });
    // Another tenant sees nothing of it.
    const mallory = app.t.withIdentity(MALLORY);
    expect(await mallory.query(api.rollouts.getRollout, { rolloutId })).toBeNull();
    expect(await mallory.query(api.rollouts.latestRollout, {})).toBeNull();
    await expect(mallory.mutation(api.rollouts.cancelRollout, { rolloutId })).rejects.toThrow(/No rollout/);
    expect(await ada.mutation(api.rollouts.cancelRollout, { rolloutId })).toBe("completed");
  });
});
