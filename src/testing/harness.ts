/// <reference types="vite/client" />
/**
 * Test harness for the component alone: a convex-test instance of the component (with the
 * rate limiter it uses) and a Fly emulator on 127.0.0.1, plus valid provisioning arguments.
 */
import { convexTest } from "convex-test";
import rateLimiter from "@convex-dev/rate-limiter/test";
import batchWorker from "@convex-dev/batch-worker/test";
import workpool from "@convex-dev/workpool/test";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import schema from "../component/schema.js";
import type { Doc, Id, TableNames } from "../component/_generated/dataModel.js";
import type { WithoutSystemFields } from "convex/server";
import { startFlyEmulator, type FlyEmulator, type FlyEmulatorOptions } from "../fly-emulator/index.js";
import { HOST_ENV_BINDINGS } from "./bindings.js";
import { asComponent, underDeploymentRules } from "./deployment.js";
import { withFunctionFaults, type FunctionFault } from "./functionFaults.js";

export const modules = import.meta.glob(["../component/**/*.ts", "!../component/**/*.test.ts"]);

/**
 * Loads every module convex-test will run, up front. Outside vitest (the demo, the benchmarks)
 * modules are fetched through Vite's runner, which uses timers; convex-test loads modules
 * lazily inside the first function that needs them and forbids timers in queries and
 * mutations. Loading them first avoids that.
 */
export async function preloadModules(...more: Array<Record<string, () => Promise<unknown>>>) {
  const maps = [modules, rateLimiter.modules, batchWorker.modules, workpool.modules, await workpoolBatchWorker()];
  for (const map of [...maps, ...more]) {
    for (const [path, load] of Object.entries(map)) {
      // convex-test never loads a convex.config: it only evaluates inside Convex.
      if (!/convex\.config\.[jt]s$|\.test\.ts$/.test(path)) await load();
    }
  }
}

/**
 * The batch worker the workpool registers: its own copy when npm nests one under the workpool
 * (it pins another version than the migrations' one), loaded from there.
 */
async function workpoolBatchWorker(): Promise<Record<string, () => Promise<unknown>>> {
  const fromWorkpool = createRequire(createRequire(import.meta.url).resolve("@convex-dev/workpool/package.json"));
  const testModule = join(dirname(fromWorkpool.resolve("@convex-dev/batch-worker/package.json")), "src/test.ts");
  const loaded = (await import(/* @vite-ignore */ testModule)) as {
    default: { modules: Record<string, () => Promise<unknown>> };
  };
  return loaded.default.modules;
}

/** A valid 32-byte key, base64. */
export const TEST_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
export const OTHER_KEY = "HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4=";

/** Secret values that must never show up in clear anywhere but on the machine. */
export const SECRETS = {
  llmApiKey: "sk-llm-7f3a9c1e5b2d",
  telegramBotToken: "123456789:AAH-telegram-secret-token-xyz",
  appKey: "app-key-secret-4e8d2c",
  serviceKey: "svc-key-secret-9a1b7f",
  openclawGatewayToken: "gw-token-secret-3c5e7a",
} as const;

/** Emulator timings for tests that run many operations: Fly's states, reached in milliseconds. */
export const QUICK_FLY: FlyEmulatorOptions = {
  bootTimeMs: 20,
  gatewayStartupMs: 20,
  snapshotTimeMs: 40,
  restoreTimeMs: 40,
  volumeCreateMs: 10,
  stopTimeMs: 10,
  detachLagMs: 30,
  pairingTimeMs: 10,
};

export type Harness = Awaited<ReturnType<typeof setupHarness>>;

/**
 * The bindings of the component's children keyed as this harness registers them: the component
 * sits at the root here, where a deployment has it at "flyAgents".
 */
const CHILD_ENV_BINDINGS = Object.fromEntries(
  Object.entries(HOST_ENV_BINDINGS).flatMap(([path, binding]) =>
    path.startsWith("flyAgents/") ? [[path.slice("flyAgents/".length), binding]] : [],
  ),
);

/**
 * The component alone, at the root of a convex-test instance but held to a deployment's rules
 * for a component (src/testing/deployment.ts): no `.paginate()`, and only the env vars the
 * example app binds to it.
 */
function componentUnderTest(options: { transactionLimits?: boolean; functionFaults?: FunctionFault[] } = {}) {
  const { functionFaults = [], ...limits } = options;
  const faulty = withFunctionFaults(modules, functionFaults);
  const t = convexTest({ schema, modules: asComponent(faulty, "flyAgents", HOST_ENV_BINDINGS), ...limits });
  rateLimiter.register(underDeploymentRules(t, CHILD_ENV_BINDINGS), "rateLimiter");
  workpool.register(underDeploymentRules(t, CHILD_ENV_BINDINGS), "rolloutPool");
  return t;
}

/**
 * The component alone with a Fly emulator.
 * @param emulatorOptions Overrides of the emulator's fast timings (rate limits, faults).
 * @param functionFaults Component functions that fail as the backend can make them fail.
 */
export async function setupHarness(emulatorOptions: FlyEmulatorOptions = {}, functionFaults: FunctionFault[] = []) {
  const fly: FlyEmulator = await startFlyEmulator({ bootTimeMs: 60, gatewayStartupMs: 60, ...emulatorOptions });
  const t = componentUnderTest({ functionFaults });
  const app = "fly-agents-test";
  const target = { flyAppName: app, flyApiToken: fly.token, flyApiBaseUrl: fly.url };
  const provisionArgs = (overrides: Record<string, unknown> = {}) => ({
    ...target,
    tenantId: "tenant-a",
    userId: "user-1",
    llmModel: "moonshotai/kimi-k2.5",
    bridgeUrl: "https://bridge.example.com",
    allowedSkillsJson: '["calendar","email"]',
    serviceId: "svc-1",
    startupTimeoutSec: 10,
    ...SECRETS,
    ...overrides,
  });
  return { t, fly, app, target, provisionArgs, close: () => fly.close() };
}

/** Rows per transaction when seeding: far inside Convex's 8,192-write limit. */
const SEED_BATCH = 1_000;

/** The component alone in convex-test, with Convex's per-transaction limits enforced. */
export function setupLimitedComponent() {
  return componentUnderTest({ transactionLimits: true });
}
type LimitedComponent = ReturnType<typeof setupLimitedComponent>;
type LimitedCtx = Parameters<Parameters<LimitedComponent["run"]>[0]>[0];

/**
 * Inserts `count` rows made by `row(i)` into `table`, in batches; returns their ids in order.
 * Curried so the table is fixed before `row` is typed: `seedRows(t, "agentMachines")(10_000, (i) => ...)`.
 */
export function seedRows<Table extends TableNames>(t: LimitedComponent, table: Table) {
  return async (count: number, row: (i: number) => WithoutSystemFields<Doc<Table>>): Promise<Array<Id<Table>>> => {
    const ids: Array<Id<Table>> = [];
    for (let start = 0; start < count; start += SEED_BATCH) {
      ids.push(
        ...(await t.run(async (ctx) => {
          const batch: Array<Id<Table>> = [];
          for (let i = start; i < Math.min(count, start + SEED_BATCH); i++)
            batch.push(await ctx.db.insert(table, row(i)));
          return batch;
        })),
      );
    }
    return ids;
  };
}

/** How many documents `run` reads, as convex-test's transaction metrics count them. */
export function documentsRead(t: LimitedComponent, run: (ctx: LimitedCtx) => Promise<unknown>): Promise<number> {
  return t.run(async (ctx) => {
    const before = await ctx.meta.getTransactionMetrics();
    await run(ctx);
    const after = await ctx.meta.getTransactionMetrics();
    return after.documentsRead.used - before.documentsRead.used;
  });
}

/** Every document in every table of the component, for secret scans. */
export async function allRows(t: ReturnType<typeof convexTest>): Promise<unknown[]> {
  return await t.run(async (ctx) => {
    const rows: unknown[] = [];
    for (const table of [
      "agentMachines",
      "agentSnapshots",
      "agentVmSecrets",
      "companySecrets",
      "auditEvents",
      "imageRollouts",
      "imageRolloutAgents",
    ] as const) {
      rows.push(...(await ctx.db.query(table).collect()));
    }
    return rows;
  });
}
