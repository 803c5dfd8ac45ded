/**
 * A key rotation while a rollout runs. A rollout keeps the Fly token it was given sealed under
 * the current key until it ends; a rotation that re-seals every stored secret must re-seal that
 * token too, or the rollout's remaining agents cannot reach Fly once the old key is dropped.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { api } from "../_generated/api.js";
import type { Id } from "../_generated/dataModel.js";
import { OTHER_KEY, setupHarness, TEST_KEY, type Harness } from "../../testing/harness.js";
import {
  expectFleetTruthful,
  IMAGE_V2,
  provisionFleet,
  waitForRollout,
  rolloutArgs,
} from "../../testing/rolloutFleet.js";
import { parseEncryptionKey, sealedKeyId } from "../secrets/crypto.js";

let h: Harness;
beforeEach(() => {
  process.env.AGENT_SECRETS_ENCRYPTION_KEY = TEST_KEY;
});
afterEach(async () => {
  delete process.env.AGENT_SECRETS_ENCRYPTION_KEY;
  await h?.close();
});

it("a key rotation during a rollout re-seals its Fly token: the rollout finishes after the old key is dropped", async () => {
  h = await setupHarness();
  const agents = await provisionFleet(h, 3);
  // The first agent's update waits at Fly while the key changes.
  const update = h.fly.holds.add({ operationId: "Machines_update" });
  const rolloutId = await h.t.mutation(api.lib.upgradeAgentImages, rolloutArgs(h, { waveSize: 1, maxWaveSize: 1 }));
  await update.reached();

  process.env.AGENT_SECRETS_ENCRYPTION_KEY = `${OTHER_KEY},${TEST_KEY}`;
  await h.t.action(api.lib.rotateSecretsEncryptionKey, {});
  const sealed = await h.t.run(async (ctx) => await ctx.db.get("imageRollouts", rolloutId as Id<"imageRollouts">));
  process.env.AGENT_SECRETS_ENCRYPTION_KEY = OTHER_KEY; // the old key is dropped
  update.release();

  const rollout = await waitForRollout(h, rolloutId);
  expect(rollout).toMatchObject({ status: "completed", upgraded: 3, failed: 0 });
  expect(JSON.stringify(rollout)).not.toContain(h.fly.token);
  for (const agent of agents) {
    expect(await h.t.query(api.lib.getAgentMachine, { machineDocId: agent.machineDocId })).toMatchObject({
      image: IMAGE_V2,
      status: "running",
    });
  }
  // Re-sealed under the new key, like every stored secret.
  expect(sealedKeyId(sealed?.sealedFlyApiToken ?? "")).toBe(parseEncryptionKey(OTHER_KEY).id);
  await expectFleetTruthful(h);
});
