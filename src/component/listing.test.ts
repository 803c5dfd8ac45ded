import { describe, expect, it } from "vitest";
import { api } from "./_generated/api.js";
import { documentsRead, seedRows, setupLimitedComponent } from "../testing/harness.js";

const AGENTS = 10_000;
const PAGE = 50;

describe("listing a tenant with 10,000 agents", () => {
  it("reads at most one page of documents (plus one) per call", async () => {
    const t = setupLimitedComponent();
    await seedRows(t, "agentMachines")(AGENTS, (i) => ({
      tenantId: "big",
      userId: `u${i}`,
      agentKey: `k${i}`,
      flyAppName: "fly-agents-test",
      status: i % 3 === 0 ? "stopped" : "running",
      statusChangedAt: i,
      region: "iad",
      memoryMB: 2048,
      image: "img",
      allowedSkills: [],
    }));
    const measure = (run: Parameters<typeof documentsRead>[1]) => documentsRead(t, run);

    let cursor: string | null = null;
    for (let page = 0; page < 3; page++) {
      const args: { tenantId: string; paginationOpts: { numItems: number; cursor: string | null } } = {
        tenantId: "big",
        paginationOpts: { numItems: PAGE, cursor },
      };
      const read = await measure((ctx) => ctx.runQuery(api.lib.listAgentMachinesByTenantPage, args));
      expect(read).toBeLessThanOrEqual(PAGE + 1);
      const result: { page: unknown[]; continueCursor: string } = await t.query(
        api.lib.listAgentMachinesByTenantPage,
        args,
      );
      expect(result.page).toHaveLength(PAGE);
      cursor = result.continueCursor;
    }
    const filtered = await measure((ctx) =>
      ctx.runQuery(api.lib.listAgentMachinesByTenantPage, {
        tenantId: "big",
        status: "stopped",
        paginationOpts: { numItems: PAGE, cursor: null },
      }),
    );
    expect(filtered).toBeLessThanOrEqual(PAGE + 1);
    const array = await measure((ctx) => ctx.runQuery(api.lib.listAgentMachinesByTenant, { tenantId: "big" }));
    expect(array).toBeLessThanOrEqual(100 + 1);
    expect(await t.query(api.lib.listAgentMachinesByTenant, { tenantId: "big" })).toHaveLength(100);
  }, 120_000);
});
