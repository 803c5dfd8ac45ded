/** B4: documents read per page when listing a tenant with 10,000 agents and a long audit trail. */
import { convexTest } from "convex-test";
import rateLimiter from "@convex-dev/rate-limiter/test";
import { api } from "../src/component/_generated/api.js";
import schema from "../src/component/schema.js";
import { modules } from "../src/testing/harness.js";
import type { Section } from "./report.js";

const AGENTS = 10_000;
const EVENTS = 10_000;
const PAGE = 50;

export async function listingAtScale(): Promise<Section> {
  const t = convexTest({ schema, modules, transactionLimits: true });
  rateLimiter.register(t, "rateLimiter");
  let firstAgent = "";
  for (let start = 0; start < AGENTS; start += 1_000) {
    const id = await t.run(async (ctx) => {
      let first = "";
      for (let i = start; i < start + 1_000; i++) {
        const agentId = await ctx.db.insert("agentMachines", {
          tenantId: "big", userId: `u${i}`, agentKey: `k${i}`, flyAppName: "fly-agents-test", status: "running",
          statusChangedAt: i, region: "iad", memoryMB: 2048, image: "img", allowedSkills: [],
        });
        if (!first) first = agentId;
      }
      return first;
    });
    if (!firstAgent) firstAgent = id;
  }
  for (let start = 0; start < EVENTS; start += 1_000) {
    await t.run(async (ctx) => {
      const machineDocId = ctx.db.normalizeId("agentMachines", firstAgent)!;
      for (let i = start; i < start + 1_000; i++) {
        await ctx.db.insert("auditEvents", {
          tenantId: "big", machineDocId, operation: "start", outcome: "succeeded", startedAt: i, durationMs: 1, flyCalls: 3, flyRequestIds: ["a", "b", "c"],
        });
      }
    });
  }
  type Ctx = Parameters<Parameters<typeof t.run>[0]>[0];
  const readsOf = (run: (ctx: Ctx) => Promise<unknown>) =>
    t.run(async (ctx) => {
      const before = await ctx.meta.getTransactionMetrics();
      await run(ctx);
      const after = await ctx.meta.getTransactionMetrics();
      return after.documentsRead.used - before.documentsRead.used;
    });
  const paginationOpts = { numItems: PAGE, cursor: null };
  const reads = {
    listAgentMachinesByTenantPage: await readsOf((ctx) => ctx.runQuery(api.lib.listAgentMachinesByTenantPage, { tenantId: "big", paginationOpts })),
    listAgentMachinesByTenant: await readsOf((ctx) => ctx.runQuery(api.lib.listAgentMachinesByTenant, { tenantId: "big", limit: PAGE })),
    listAuditEventsByTenant: await readsOf((ctx) => ctx.runQuery(api.lib.listAuditEventsByTenant, { tenantId: "big", paginationOpts })),
    listAuditEventsByMachine: await readsOf((ctx) => ctx.runQuery(api.lib.listAuditEventsByMachine, { machineDocId: firstAgent, paginationOpts })),
  };
  return {
    id: "B4",
    title: `listing at scale: ${AGENTS} agents and ${EVENTS} audit events in one tenant, pages of ${PAGE}`,
    figures: Object.entries(reads).map(([name, read]) => ({ name, value: `${read} documents read`, target: `≤ ${PAGE + 1}`, ok: read <= PAGE + 1 })),
    details: reads,
  };
}
