/**
 * The example app runs its agents in the Fly app its deployment's FLY_APP_NAME names (the line
 * `fly-emulator --app NAME` prints), not in a name of its own, and says what to set when it is unset.
 */
import { expect, test } from "vitest";
import { api } from "./_generated/api.js";
import { seedAcme, startApp } from "./scenario.setup.js";

test("the example app's agents run in the Fly app FLY_APP_NAME names, and unset it says what to set", async () => {
  const { t, fly } = await startApp({ apps: ["my-agents"] });
  process.env.FLY_APP_NAME = "my-agents"; // startApp puts it back when the test ends
  const { ada, alice } = await seedAcme(t);

  const { machineDocId } = await alice.action(api.agents.provisionMyAgent, {});
  await alice.action(api.agents.stop, { machineDocId });
  const { machines, volumes } = fly.state.liveResources("my-agents");
  expect(machines.map((machine) => machine.state)).toEqual(["stopped"]);
  expect(volumes).toHaveLength(1);

  delete process.env.FLY_APP_NAME;
  await expect(alice.action(api.agents.start, { machineDocId })).rejects.toThrow(/set FLY_APP_NAME/);
  await expect(
    ada.mutation(api.rollouts.upgradeImages, { image: "ghcr.io/openclaw/openclaw:2026.2.0" }),
  ).rejects.toThrow(/FLY_APP_NAME is not set/);
});
