/**
 * The project's convex-test setup refuses what a deployment refuses (src/testing/deployment.ts):
 * each guard firing, and the component working under both.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { convexTest } from "convex-test";
import { componentsGeneric, defineSchema, defineTable, queryGeneric, type FunctionReference } from "convex/server";
import { v } from "convex/values";
import { paginator } from "convex-helpers/server/pagination";
import { api } from "../../convex/_generated/api.js";
import { ALICE, startExampleApp, type ExampleApp } from "../../convex/app.setup.js";
import { asComponent, underDeploymentRules, type ComponentEnvBindings } from "./deployment.js";

const probeSchema = defineSchema({ notes: defineTable({ text: v.string() }) });

/** A tiny component whose functions do what the guards watch for. */
const probeModules = {
  "./probe/_generated/api.js": async () => ({}),
  "./probe/lib.ts": async () => ({
    backendPage: queryGeneric({
      args: {},
      handler: async (ctx) => await ctx.db.query("notes").paginate({ numItems: 2, cursor: null }),
    }),
    helpersPage: queryGeneric({
      args: {},
      handler: async (ctx) =>
        await paginator(ctx.db, probeSchema).query("notes").paginate({ numItems: 2, cursor: null }),
    }),
    readEnv: queryGeneric({
      args: { name: v.string() },
      handler: async (_ctx, args) => process.env[args.name] ?? null,
    }),
  }),
};
type Probe = {
  lib: {
    backendPage: FunctionReference<"query", "internal", Record<string, never>, { page: unknown[] }>;
    helpersPage: FunctionReference<"query", "internal", Record<string, never>, { page: unknown[] }>;
    readEnv: FunctionReference<"query", "internal", { name: string }, string | null>;
  };
};
const components = componentsGeneric() as unknown as { probe: Probe };

/** A host app (with a table like the probe's, and no functions) and the probe installed under `bindings`. */
function hostWithProbe(bindings: ComponentEnvBindings) {
  const t = convexTest(probeSchema, { "./host/_generated/api.js": async () => ({}) });
  underDeploymentRules(t, bindings).registerComponent("probe", probeSchema, probeModules);
  return t;
}

describe("pagination in a component", () => {
  it("refuses .paginate() inside a component, as the backend does, and lets the app paginate", async () => {
    const t = hostWithProbe({ probe: { declared: [], bound: {} } });
    const appPage = await t.query(async (ctx) => await ctx.db.query("notes").paginate({ numItems: 2, cursor: null }));
    expect(appPage).toMatchObject({ page: [], isDone: true });
    await expect(t.query(async (ctx) => await ctx.runQuery(components.probe.lib.backendPage, {}))).rejects.toThrow(
      /PaginationUnsupportedInComponents: component probe called \.paginate\(\)/,
    );
  });

  it("serves pages from convex-helpers' paginator inside a component", async () => {
    const t = hostWithProbe({ probe: { declared: [], bound: {} } });
    const result = await t.query(async (ctx) => await ctx.runQuery(components.probe.lib.helpersPage, {}));
    expect(result).toMatchObject({ page: [], isDone: true });
  });
});

describe("env vars in a component", () => {
  const saved = { HOST_TOKEN: process.env.HOST_TOKEN, UNBOUND_SECRET: process.env.UNBOUND_SECRET };
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("shows a component only what its host binds, under the names it binds them to", async () => {
    process.env.HOST_TOKEN = "host-token-value";
    process.env.UNBOUND_SECRET = "not-for-the-component";
    const t = hostWithProbe({
      probe: {
        declared: ["TOKEN", "REGION", "UNBOUND_SECRET"],
        bound: { TOKEN: { type: "envVar", name: "HOST_TOKEN" }, REGION: { type: "value", value: "iad" } },
      },
    });
    const read = (name: string) => t.query(async (ctx) => await ctx.runQuery(components.probe.lib.readEnv, { name }));
    expect(await read("TOKEN")).toBe("host-token-value");
    expect(await read("REGION")).toBe("iad");
    await expect(read("UNBOUND_SECRET")).rejects.toThrow(
      /Component probe read process\.env\.UNBOUND_SECRET, which the app's convex\.config\.ts does not bind to it/,
    );
    // The app itself still sees its whole env.
    expect(process.env.UNBOUND_SECRET).toBe("not-for-the-component");
    // A name the component does not declare is not its to read: Node's and Vite's own pass through.
    expect(await read("HOST_TOKEN")).toBe("host-token-value");
  });

  it("gives a nested component undefined for a var its parent does not bind, as a deployment does", async () => {
    process.env.HOST_TOKEN = "host-token-value";
    const t = convexTest(probeSchema, { "./host/_generated/api.js": async () => ({}) });
    // The probe's modules, running as a component that another (probe) installed.
    const nested = asComponent(probeModules, "probe/inner", {
      probe: { declared: ["TOKEN"], bound: { TOKEN: { type: "envVar", name: "HOST_TOKEN" } } },
      "probe/inner": { declared: ["TOKEN", "LOG_LEVEL"], bound: { TOKEN: { type: "envVar", name: "TOKEN" } } },
    });
    t.registerComponent("probe", probeSchema, nested);
    const read = (name: string) => t.query(async (ctx) => await ctx.runQuery(components.probe.lib.readEnv, { name }));
    expect(await read("TOKEN")).toBe("host-token-value");
    expect(await read("LOG_LEVEL")).toBeNull();
  });

  it("reads the example app's bindings from the codegen's analysis of convex/convex.config.ts", () => {
    const names = ["ACTION_LIFETIME_MINUTES", "AGENT_SECRETS_ENCRYPTION_KEY", "FLY_API_BASE_URL", "FLY_API_TOKEN"];
    expect(inject("componentEnvBindings").flyAgents).toEqual({
      declared: names,
      bound: Object.fromEntries(names.map((name) => [name, { type: "envVar", name }])),
    });
  });

  describe("the example app without its env binding", () => {
    let app: ExampleApp;
    afterEach(async () => {
      await app.close();
    });
    /** A write that seals a secret, so the component reads AGENT_SECRETS_ENCRYPTION_KEY. */
    const aliceStoresHerBotToken = () =>
      app.t
        .withIdentity(ALICE)
        .mutation(api.agents.setAgentSecrets, { tenantId: "acme", userId: "alice", telegramBotToken: "1:AAA" });

    it("fails where the component needs AGENT_SECRETS_ENCRYPTION_KEY, as a deployment would", async () => {
      const bindings = inject("componentEnvBindings");
      app = await startExampleApp({}, { ...bindings, flyAgents: { ...bindings.flyAgents, bound: {} } });
      await expect(aliceStoresHerBotToken()).rejects.toThrow(
        /Component flyAgents read process\.env\.AGENT_SECRETS_ENCRYPTION_KEY/,
      );
    });

    it("works with the binding convex.config.ts has", async () => {
      app = await startExampleApp();
      await expect(aliceStoresHerBotToken()).resolves.toMatchObject({ hasTelegramBotToken: true });
    });
  });
});
