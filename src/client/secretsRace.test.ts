/**
 * Hostile interleavings against `exposeApi`: the auth callback approves a request by where the
 * user's secrets would come from (`secretsFrom`), and the component then resolves them again on
 * its own. A write landing between the two must not let the Machine take a secret from somewhere
 * the callback never approved (the tenant's admin-held key): the component refuses, before any
 * Fly call, with nothing written.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { convexTest } from "convex-test";
import { componentsGeneric, makeFunctionReference, type GenericActionCtx, type GenericDataModel } from "convex/server";
import { ConvexError, type Value } from "convex/values";
import { exposeApi, FlyAgents, type ComponentApi, type FlyAgentsRequest, type SecretsSource } from "./index.js";
import { register } from "../test.js";
import { SECRETS, TEST_KEY } from "../testing/harness.js";
import { HOST_ENV_BINDINGS } from "../testing/bindings.js";
import { underDeploymentRules } from "../testing/deployment.js";
import { startFlyEmulator, type FlyEmulator } from "../fly-emulator/index.js";

const components = componentsGeneric() as unknown as { flyAgents: ComponentApi };
const APP = "race-agents";
const TENANT_LLM_KEY = "sk-tenant-admin-held-91c4e7";
const HOSTILE_SETTINGS = {
  image: "registry.fly.io/member-openclaw:v1",
  bridgeUrl: "https://member.example.net/collect",
  serviceId: "svc-member",
  llmModel: "moonshotai/kimi-k2.5",
};

type Ctx = GenericActionCtx<GenericDataModel>;

let fly: FlyEmulator;
let t: ReturnType<typeof convexTest>;
let agents: FlyAgents;
/** Runs once, right after the auth callback approved: a concurrent call landing in the window. */
let between: ((ctx: Ctx) => Promise<void>) | undefined;
let approved: SecretsSource[];

/** The example app's rule for a member: custom settings only on secrets of their own. */
function onlyOwnSecrets(source: SecretsSource) {
  if (source.tenant.length > 0 || source.host.length > 0) throw new Error("refused: would run on shared secrets");
}

beforeEach(async () => {
  fly = await startFlyEmulator({ apps: [APP], bootTimeMs: 20, gatewayStartupMs: 20 });
  // No Fly token of the host's: the member's own (stored by an admin) is the one in play.
  const options = { flyAppName: APP, flyApiBaseUrl: fly.url, secretsEncryptionKey: TEST_KEY };
  agents = new FlyAgents(components.flyAgents, options);
  between = undefined;
  approved = [];
  const exposed = exposeApi(components.flyAgents, {
    ...options,
    auth: async (ctx, request: FlyAgentsRequest) => {
      if (request.kind === "provision" || request.kind === "recreate") {
        onlyOwnSecrets(request.secretsFrom);
        approved.push(request.secretsFrom);
        const run = between;
        between = undefined;
        if (run) await run(ctx as Ctx);
      }
      if (request.kind === "update_skills") onlyOwnSecrets(request.secretsFrom);
    },
  });
  t = convexTest(undefined, {
    "./host/_generated/api.js": async () => ({}),
    "./host/exposed.ts": async () => exposed,
  });
  register(underDeploymentRules(t, HOST_ENV_BINDINGS));
  await t.mutation(async (ctx) => await agents.setCompanySecrets(ctx, { tenantId: "t1", llmApiKey: TENANT_LLM_KEY }));
  await t.mutation(
    async (ctx) =>
      await agents.setAgentSecrets(ctx, { tenantId: "t1", userId: "u1", ...SECRETS, flyApiToken: fly.token }),
  );
});
afterEach(async () => {
  await fly.close();
});

async function callExposed(name: "provision" | "recreateFromLatestSnapshot", args: Record<string, Value>) {
  return await t.action(makeFunctionReference<"action", Record<string, Value>, unknown>(`exposed:${name}`), args);
}

async function agentCount(): Promise<number> {
  const page = await t.query(async (ctx) => await agents.listByTenant(ctx, { tenantId: "t1" }));
  return page.length;
}

it("a user's own secret cleared between the auth callback and the component's read is refused, not filled from the tenant's", async () => {
  between = async (ctx) => {
    await agents.setAgentSecrets(ctx, { tenantId: "t1", userId: "u1", llmApiKey: "" });
  };
  let caught: unknown;
  try {
    await callExposed("provision", { tenantId: "t1", userId: "u1", ...HOSTILE_SETTINGS });
  } catch (error) {
    caught = error;
  }
  // Whatever happened, the tenant's key never reached a Machine.
  for (const machine of fly.state.machines(APP)) {
    expect(JSON.stringify(machine.config?.env ?? {})).not.toContain(TENANT_LLM_KEY);
  }
  expect(approved).toEqual([{ user: expect.arrayContaining(["llmApiKey", "flyApiToken"]), tenant: [], host: [] }]);
  expect(caught).toBeInstanceOf(ConvexError);
  const data = (caught as ConvexError<{ kind: string; message: string }>).data;
  expect(data.kind).toBe("secrets_changed");
  expect(data.message).toMatch(/llmApiKey/);
  expect(data.message).not.toContain(TENANT_LLM_KEY);
  // Refused before any Fly call, with nothing written.
  expect(fly.state.requests()).toEqual([]);
  expect(await agentCount()).toBe(0);
});

it("the same interleaving, recreating from a snapshot, is refused before anything is replaced", async () => {
  const made = await t.action(
    async (ctx) => await agents.provision(ctx, { tenantId: "t1", userId: "u1", ...HOSTILE_SETTINGS }),
  );
  await t.action(async (ctx) => await agents.snapshot(ctx, { machineDocId: made.machineDocId }));
  fly.state.resetRequests();
  between = async (ctx) => {
    await agents.setAgentSecrets(ctx, { tenantId: "t1", userId: "u1", llmApiKey: "" });
  };
  await expect(
    callExposed("recreateFromLatestSnapshot", { tenantId: "t1", userId: "u1", ...HOSTILE_SETTINGS }),
  ).rejects.toThrow(/secrets_changed|llmApiKey/);
  expect(fly.state.requests()).toEqual([]);
  const agent = await t.query(async (ctx) => await agents.get(ctx, { machineDocId: made.machineDocId }));
  expect(agent).toMatchObject({ status: "running" });
  expect(agent?.operation).toBeUndefined();
});

it("a secret the user stores between the two reads is refused too: the Machine holds what auth approved, no more, no less", async () => {
  // The tenant's key would have been used and the callback refused it; here it is the other way:
  // the user had none and the tenant's was approved (an admin's rule may allow that), then the user's appears.
  await t.mutation(async (ctx) => await agents.setAgentSecrets(ctx, { tenantId: "t1", userId: "u1", llmApiKey: "" }));
  const exposed = exposeApi(components.flyAgents, {
    flyAppName: APP,
    flyApiBaseUrl: fly.url,
    secretsEncryptionKey: TEST_KEY,
    auth: async (ctx, request) => {
      if (request.kind !== "provision") return;
      expect(request.secretsFrom.tenant).toEqual(["llmApiKey"]);
      await agents.setAgentSecrets(ctx as Ctx, { tenantId: "t1", userId: "u1", llmApiKey: "sk-user-late-1b2c" });
    },
  });
  const t2 = convexTest(undefined, {
    "./host/_generated/api.js": async () => ({}),
    "./host/exposed.ts": async () => exposed,
  });
  register(underDeploymentRules(t2, HOST_ENV_BINDINGS));
  await t2.mutation(async (ctx) => await agents.setCompanySecrets(ctx, { tenantId: "t1", llmApiKey: TENANT_LLM_KEY }));
  await t2.mutation(
    async (ctx) =>
      await agents.setAgentSecrets(ctx, {
        tenantId: "t1",
        userId: "u1",
        ...SECRETS,
        llmApiKey: "",
        flyApiToken: fly.token,
      }),
  );
  await expect(
    t2.action(makeFunctionReference<"action", Record<string, Value>, unknown>("exposed:provision"), {
      tenantId: "t1",
      userId: "u1",
      ...HOSTILE_SETTINGS,
    }),
  ).rejects.toThrow(/llmApiKey/);
  expect(fly.state.requests()).toEqual([]);
});

it("without an interleaving, the approved sources are the ones used: the agent runs on the user's own key", async () => {
  const made = (await callExposed("provision", { tenantId: "t1", userId: "u1", ...HOSTILE_SETTINGS })) as {
    machineId: string;
  };
  const env = fly.state.machine(APP, made.machineId)?.config?.env ?? {};
  expect(env.LLM_API_KEY).toBe(SECRETS.llmApiKey);
});

it("with a Fly token in exposeApi's options, auth is told the host's token is used, as it is, over a stored one", async () => {
  let told: SecretsSource | undefined;
  const exposed = exposeApi(components.flyAgents, {
    flyAppName: APP,
    flyApiBaseUrl: fly.url,
    secretsEncryptionKey: TEST_KEY,
    flyApiToken: fly.token,
    auth: async (_ctx, request) => {
      if (request.kind === "provision") told = request.secretsFrom;
    },
  });
  const t2 = convexTest(undefined, {
    "./host/_generated/api.js": async () => ({}),
    "./host/exposed.ts": async () => exposed,
  });
  register(underDeploymentRules(t2, HOST_ENV_BINDINGS));
  // The user's stored Fly token is not the one Fly will see: the options' token is passed as an argument.
  await t2.mutation(
    async (ctx) =>
      await agents.setAgentSecrets(ctx, { tenantId: "t1", userId: "u1", ...SECRETS, flyApiToken: "fo1_stored-unused" }),
  );
  await t2.action(makeFunctionReference<"action", Record<string, Value>, unknown>("exposed:provision"), {
    tenantId: "t1",
    userId: "u1",
    ...HOSTILE_SETTINGS,
  });
  expect(told).toEqual({ user: expect.not.arrayContaining(["flyApiToken"]), tenant: [], host: ["flyApiToken"] });
});

it("a skills rule reads the secrets the agent's Machine got, not what is stored now", async () => {
  // Provisioned on the tenant's LLM key (the host's own path, like the example's provisionMyAgent)...
  await t.mutation(async (ctx) => await agents.setAgentSecrets(ctx, { tenantId: "t1", userId: "u1", llmApiKey: "" }));
  const made = await t.action(
    async (ctx) => await agents.provision(ctx, { tenantId: "t1", userId: "u1", ...HOSTILE_SETTINGS }),
  );
  expect(fly.state.machine(APP, made.machineId)?.config?.env?.LLM_API_KEY).toBe(TENANT_LLM_KEY);
  expect(
    (await t.query(async (ctx) => await agents.get(ctx, { machineDocId: made.machineDocId })))?.secretsFrom?.tenant,
  ).toEqual(["llmApiKey"]);
  // ...then the user stores a key of their own: the Machine still holds the tenant's.
  await t.mutation(
    async (ctx) => await agents.setAgentSecrets(ctx, { tenantId: "t1", userId: "u1", llmApiKey: SECRETS.llmApiKey }),
  );
  await expect(
    t.mutation(makeFunctionReference<"mutation", Record<string, Value>, unknown>("exposed:updateAllowedSkills"), {
      machineDocId: made.machineDocId,
      allowedSkills: ["shell"],
    }),
  ).rejects.toThrow(/would run on shared secrets/);
  expect(
    (await t.query(async (ctx) => await agents.get(ctx, { machineDocId: made.machineDocId })))?.allowedSkills,
  ).toEqual([]);
});
