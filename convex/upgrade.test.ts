import { expect, test } from "vitest";
import { internal } from "./_generated/api.js";
import { startApp } from "./scenario.setup.js";

test("upgrade:fromV01 runs the component's upgrade to the end; on a deployment without 0.1.x rows it converts none", async () => {
  const { t } = await startApp();
  const converted = { agentMachines: 0, agentSnapshots: 0, agentSecrets: 0, companySecrets: 0 };
  expect(await t.action(internal.upgrade.fromV01, {})).toEqual(converted);
  expect(await t.action(internal.upgrade.fromV01, {})).toEqual(converted);
});
