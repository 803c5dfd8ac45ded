// README: errors
import { isFlyAgentsError } from "@okrlinkhub/fly-agents";
import { expect, test } from "vitest";
import { api } from "./_generated/api.js";
import { FLY_APP_NAME } from "./agents.js";
import { acmeWithAlice } from "./scenario.setup.js";

test("a second pairing while one runs on the machine is refused with pairing_in_progress", async () => {
  const { fly, alice } = await acmeWithAlice();
  const { machineDocId } = await alice.action(api.agents.provisionMyAgent, {});
  const machineId = (await alice.query(api.agents.getAgent, { machineDocId }))?.machineId ?? "";
  const codes = [
    fly.state.issuePairingCode(FLY_APP_NAME, machineId),
    fly.state.issuePairingCode(FLY_APP_NAME, machineId),
  ];

  const results = await Promise.allSettled(
    codes.map((code) => alice.action(api.agents.approvePairing, { machineDocId, telegramPairingCode: code })),
  );
  const error: unknown = results.find((result) => result.status === "rejected")?.reason;
  if (isFlyAgentsError(error, "pairing_in_progress")) {
    // One pairing per machine at a time: wait for the running one, then send the code again.
  }
  expect(isFlyAgentsError(error, "pairing_in_progress")).toBe(true);
  expect(isFlyAgentsError(error, "gateway_unhealthy")).toBe(false);
});
// README: end
