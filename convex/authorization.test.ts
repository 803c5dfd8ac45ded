import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeFunctionReference } from "convex/server";
import type { Value } from "convex/values";
import { api } from "./_generated/api.js";
import * as agentsModule from "./agents.js";
import { FLY_APP_NAME } from "./agents.js";
import * as tenantsModule from "./tenants.js";
import {
  ACME_DEFAULTS,
  ADA,
  ALICE,
  ALICE_BOT_TOKEN,
  BOB,
  MALLORY,
  startExampleApp,
  type ExampleApp,
} from "./app.setup.js";

type Kind = "query" | "mutation" | "action";
type Args = Record<string, Value>;
/** The app as one caller sees it (`t` itself is the anonymous caller). */
type Caller = ReturnType<ExampleApp["t"]["withIdentity"]>;

/** Every public function of the app's modules, as "module:name" with its kind. */
function publicFunctions(): Map<string, Kind> {
  const found = new Map<string, Kind>();
  for (const [moduleName, exports] of Object.entries({ agents: agentsModule, tenants: tenantsModule })) {
    for (const [name, value] of Object.entries(exports)) {
      if (typeof value !== "function" || !("isPublic" in value) || value.isPublic !== true) continue;
      const kind: Kind = "isQuery" in value ? "query" : "isMutation" in value ? "mutation" : "action";
      found.set(`${moduleName}:${name}`, kind);
    }
  }
  return found;
}

async function call(caller: Caller, kind: Kind, name: string, args: Args): Promise<unknown> {
  if (kind === "query") return await caller.query(makeFunctionReference<"query", Args, unknown>(name), args);
  if (kind === "mutation") return await caller.mutation(makeFunctionReference<"mutation", Args, unknown>(name), args);
  return await caller.action(makeFunctionReference<"action", Args, unknown>(name), args);
}

/**
 * Arguments aimed at Alice of tenant acme, for every public function. `named` functions name a
 * tenant, user or agent in their arguments; the others act on the caller's own tenant.
 */
function casesFor(machineDocId: string): Record<string, { args: Args; named: boolean }> {
  const page = { numItems: 10, cursor: null };
  const alice = { tenantId: "acme", userId: "alice" };
  const settings = {
    ...alice,
    llmModel: ACME_DEFAULTS.llmModel,
    bridgeUrl: ACME_DEFAULTS.bridgeUrl,
    serviceId: ACME_DEFAULTS.serviceId,
  };
  const { llmApiKey, appKey, serviceKey, ...tenantSettings } = ACME_DEFAULTS;
  const named = (args: Args) => ({ args, named: true });
  return {
    "agents:listAgents": named({ tenantId: "acme", paginationOpts: page }),
    "agents:getAgent": named({ machineDocId }),
    "agents:listAuditEvents": named({ tenantId: "acme", machineDocId, paginationOpts: page }),
    "agents:provision": named(settings),
    "agents:recreateFromLatestSnapshot": named(settings),
    "agents:start": named({ machineDocId }),
    "agents:stop": named({ machineDocId }),
    "agents:restart": named({ machineDocId }),
    "agents:deprovision": named({ machineDocId }),
    "agents:snapshot": named({ machineDocId }),
    "agents:approvePairing": named({ machineDocId, telegramPairingCode: "ABCD2345" }),
    "agents:sync": named({ machineDocId }),
    "agents:updateAllowedSkills": named({ machineDocId, allowedSkills: ["shell"] }),
    "agents:setAgentSecrets": named({ ...alice, telegramBotToken: "999:stolen" }),
    "agents:getAgentSecretsMeta": named(alice),
    "agents:clearAgentSecrets": named(alice),
    "agents:setCompanySecrets": named({ tenantId: "acme", llmApiKey: "sk-stolen" }),
    "agents:getCompanySecretsMeta": named({ tenantId: "acme" }),
    "agents:clearCompanySecrets": named({ tenantId: "acme" }),
    "agents:provisionMyAgent": { args: {}, named: false },
    "agents:recreateMyAgent": { args: {}, named: false },
    "tenants:setTenantDefaults": { args: { ...tenantSettings, llmApiKey, appKey, serviceKey }, named: false },
  };
}

/** Calls each case as `caller` and returns how each ended: "ok" or the error's message. */
async function outcomes(caller: Caller, cases: Record<string, { args: Args }>): Promise<Record<string, string>> {
  const kinds = publicFunctions();
  const result: Record<string, string> = {};
  for (const [name, { args }] of Object.entries(cases)) {
    const kind = kinds.get(name);
    if (!kind) throw new Error(`${name} is not a public function of the app`);
    try {
      await call(caller, kind, name, args);
      result[name] = "ok";
    } catch (error) {
      result[name] = error instanceof Error ? error.message : String(error);
    }
  }
  return result;
}

it("has an authorization case for every public function of the app, and only for those", () => {
  expect(Object.keys(casesFor("x")).sort()).toEqual([...publicFunctions().keys()].sort());
});

let app: ExampleApp;
let machineDocId: string;

/** Before each test of the calling describe: acme with defaults, and Alice's agent running. */
function withAlicesAgent() {
  beforeEach(async () => {
    app = await startExampleApp();
    await app.t.withIdentity(ADA).mutation(api.tenants.setTenantDefaults, ACME_DEFAULTS);
    const alice = app.t.withIdentity(ALICE);
    await alice.mutation(api.agents.setAgentSecrets, {
      tenantId: "acme",
      userId: "alice",
      telegramBotToken: ALICE_BOT_TOKEN,
    });
    ({ machineDocId } = await alice.action(api.agents.provisionMyAgent, {}));
    app.fly.state.resetRequests();
  });
  afterEach(async () => {
    await app.close();
  });
}

/** Acme as the setup left it, to compare after refused calls. */
async function acmeState() {
  const ada = app.t.withIdentity(ADA);
  const agent = await ada.query(api.agents.getAgent, { machineDocId });
  return {
    agent: agent && { status: agent.status, allowedSkills: agent.allowedSkills, machineId: agent.machineId },
    agents: (
      await ada.query(api.agents.listAgents, { tenantId: "acme", paginationOpts: { numItems: 10, cursor: null } })
    ).page.length,
    aliceSecrets: await ada.query(api.agents.getAgentSecretsMeta, { tenantId: "acme", userId: "alice" }),
    companySecrets: await ada.query(api.agents.getCompanySecretsMeta, { tenantId: "acme" }),
    tenants: await app.t.run(async (ctx) => await ctx.db.query("tenants").collect()),
  };
}

describe("authorization of every public function", () => {
  withAlicesAgent();

  it("refuses anonymous callers everywhere, before any Fly call", async () => {
    const before = await acmeState();
    const result = await outcomes(app.t, casesFor(machineDocId));
    for (const [name, outcome] of Object.entries(result)) {
      expect(`${name}: ${outcome}`).toMatch(new RegExp(`^${name}: .*Not signed in`));
    }
    expect(app.fly.state.requests()).toEqual([]);
    expect(await acmeState()).toEqual(before);
  });

  it("refuses another tenant's member everywhere, before any Fly call", async () => {
    const before = await acmeState();
    const mel = app.t.withIdentity({ subject: "mel", tenantId: "globex" });
    const result = await outcomes(mel, casesFor(machineDocId));
    const expected: Record<string, RegExp> = {
      "agents:provisionMyAgent": /Tenant globex has no agent defaults yet/,
      "agents:recreateMyAgent": /Tenant globex has no agent defaults yet/,
      "tenants:setTenantDefaults": /only an admin of tenant globex/,
    };
    for (const [name, outcome] of Object.entries(result)) {
      const message = expected[name] ?? /Not allowed: you belong to tenant globex, not acme/;
      expect(`${name}: ${outcome}`).toMatch(new RegExp(`^${name}: .*${message.source}`));
    }
    expect(app.fly.state.requests()).toEqual([]);
    expect(await acmeState()).toEqual(before);
  });

  it("refuses another tenant's admin on everything that names acme, and keeps its own calls in its tenant", async () => {
    const before = await acmeState();
    const mallory = app.t.withIdentity(MALLORY);
    const cases = casesFor(machineDocId);
    const namedCases = Object.fromEntries(Object.entries(cases).filter(([, c]) => c.named));
    const result = await outcomes(mallory, namedCases);
    for (const [name, outcome] of Object.entries(result)) {
      expect(`${name}: ${outcome}`).toMatch(
        new RegExp(`^${name}: .*Not allowed: you belong to tenant globex, not acme`),
      );
    }
    expect(app.fly.state.requests()).toEqual([]);
    expect(await acmeState()).toEqual(before);

    // The functions that name no tenant act on the caller's: Mallory's defaults are globex's.
    await mallory.mutation(api.tenants.setTenantDefaults, { ...ACME_DEFAULTS, llmModel: "anthropic/claude-sonnet-4" });
    const tenants = await app.t.run(async (ctx) => await ctx.db.query("tenants").collect());
    expect(tenants.map((row) => [row.tenantId, row.llmModel]).sort()).toEqual([
      ["acme", ACME_DEFAULTS.llmModel],
      ["globex", "anthropic/claude-sonnet-4"],
    ]);
  });
});

describe("inside a tenant", () => {
  withAlicesAgent();

  it("a member may read the tenant's agents but act only on their own", async () => {
    const bob = app.t.withIdentity(BOB);
    const listed = await bob.query(api.agents.listAgents, {
      tenantId: "acme",
      paginationOpts: { numItems: 10, cursor: null },
    });
    expect(listed.page.map((agent) => agent.userId)).toEqual(["alice"]);

    const result = await outcomes(bob, {
      "agents:getAgent": { args: { machineDocId } },
      "agents:stop": { args: { machineDocId } },
      "agents:deprovision": { args: { machineDocId } },
      "agents:approvePairing": { args: { machineDocId, telegramPairingCode: "ABCD2345" } },
      "agents:provision": { args: { tenantId: "acme", userId: "alice", llmModel: ACME_DEFAULTS.llmModel } },
      "agents:setAgentSecrets": { args: { tenantId: "acme", userId: "alice", telegramBotToken: "999:stolen" } },
      "agents:getAgentSecretsMeta": { args: { tenantId: "acme", userId: "alice" } },
      "agents:setCompanySecrets": { args: { tenantId: "acme", llmApiKey: "sk-stolen" } },
    });
    expect(result).toEqual({
      "agents:getAgent": expect.stringMatching(/only that user or a tenant admin/),
      "agents:stop": expect.stringMatching(/only that user or a tenant admin/),
      "agents:deprovision": expect.stringMatching(/only that user or a tenant admin/),
      "agents:approvePairing": expect.stringMatching(/only that user or a tenant admin/),
      "agents:provision": expect.stringMatching(/only that user or a tenant admin/),
      "agents:setAgentSecrets": expect.stringMatching(/only that user or a tenant admin/),
      "agents:getAgentSecretsMeta": expect.stringMatching(/only that user or a tenant admin/),
      "agents:setCompanySecrets": expect.stringMatching(/only a tenant admin can change the tenant's default secrets/),
    });
    expect(app.fly.state.requests()).toEqual([]);

    // Bob's own secrets are his to write.
    await bob.mutation(api.agents.setAgentSecrets, { tenantId: "acme", userId: "bob", telegramBotToken: "800:bob" });
    expect(await bob.query(api.agents.getAgentSecretsMeta, { tenantId: "acme", userId: "bob" })).toMatchObject({
      hasTelegramBotToken: true,
    });
  });

  it("a tenant admin may act on any of the tenant's agents", async () => {
    const ada = app.t.withIdentity(ADA);
    expect(await ada.query(api.agents.getAgentSecretsMeta, { tenantId: "acme", userId: "alice" })).toMatchObject({
      hasTelegramBotToken: true,
    });
    await ada.action(api.agents.stop, { machineDocId });
    expect(await ada.query(api.agents.getAgent, { machineDocId })).toMatchObject({ status: "stopped" });
    const agent = await ada.query(api.agents.getAgent, { machineDocId });
    expect(app.fly.state.machine(FLY_APP_NAME, agent?.machineId ?? "")?.state).toBe("stopped");
  });
});
