/** B4: documents read per page when listing a tenant with 10,000 agents and a long audit trail. */
import { api } from "../src/component/_generated/api.js";
import { documentsRead, seedRows, setupLimitedComponent } from "../src/testing/harness.js";
import type { Section } from "./report.js";

const AGENTS = 10_000;
const EVENTS = 10_000;
const PAGE = 50;

export async function listingAtScale(): Promise<Section> {
  const t = setupLimitedComponent();
  const [firstAgent] = await seedRows(t, "agentMachines")(AGENTS, (i) => ({
    tenantId: "big",
    userId: `u${i}`,
    agentKey: `k${i}`,
    flyAppName: "fly-agents-test",
    status: "running",
    statusChangedAt: i,
    region: "iad",
    memoryMB: 2048,
    image: "img",
    allowedSkills: [],
  }));
  await seedRows(t, "auditEvents")(EVENTS, (i) => ({
    tenantId: "big",
    machineDocId: firstAgent,
    operation: "start",
    outcome: "succeeded",
    startedAt: i,
    durationMs: 1,
    flyCalls: 3,
    flyRequestIds: ["a", "b", "c"],
  }));
  const readsOf = (run: Parameters<typeof documentsRead>[1]) => documentsRead(t, run);
  const paginationOpts = { numItems: PAGE, cursor: null };
  const reads = {
    listAgentMachinesByTenantPage: await readsOf((ctx) =>
      ctx.runQuery(api.lib.listAgentMachinesByTenantPage, { tenantId: "big", paginationOpts }),
    ),
    listAgentMachinesByTenant: await readsOf((ctx) =>
      ctx.runQuery(api.lib.listAgentMachinesByTenant, { tenantId: "big", limit: PAGE }),
    ),
    listAuditEventsByTenant: await readsOf((ctx) =>
      ctx.runQuery(api.lib.listAuditEventsByTenant, { tenantId: "big", paginationOpts }),
    ),
    listAuditEventsByMachine: await readsOf((ctx) =>
      ctx.runQuery(api.lib.listAuditEventsByMachine, { machineDocId: firstAgent, paginationOpts }),
    ),
  };
  return {
    id: "B4",
    title: `listing at scale: ${AGENTS} agents and ${EVENTS} audit events in one tenant, pages of ${PAGE}`,
    figures: Object.entries(reads).map(([name, read]) => ({
      name,
      value: `${read} documents read`,
      target: `≤ ${PAGE + 1}`,
      ok: read <= PAGE + 1,
    })),
    details: reads,
  };
}
