// README: sync
import { expect, test } from "vitest";
import { api, internal } from "./_generated/api.js";
import { FLY_APP_NAME } from "./agents.js";
import { acmeWithAlice } from "./scenario.setup.js";

test("a machine destroyed outside the app is flagged by the cron's sweep, and by a sync", async () => {
  const { t, fly, alice } = await acmeWithAlice();
  const { machineDocId } = await alice.action(api.agents.provisionMyAgent, {});
  const machineId = (await alice.query(api.agents.getAgent, { machineDocId }))?.machineId ?? "";
  fly.state.destroyMachineOutOfBand(FLY_APP_NAME, machineId); // someone deleted it from Fly's dashboard

  const sweep = await t.action(internal.agents.sweepAgents, {});
  expect(sweep).toMatchObject({ markedGone: 1, failures: [] });
  expect(await alice.action(api.agents.sync, { machineDocId })).toBe("error");
  expect(await alice.query(api.agents.getAgent, { machineDocId })).toMatchObject({ status: "error" });
});
// README: end
