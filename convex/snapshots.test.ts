// README: snapshot
import { expect, test } from "vitest";
import { api } from "./_generated/api.js";
import { acmeWithAlice } from "./scenario.setup.js";

test("Alice's agent is snapshotted, then recreated from the snapshot on a new machine", async () => {
  const { alice } = await acmeWithAlice();
  const { machineDocId } = await alice.action(api.agents.provisionMyAgent, {});
  const snapshot = await alice.action(api.agents.snapshot, { machineDocId });
  expect(snapshot.status).toBe("created");

  const recreated = await alice.action(api.agents.recreateMyAgent, {});
  expect(await alice.query(api.agents.getAgent, { machineDocId })).toMatchObject({ status: "deleted" });
  expect(await alice.query(api.agents.getAgent, { machineDocId: recreated.machineDocId })).toMatchObject({
    status: "running",
    restoredFromSnapshotId: snapshot.snapshotId,
  });
});
// README: end
