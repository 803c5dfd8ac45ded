// README: lifecycle
import { expect, test } from "vitest";
import { api } from "./_generated/api.js";
import { FLY_APP_NAME } from "./agents.js";
import { acmeWithAlice } from "./scenario.setup.js";

test("Alice's agent stops, starts, restarts, and is deprovisioned, leaving nothing on Fly", async () => {
  const { fly, alice } = await acmeWithAlice();
  const { machineDocId } = await alice.action(api.agents.provisionMyAgent, {});

  await alice.action(api.agents.stop, { machineDocId });
  expect(await alice.query(api.agents.getAgent, { machineDocId })).toMatchObject({ status: "stopped" });
  await alice.action(api.agents.start, { machineDocId });
  await alice.action(api.agents.restart, { machineDocId });
  expect(await alice.query(api.agents.getAgent, { machineDocId })).toMatchObject({ status: "running" });

  await alice.action(api.agents.deprovision, { machineDocId });
  expect(await alice.query(api.agents.getAgent, { machineDocId })).toMatchObject({ status: "deleted" });
  expect(fly.state.liveResources(FLY_APP_NAME)).toEqual({ machines: [], volumes: [] });
});
// README: end
