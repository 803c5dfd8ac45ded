// README: audit
import { expect, test } from "vitest";
import { api } from "./_generated/api.js";
import { acmeWithAlice } from "./scenario.setup.js";

test("acme's admin reads the audit trail, newest first, one page at a time", async () => {
  const { ada, alice } = await acmeWithAlice();
  const { machineDocId } = await alice.action(api.agents.provisionMyAgent, {});
  await alice.action(api.agents.stop, { machineDocId });
  await alice.action(api.agents.start, { machineDocId });

  const first = await ada.query(api.agents.listAuditEvents, {
    tenantId: "acme",
    paginationOpts: { numItems: 2, cursor: null },
  });
  const second = await ada.query(api.agents.listAuditEvents, {
    tenantId: "acme",
    paginationOpts: { numItems: 2, cursor: first.continueCursor },
  });
  const events = [...first.page, ...second.page].map((event) => `${event.operation}:${event.outcome}`);
  expect(events).toEqual(["start:succeeded", "stop:succeeded", "provision:succeeded"]);
  expect(second.isDone).toBe(true);
});
// README: end
