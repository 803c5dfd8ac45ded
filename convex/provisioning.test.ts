// README: provisionCall
import { expect, test } from "vitest";
import { api } from "./_generated/api.js";
import { acmeWithAlice } from "./scenario.setup.js";

test("Alice gets her own agent, running the model her tenant chose, verified on the machine", async () => {
  const { alice } = await acmeWithAlice();
  const { machineDocId, effectiveModel } = await alice.action(api.agents.provisionMyAgent, {});
  expect(effectiveModel).toBe("moonshotai/kimi-k2.5");
  expect(await alice.query(api.agents.getAgent, { machineDocId })).toMatchObject({
    status: "running",
    llmModel: "moonshotai/kimi-k2.5",
    effectiveModel: "moonshotai/kimi-k2.5",
  });
});
// README: end
