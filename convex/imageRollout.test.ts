// README: rolloutCall
import { expect, test } from "vitest";
import { api } from "./_generated/api.js";
import { acmeWithAlice, endedRollout } from "./scenario.setup.js";

test("acme's admin rolls a new OpenClaw image across the tenant's agents, and everyone watches", async () => {
  const { t, ada, alice } = await acmeWithAlice();
  await alice.action(api.agents.provisionMyAgent, {});

  const rolloutId = await ada.mutation(api.rollouts.upgradeImages, { image: "ghcr.io/openclaw/openclaw:2026.2.0" });
  const rollout = await endedRollout(ada, rolloutId);
  expect(rollout).toMatchObject({ status: "completed", total: 1, upgraded: 1, failed: 0 });
  const images = await alice.query(api.rollouts.agentImages, {});
  expect(images).toMatchObject([{ image: "ghcr.io/openclaw/openclaw:2026.2.0", count: 1, unknownDigest: 0 }]);
  await t.finishInProgressScheduledFunctions();
});
// README: end
