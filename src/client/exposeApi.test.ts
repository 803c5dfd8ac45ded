/**
 * What `exposeApi` asks its auth callback: every argument of every exposed function that
 * changes what runs or where secrets go reaches it, typed per kind. A host app of one module
 * (`exposed`) holds the functions; its callback records each request and refuses all but
 * `readAgent`, so nothing runs.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { convexTest } from "convex-test";
import { componentsGeneric, makeFunctionReference } from "convex/server";
import type { Value } from "convex/values";
import { exposeApi, FlyAgents, type ComponentApi, type FlyAgentsRequest } from "./index.js";
import { register } from "../test.js";
import { SECRETS, TEST_KEY } from "../testing/harness.js";
import { HOST_ENV_BINDINGS } from "../testing/bindings.js";
import { underDeploymentRules } from "../testing/deployment.js";
import { startFlyEmulator, type FlyEmulator } from "../fly-emulator/index.js";

const components = componentsGeneric() as unknown as { flyAgents: ComponentApi };
const APP = "exposed-agents";

let fly: FlyEmulator;
let asked: FlyAgentsRequest[];
let exposed: ReturnType<typeof exposeApi>;
let t: ReturnType<typeof convexTest>;

beforeEach(async () => {
  fly = await startFlyEmulator({ apps: [APP], bootTimeMs: 20, gatewayStartupMs: 20 });
  const options = { flyAppName: APP, flyApiToken: fly.token, flyApiBaseUrl: fly.url, secretsEncryptionKey: TEST_KEY };
  asked = [];
  exposed = exposeApi(components.flyAgents, {
    ...options,
    auth: async (_ctx, request) => {
      if (request.kind === "readAgent") return;
      asked.push(request);
      throw new Error("refused by the test");
    },
  });
  t = convexTest(undefined, {
    "./host/_generated/api.js": async () => ({}),
    "./host/exposed.ts": async () => exposed,
  });
  register(underDeploymentRules(t, HOST_ENV_BINDINGS));
  const agents = new FlyAgents(components.flyAgents, options);
  await t.mutation(
    async (ctx) => await agents.setCompanySecrets(ctx, { tenantId: "t1", llmApiKey: SECRETS.llmApiKey }),
  );
  await t.mutation(
    async (ctx) => await agents.setAgentSecrets(ctx, { tenantId: "t1", userId: "u1", ...SECRETS, llmApiKey: "" }),
  );
});
afterEach(async () => {
  await fly.close();
});

/** Calls exposed:`name` and returns the one request its auth callback was asked about. */
async function requestOf(name: keyof typeof exposed, args: Record<string, Value>): Promise<FlyAgentsRequest> {
  asked = [];
  const fn = exposed[name] as unknown as { isQuery?: true; isMutation?: true };
  const path = `exposed:${name}`;
  const call = fn.isQuery
    ? t.query(makeFunctionReference<"query", Record<string, Value>, unknown>(path), args)
    : fn.isMutation
      ? t.mutation(makeFunctionReference<"mutation", Record<string, Value>, unknown>(path), args)
      : t.action(makeFunctionReference<"action", Record<string, Value>, unknown>(path), args);
  await expect(call).rejects.toThrow(/refused by the test/);
  expect(asked).toHaveLength(1);
  return asked[0];
}

it("every argument that changes what runs or where secrets go reaches the auth callback", async () => {
  const settings = {
    image: "registry.fly.io/my-openclaw:v2",
    bridgeUrl: "https://bridge.example.com",
    serviceId: "svc-9",
    allowedSkills: ["calendar"],
    memoryMB: 1024,
    region: "fra",
    llmModel: "moonshotai/kimi-k2.5",
  };
  const secretsFrom = {
    user: ["openclawGatewayToken", "telegramBotToken", "serviceKey", "appKey"],
    tenant: ["llmApiKey"],
    host: ["flyApiToken"],
  };
  for (const [name, kind] of [
    ["provision", "provision"],
    ["recreateFromLatestSnapshot", "recreate"],
  ] as const) {
    expect(await requestOf(name, { tenantId: "t1", userId: "u1", ...settings })).toEqual({
      kind,
      tenantId: "t1",
      userId: "u1",
      settings,
      secretsFrom,
    });
  }
  expect(await requestOf("provision", { tenantId: "t1", userId: "u1" })).toMatchObject({ settings: {} });

  // The exposed provisioning takes no argument that the request leaves out.
  const exported = JSON.parse((exposed.provision as unknown as { exportArgs(): string }).exportArgs()) as {
    value: Record<string, unknown>;
  };
  expect(Object.keys(exported.value).sort()).toEqual(["tenantId", "userId", ...Object.keys(settings)].sort());

  const writes: Array<[keyof typeof exposed, Record<string, Value>, FlyAgentsRequest]> = [
    [
      "setAgentSecrets",
      { tenantId: "t1", userId: "u1", flyApiToken: "fo1_x", llmApiKey: "" },
      { kind: "writeSecrets", tenantId: "t1", userId: "u1", keys: ["flyApiToken", "llmApiKey"], clear: false },
    ],
    [
      "setCompanySecrets",
      { tenantId: "t1", appKey: "k" },
      { kind: "writeSecrets", tenantId: "t1", keys: ["appKey"], clear: false },
    ],
    [
      "clearAgentSecrets",
      { tenantId: "t1", userId: "u1" },
      {
        kind: "writeSecrets",
        tenantId: "t1",
        userId: "u1",
        keys: expect.arrayContaining(["flyApiToken"]),
        clear: true,
      },
    ],
    [
      "listAgents",
      { tenantId: "t1", status: "running", paginationOpts: { numItems: 5, cursor: null } },
      { kind: "listAgents", tenantId: "t1", status: "running" },
    ],
  ];
  for (const [name, args, request] of writes) expect(await requestOf(name, args)).toEqual(request);
});

it("an agent's operations name it, with the pairing code and the new skill whitelist", async () => {
  const agents = new FlyAgents(components.flyAgents, {
    flyAppName: APP,
    flyApiToken: fly.token,
    flyApiBaseUrl: fly.url,
    secretsEncryptionKey: TEST_KEY,
  });
  const made = await t.action(
    async (ctx) =>
      await agents.provision(ctx, {
        tenantId: "t1",
        userId: "u1",
        llmModel: "moonshotai/kimi-k2.5",
        bridgeUrl: "https://bridge.example.com",
        serviceId: "svc-1",
      }),
  );
  const ref = { tenantId: "t1", userId: "u1", machineDocId: made.machineDocId };
  expect(
    await requestOf("approvePairing", { machineDocId: made.machineDocId, telegramPairingCode: "ABCD2345" }),
  ).toEqual({ kind: "pairing", ...ref, telegramPairingCode: "ABCD2345" });
  expect(
    await requestOf("updateAllowedSkills", {
      machineDocId: made.machineDocId,
      allowedSkills: ["notes"],
      applyToMachine: true,
    }),
  ).toEqual({
    kind: "update_skills",
    ...ref,
    allowedSkills: ["notes"],
    applyToMachine: true,
    secretsFrom: expect.objectContaining({ tenant: ["llmApiKey"] }),
  });
  for (const name of ["start", "stop", "restart", "deprovision", "snapshot", "sync"] as const) {
    expect(await requestOf(name, { machineDocId: made.machineDocId })).toEqual({ kind: name, ...ref });
  }
});
