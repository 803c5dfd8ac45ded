// README: pairing
import { expect, test } from "vitest";
import { api } from "./_generated/api.js";
import { FLY_APP_NAME } from "./agents.js";
import { acmeWithAlice } from "./scenario.setup.js";

test("Alice pairs her agent with the code her Telegram bot sent her", async () => {
  const { fly, alice } = await acmeWithAlice();
  const { machineDocId } = await alice.action(api.agents.provisionMyAgent, {});
  const agent = await alice.query(api.agents.getAgent, { machineDocId });
  if (!agent?.machineId || !agent.flyVolumeId) throw new Error("a running agent has a machine and a volume");
  // Alice sends /start to her bot and OpenClaw answers with a code: the emulator plays that part.
  const code = fly.state.issuePairingCode(FLY_APP_NAME, agent.machineId);

  await alice.action(api.agents.approvePairing, { machineDocId, telegramPairingCode: code });
  const onTheVolume = fly.state.agentState(agent.flyVolumeId)?.approvedPairings ?? [];
  expect(onTheVolume.map((pairing) => pairing.code)).toEqual([code]);
});
// README: end
