import { describe, expect, it } from "vitest";
import { api } from "./_generated/api.js";
import { documentsRead, seedRows, setupHarness, setupLimitedComponent } from "../testing/harness.js";
import { SWEEP_PAGE } from "./reconcile.js";

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

describe("the sweep's pages", () => {
  it("check every running or stopped agent of its app, however many of another app share the index", async () => {
    const h = await setupHarness();
    try {
      const agent = (i: number, flyAppName: string) => ({
        tenantId: "t",
        userId: `u${i}`,
        agentKey: `k${i}`,
        flyAppName,
        status: i % 2 === 0 ? ("running" as const) : ("stopped" as const),
        statusChangedAt: i,
        region: "iad",
        memoryMB: 2048,
        image: "img",
        allowedSkills: [],
      });
      // Ours are spread among many more of another app, in the index the sweep walks.
      const ours = 2 * SWEEP_PAGE + 50; // more than a page of each status
      await seedRows(h.t, "agentMachines")(ours * 10, (i) => agent(i, i % 10 === 0 ? h.app : "another-app"));
      const result = await h.t.action(api.lib.sweepAgentMachines, h.target);
      expect(result).toEqual({ repaired: 0, checked: ours, markedGone: 0, failures: [] });
    } finally {
      await h.close();
    }
  }, 120_000);
});
