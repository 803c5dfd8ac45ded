/**
 * The example app's authorization, tried as hostile callers would: anonymous, another tenant's
 * member and admin, and a member of the same tenant acting on another member's agent. A refusal
 * must read exactly as the answer for an id that names nothing, make no Fly call, change nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeFunctionReference } from "convex/server";
import { ConvexError, type Value } from "convex/values";
import { api } from "./_generated/api.js";
import * as agentsModule from "./agents.js";
import { FLY_APP_NAME } from "./agents.js";
import * as tenantsModule from "./tenants.js";
import { ACME_DEFAULTS, ADA, ALICE, BOB, MALLORY, startExampleApp, type ExampleApp } from "./app.setup.js";
import { seedAcme } from "./scenario.setup.js";

type Kind = "query" | "mutation" | "action";
type Args = Record<string, Value>;
/** The app as one caller sees it (`t` itself is the anonymous caller). */
type Caller = ReturnType<ExampleApp["t"]["withIdentity"]>;
/** What a call names: an agent, a tenant, a user. */
type Subject = { machineDocId: string; tenantId: string; userId: string };

/** An id of the right shape that names no agent, and a tenant and user nobody has. */
const MISSING: Subject = {
  machineDocId: "k9799nzqa9f2a1n5t7p1x3zqjd7v0c4m",
  tenantId: "no-such-tenant",
  userId: "no-such-user",
};
const PAGE = { numItems: 10, cursor: null };

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
 * Arguments for every public function, naming `subject`. `about` says what a function names:
 * an agent, a user, only a tenant, or nothing (it acts on the caller's own tenant).
 */
function casesFor(subject: Subject): Record<string, { args: Args; about: "agent" | "user" | "tenant" | "self" }> {
  const { machineDocId, tenantId, userId } = subject;
  const owner = { tenantId, userId };
  const settings = { ...owner, llmModel: ACME_DEFAULTS.llmModel, bridgeUrl: ACME_DEFAULTS.bridgeUrl };
  const { llmApiKey, appKey, serviceKey, ...tenantSettings } = ACME_DEFAULTS;
  const agent = (args: Args) => ({ args: { machineDocId, ...args }, about: "agent" as const });
  return {
    "agents:listAgents": { args: { tenantId, paginationOpts: PAGE }, about: "tenant" },
    "agents:getAgent": agent({}),
    "agents:listAuditEvents": agent({ tenantId, paginationOpts: PAGE }),
    "agents:provision": { args: settings, about: "user" },
    "agents:recreateFromLatestSnapshot": { args: settings, about: "user" },
    "agents:start": agent({}),
    "agents:stop": agent({}),
    "agents:restart": agent({}),
    "agents:deprovision": agent({}),
    "agents:snapshot": agent({}),
    "agents:approvePairing": agent({ telegramPairingCode: "ABCD2345" }),
    "agents:sync": agent({}),
    "agents:updateAllowedSkills": agent({ allowedSkills: ["shell"] }),
    "agents:setAgentSecrets": { args: { ...owner, telegramBotToken: "999:stolen" }, about: "user" },
    "agents:getAgentSecretsMeta": { args: owner, about: "user" },
    "agents:clearAgentSecrets": { args: owner, about: "user" },
    "agents:setCompanySecrets": { args: { tenantId, llmApiKey: "sk-stolen" }, about: "tenant" },
    "agents:getCompanySecretsMeta": { args: { tenantId }, about: "tenant" },
    "agents:clearCompanySecrets": { args: { tenantId }, about: "tenant" },
    "agents:provisionMyAgent": { args: {}, about: "self" },
    "agents:recreateMyAgent": { args: {}, about: "self" },
    "tenants:setTenantDefaults": { args: { ...tenantSettings, llmApiKey, appKey, serviceKey }, about: "self" },
  };
}

/** How a call ended: "ok <result>" or the error (its data for a ConvexError). */
async function outcome(caller: Caller, name: string, args: Args): Promise<string> {
  const kind = publicFunctions().get(name);
  if (!kind) throw new Error(`${name} is not a public function of the app`);
  try {
    return `ok ${JSON.stringify(await call(caller, kind, name, args))}`;
  } catch (error) {
    return error instanceof ConvexError ? JSON.stringify(error.data) : String(error);
  }
}

/** `text` with the subject's ids replaced by placeholders, so two subjects' answers compare. */
function anonymized(text: string, subject: Subject): string {
  return text
    .split(subject.machineDocId)
    .join("<agent>")
    .split(JSON.stringify(subject.tenantId))
    .join("<tenant>")
    .split(JSON.stringify(subject.userId))
    .join("<user>");
}

it("has an authorization case for every public function of the app, and only for those", () => {
  expect(Object.keys(casesFor({ ...MISSING })).sort()).toEqual([...publicFunctions().keys()].sort());
});

let app: ExampleApp;
let machineDocId: string;

/** Before each test of the calling describe: acme with defaults, and Alice's agent running. */
function withAlicesAgent() {
  beforeEach(async () => {
    app = await startExampleApp();
    const { alice } = await seedAcme(app.t);
    ({ machineDocId } = await alice.action(api.agents.provisionMyAgent, {}));
    app.fly.state.resetRequests();
  });
  afterEach(async () => {
    await app.close();
  });
}

/** Acme as its admin sees it, to compare after refused calls. */
async function acmeState() {
  const ada = app.t.withIdentity(ADA);
  return {
    agent: await ada.query(api.agents.getAgent, { machineDocId }),
    agents: await ada.query(api.agents.listAgents, { tenantId: "acme", paginationOpts: PAGE }),
    audit: await ada.query(api.agents.listAuditEvents, { tenantId: "acme", paginationOpts: PAGE }),
    aliceSecrets: await ada.query(api.agents.getAgentSecretsMeta, { tenantId: "acme", userId: "alice" }),
    companySecrets: await ada.query(api.agents.getCompanySecretsMeta, { tenantId: "acme" }),
    tenants: await app.t.run(async (ctx) => await ctx.db.query("tenants").collect()),
  };
}

/** Checks that no call reached Fly and that acme reads as it did `before`. */
async function expectNothingChanged(before: Awaited<ReturnType<typeof acmeState>>) {
  expect(app.fly.state.requests()).toEqual([]);
  expect(await acmeState()).toEqual(before);
}

/** Bob stores a bot token and a gateway token of his own: every secret a provisioning needs. */
async function storeBobsSecrets() {
  await app.t.withIdentity(BOB).mutation(api.agents.setAgentSecrets, {
    tenantId: "acme",
    userId: "bob",
    telegramBotToken: "800:bob-bot",
    openclawGatewayToken: "bob-gateway-token-51ab",
  });
}

const ALICES = () => ({ machineDocId, tenantId: "acme", userId: "alice" });

/**
 * Calls each function named in `names` as `caller`, once about `real` and once about
 * `missing`, and returns both answers with the ids replaced by placeholders.
 */
async function sweep(caller: Caller, names: string[], real: Subject, missing: Subject = MISSING) {
  const realCases = casesFor(real);
  const missingCases = casesFor(missing);
  const answers: Record<string, { real: string; missing: string }> = {};
  for (const name of names) {
    answers[name] = {
      real: anonymized(await outcome(caller, name, realCases[name].args), real),
      missing: anonymized(await outcome(caller, name, missingCases[name].args), missing),
    };
  }
  return answers;
}

/** An answer that succeeded with something other than null. */
const SUCCEEDED = /^[^:]+: ok (?!null$)/;
/** An answer that names a tenant: acme (the agent's) or globex (another tenant's caller). */
const NAMES_A_TENANT = /acme|globex/;

/**
 * Checks that each answer of `sweep` about the real subject reads exactly as the one about the missing
 * subject, and matches none of `forbidden`.
 */
function expectReadAsMissing(answers: Record<string, { real: string; missing: string }>, ...forbidden: RegExp[]) {
  for (const [name, { real, missing }] of Object.entries(answers)) {
    expect(`${name}: ${real}`).toBe(`${name}: ${missing}`);
    for (const pattern of forbidden) expect(`${name}: ${real}`).not.toMatch(pattern);
  }
}

/** The functions of `casesFor` that name something of the given kinds. */
function naming(...about: Array<"agent" | "user" | "tenant">): string[] {
  return Object.entries(casesFor(MISSING))
    .filter(([, c]) => c.about !== "self" && about.includes(c.about))
    .map(([name]) => name);
}

describe("a refusal reads exactly as a missing id: no Fly call, nothing changes", () => {
  withAlicesAgent();

  it("for another tenant's member, on every exposed function", async () => {
    const before = await acmeState();
    const mel = app.t.withIdentity({ subject: "mel", tenantId: "globex" });
    const answers = await sweep(mel, naming("agent", "user", "tenant"), ALICES());
    expectReadAsMissing(answers, SUCCEEDED, NAMES_A_TENANT);
    expect(answers["agents:getAgent"].real).toBe("ok null");
    expect(answers["agents:stop"].real).toMatch(/"kind":"not_found"/);
    await expectNothingChanged(before);
  });

  it("for another tenant's admin, on every exposed function", async () => {
    const before = await acmeState();
    const answers = await sweep(app.t.withIdentity(MALLORY), naming("agent", "user", "tenant"), ALICES());
    expectReadAsMissing(answers, NAMES_A_TENANT);
    await expectNothingChanged(before);
  });

  it("for a member acting on another member's agent or secrets", async () => {
    const before = await acmeState();
    // The same tenant: only the agent and the user are missing.
    const answers = await sweep(app.t.withIdentity(BOB), naming("agent", "user"), ALICES(), {
      ...MISSING,
      tenantId: "acme",
    });
    expectReadAsMissing(answers, SUCCEEDED);
    expect(answers["agents:getAgent"].real).toBe("ok null");
    expect(answers["agents:deprovision"].real).toMatch(/"kind":"not_found"/);
    expect(answers["agents:getAgentSecretsMeta"].real).toMatch(/only that user or a tenant admin/);
    await expectNothingChanged(before);
  });

  it("for anonymous callers, who are refused everywhere", async () => {
    const before = await acmeState();
    const answers = await sweep(app.t, naming("agent", "user", "tenant"), ALICES());
    expectReadAsMissing(answers, SUCCEEDED);
    expect(answers["agents:listAgents"].real).toMatch(/Not signed in/);
    for (const name of ["agents:provisionMyAgent", "agents:recreateMyAgent", "tenants:setTenantDefaults"]) {
      expect(await outcome(app.t, name, casesFor(MISSING)[name].args)).toMatch(/Not signed in/);
    }
    await expectNothingChanged(before);
  });

  it("the functions that name nothing act on the caller's own tenant", async () => {
    const mallory = app.t.withIdentity(MALLORY);
    await mallory.mutation(api.tenants.setTenantDefaults, { ...ACME_DEFAULTS, llmModel: "anthropic/claude-sonnet-4" });
    const tenants = await app.t.run(async (ctx) => await ctx.db.query("tenants").collect());
    expect(tenants.map((row) => [row.tenantId, row.llmModel]).sort()).toEqual([
      ["acme", ACME_DEFAULTS.llmModel],
      ["globex", "anthropic/claude-sonnet-4"],
    ]);
    const mel = app.t.withIdentity({ subject: "mel", tenantId: "globex" });
    await expect(mel.mutation(api.tenants.setTenantDefaults, ACME_DEFAULTS)).rejects.toThrow(/only an admin/);
    expect(app.fly.state.requests()).toEqual([]);
  });
});

describe("inside a tenant", () => {
  withAlicesAgent();

  it("a member may read the tenant's agents, and admins act on any of them", async () => {
    const listed = await app.t
      .withIdentity(BOB)
      .query(api.agents.listAgents, { tenantId: "acme", paginationOpts: PAGE });
    expect(listed.page.map((agent) => agent.userId)).toEqual(["alice"]);
    const ada = app.t.withIdentity(ADA);
    expect(await ada.query(api.agents.getAgentSecretsMeta, { tenantId: "acme", userId: "alice" })).toMatchObject({
      hasTelegramBotToken: true,
    });
    await ada.action(api.agents.stop, { machineDocId });
    const agent = await ada.query(api.agents.getAgent, { machineDocId });
    expect(agent).toMatchObject({ status: "stopped" });
    expect(app.fly.state.machine(FLY_APP_NAME, agent?.machineId ?? "")?.state).toBe("stopped");
  });

  it("a member cannot provision with their own image, bridge and skills on the tenant's keys", async () => {
    await storeBobsSecrets();
    const bob = app.t.withIdentity(BOB);
    const hostile = {
      tenantId: "acme",
      userId: "bob",
      image: "registry.example.com/bob/exfiltrate:v1",
      bridgeUrl: "https://bob.example.net/collect",
      allowedSkills: ["shell", "http"],
      llmModel: ACME_DEFAULTS.llmModel,
      serviceId: "svc-bob",
    };
    for (const ref of [api.agents.provision, api.agents.recreateFromLatestSnapshot]) {
      await expect(bob.action(ref, hostile)).rejects.toThrow(/run on your tenant's keys/);
    }
    expect(app.fly.state.requests()).toEqual([]);
    const agents = await bob.query(api.agents.listAgents, { tenantId: "acme", paginationOpts: PAGE });
    expect(agents.page.map((agent) => agent.userId)).toEqual(["alice"]);

    // Choosing nothing passes the rule (the component then asks for the settings it lacks);
    // an admin may choose every setting for a member.
    await expect(bob.action(api.agents.provision, { tenantId: "acme", userId: "bob" })).rejects.toThrow(
      /Missing llmModel/,
    );
    const made = await app.t.withIdentity(ADA).action(api.agents.provision, {
      ...hostile,
      image: "registry.fly.io/acme-openclaw:v2",
      bridgeUrl: ACME_DEFAULTS.bridgeUrl,
    });
    const env = app.fly.state.machine(FLY_APP_NAME, made.machineId)?.config?.env ?? {};
    expect(env).toMatchObject({ ALLOWED_SKILLS_JSON: '["shell","http"]', LLM_API_KEY: ACME_DEFAULTS.llmApiKey });
  });

  it("a member cannot replace the skill whitelist of an agent on the tenant's keys; an admin can", async () => {
    const alice = app.t.withIdentity(ALICE);
    await expect(
      alice.mutation(api.agents.updateAllowedSkills, { machineDocId, allowedSkills: ["shell"] }),
    ).rejects.toThrow(/only a tenant admin sets its skills/);
    expect((await alice.query(api.agents.getAgent, { machineDocId }))?.allowedSkills).toEqual(
      ACME_DEFAULTS.allowedSkills,
    );
    await app.t.withIdentity(ADA).mutation(api.agents.updateAllowedSkills, { machineDocId, allowedSkills: ["notes"] });
    expect((await alice.query(api.agents.getAgent, { machineDocId }))?.allowedSkills).toEqual(["notes"]);
  });

  it("a member writes their own secrets, but not the Fly token their agent runs with", async () => {
    const bob = app.t.withIdentity(BOB);
    await expect(
      bob.mutation(api.agents.setAgentSecrets, { tenantId: "acme", userId: "bob", flyApiToken: "fo1_bob" }),
    ).rejects.toThrow(/only a tenant admin can set the Fly API token/);
    await bob.mutation(api.agents.setAgentSecrets, { tenantId: "acme", userId: "bob", telegramBotToken: "800:bob" });
    expect(await bob.query(api.agents.getAgentSecretsMeta, { tenantId: "acme", userId: "bob" })).toMatchObject({
      hasTelegramBotToken: true,
      hasFlyApiToken: false,
    });
    await expect(bob.mutation(api.agents.setCompanySecrets, { tenantId: "acme", llmApiKey: "sk-bob" })).rejects.toThrow(
      /only a tenant admin can change the tenant's default secrets/,
    );
  });
});

describe("input limits, before any Fly call and with nothing written", () => {
  withAlicesAgent();
  // Bob has every secret a provisioning needs, so only the limits stand in the way.
  beforeEach(storeBobsSecrets);

  // 8,000 names of up to 100 characters each: about 0.8 MB.
  const tooMany = Array.from({ length: 8_000 }, (_, i) => `s${i}-${"x".repeat(94)}`.slice(0, 100));
  const cases: Array<[string, Record<string, Value>, RegExp]> = [
    ["8,000 skills (0.8 MB)", { allowedSkills: tooMany }, /allowedSkills has 8000 names; the limit is 100/],
    ["memoryMB of 1,000,000,000", { memoryMB: 1_000_000_000 }, /memoryMB must be a multiple of 256 from 256 to 2048/],
    ["a bridgeUrl that is not a URL", { bridgeUrl: "not a url" }, /not a url.*is not an absolute URL/],
    ["an http bridge that is not local", { bridgeUrl: "http://bridge.example.com" }, /must use https/],
    ["a malformed image", { image: "Registry/MyImage:latest!" }, /is not an image reference/],
    ["a serviceId of 10,000 characters", { serviceId: "s".repeat(10_000) }, /serviceId is 10000 characters long/],
    ["a userId of 10,000 characters", { userId: "u".repeat(10_000) }, /userId is 10000 characters long; the limit/],
  ];
  for (const [name, override, message] of cases) {
    it(`refuses ${name}`, async () => {
      const before = await acmeState();
      const args = {
        tenantId: "acme",
        userId: "bob",
        llmModel: ACME_DEFAULTS.llmModel,
        bridgeUrl: ACME_DEFAULTS.bridgeUrl,
        serviceId: "svc-bob",
        ...override,
      };
      await expect(app.t.withIdentity(ADA).action(api.agents.provision, args)).rejects.toThrow(message);
      await expectNothingChanged(before);
    });
  }

  it("refuses 8,000 skills in a whitelist update", async () => {
    const before = await acmeState();
    await expect(
      app.t.withIdentity(ADA).mutation(api.agents.updateAllowedSkills, { machineDocId, allowedSkills: tooMany }),
    ).rejects.toThrow(/the limit is 100/);
    expect(await acmeState()).toEqual(before);
  });
});
