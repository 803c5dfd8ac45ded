/**
 * Every list of the example app, and the sweep, run under the stricter test runtime
 * (src/testing/deployment.ts), where `.paginate()` inside the component fails as it does on a
 * deployment: listAgents and listAuditEvents (exposeApi) page by page, and the cron's sweep.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PaginationResult } from "convex/server";
import { api, internal } from "./_generated/api.js";
import { FLY_APP_NAME } from "./agents.js";
import { ACME_DEFAULTS, ADA, ALICE, BOB, startExampleApp, type ExampleApp } from "./app.setup.js";

let app: ExampleApp;
beforeEach(async () => {
  app = await startExampleApp();
});
afterEach(async () => {
  await app.close();
});

/** Every item of a paginated list, one `numItems` page at a time; also the pages, in order. */
async function everyPage<T>(
  read: (paginationOpts: { numItems: number; cursor: string | null }) => Promise<PaginationResult<T>>,
  numItems: number,
): Promise<{ items: T[]; pages: T[][] }> {
  const pages: T[][] = [];
  let cursor: string | null = null;
  for (;;) {
    const result: PaginationResult<T> = await read({ numItems, cursor });
    expect(result.page.length).toBeLessThanOrEqual(numItems);
    pages.push(result.page);
    if (result.isDone) return { items: pages.flat(), pages };
    cursor = result.continueCursor;
  }
}

describe("lists and the sweep under a deployment's rules", () => {
  it("pages through agents and audit events, filters by status, and sweeps", async () => {
    const ada = app.t.withIdentity(ADA);
    await ada.mutation(api.tenants.setTenantDefaults, ACME_DEFAULTS);
    const alice = app.t.withIdentity(ALICE);
    const bob = app.t.withIdentity(BOB);
    for (const [caller, userId] of [
      [alice, "alice"],
      [bob, "bob"],
    ] as const) {
      await caller.mutation(api.agents.setAgentSecrets, {
        tenantId: "acme",
        userId,
        telegramBotToken: `7001002${userId.length}:AAF-${userId}-bot-token`,
      });
    }
    const aliceAgent = await alice.action(api.agents.provisionMyAgent, {});
    const bobAgent = await bob.action(api.agents.provisionMyAgent, {});
    await bob.action(api.agents.stop, { machineDocId: bobAgent.machineDocId });

    // listAgents: newest first, one agent per page.
    const agents = await everyPage(
      (paginationOpts) => ada.query(api.agents.listAgents, { tenantId: "acme", paginationOpts }),
      1,
    );
    expect(agents.pages.slice(0, 2).map((page) => page.map((agent) => agent._id))).toEqual([
      [bobAgent.machineDocId],
      [aliceAgent.machineDocId],
    ]);
    expect(agents.items.map((agent) => agent._id)).toEqual([bobAgent.machineDocId, aliceAgent.machineDocId]);
    expect(agents.pages.length).toBeGreaterThanOrEqual(2);
    const stopped = await ada.query(api.agents.listAgents, {
      tenantId: "acme",
      status: "stopped",
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(stopped.page.map((agent) => agent._id)).toEqual([bobAgent.machineDocId]);

    // listAuditEvents: the tenant's, then one agent's, newest first, two per page.
    const tenantEvents = await everyPage(
      (paginationOpts) => ada.query(api.agents.listAuditEvents, { tenantId: "acme", paginationOpts }),
      2,
    );
    expect(tenantEvents.items.map((event) => event.operation)).toEqual(["stop", "provision", "provision"]);
    const bobEvents = await everyPage(
      (paginationOpts) =>
        bob.query(api.agents.listAuditEvents, {
          tenantId: "acme",
          machineDocId: bobAgent.machineDocId,
          paginationOpts,
        }),
      1,
    );
    expect(bobEvents.items.map((event) => `${event.operation}:${event.outcome}`)).toEqual([
      "stop:succeeded",
      "provision:succeeded",
    ]);

    // The cron's sweep reads every running and stopped agent of the app, page by page.
    const agent = await alice.query(api.agents.getAgent, { machineDocId: aliceAgent.machineDocId });
    if (!agent?.machineId) throw new Error("A running agent has a machine -- invariant");
    app.fly.state.destroyMachineOutOfBand(FLY_APP_NAME, agent.machineId);
    const sweep = await app.t.action(internal.agents.sweepAgents, {});
    expect(sweep).toEqual({ repaired: 0, checked: 2, markedGone: 1, failures: [] });
    expect(await alice.query(api.agents.getAgent, { machineDocId: aliceAgent.machineDocId })).toMatchObject({
      status: "error",
    });
  });
});
