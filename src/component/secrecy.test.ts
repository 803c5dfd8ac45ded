/**
 * Fly and OpenClaw echo every secret they hold in their error text (the emulator's
 * `echoInErrors` knob). First the paths that leaked (the skills update, a sync taking over a
 * cut-short provisioning, a secret shorter than four characters); then every operation kind
 * fails once, and every error, every row of every table and every audit event is scanned: no
 * secret is left in clear.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api } from "./_generated/api.js";
import { expectConsoleErrors } from "../testing/consoleErrors.js";
import { allRows, SECRETS, setupHarness, TEST_KEY, type Harness } from "../testing/harness.js";
import type { FaultRule } from "../fly-emulator/index.js";
import { isFlyAgentsError } from "./errors.js";
import type { OperationKind } from "./validators.js";

const REDACTED = "[redacted]";

/** The tenant's defaults: the bot token is the user's own, so the tenant's never reaches the Machine. */
const TENANT = {
  llmApiKey: "sk-tenant-llm-8c1f0e2a",
  appKey: "tenant-app-key-5b7d",
  serviceKey: "tenant-service-key-9e3a",
  telegramBotToken: "555000111:AAE-tenant-bot-token",
};
/** The user's own, one of them shorter than four characters. */
const USER = { telegramBotToken: "700100200:AAF-user-bot-token-x", openaiApiKey: "Qz7" };
/** Passed as an argument to provisioning and never stored: only the Machine holds it afterwards. */
const GATEWAY_TOKEN = "gw-passed-as-argument-4d2c";
const ALL_KINDS: OperationKind[] = [
  "provision",
  "recreate",
  "start",
  "stop",
  "restart",
  "deprovision",
  "snapshot",
  "pairing",
  "update_skills",
  "sync",
  "sweep",
];

let h: Harness;
beforeEach(async () => {
  h = await setupHarness({ echoInErrors: true, stopTimeMs: 10, snapshotTimeMs: 30, detachLagMs: 10 });
  process.env.AGENT_SECRETS_ENCRYPTION_KEY = TEST_KEY;
  process.env.FLY_API_TOKEN = h.fly.token;
  process.env.FLY_API_BASE_URL = h.fly.url;
});
afterEach(async () => {
  for (const name of ["AGENT_SECRETS_ENCRYPTION_KEY", "FLY_API_TOKEN", "FLY_API_BASE_URL"]) delete process.env[name];
  await h.close();
});

const refused = (operationId: string): FaultRule => ({
  operationId,
  action: { status: 400, body: { error: `invalid_argument: ${operationId} refused` } },
});

it("nothing Fly or OpenClaw echoes, on any operation kind, is left in clear anywhere", async () => {
  // convex-test logs the background whitelist update that Fly refuses below; that line is checked too.
  const consoleErrors = expectConsoleErrors(
    /^Error when running scheduled function skills:applyStoredSkills ConvexError: .*Machines_update failed with HTTP 400/,
  );
  const owner = { tenantId: "tenant-a", userId: "user-1" };
  await h.t.mutation(api.lib.upsertCompanySecrets, { tenantId: owner.tenantId, ...TENANT });
  await h.t.mutation(api.lib.upsertAgentSecrets, { ...owner, ...USER });
  const provisionArgs = {
    ...owner,
    ...h.target,
    llmModel: "moonshotai/kimi-k2.5",
    bridgeUrl: "https://bridge.example.com",
    serviceId: "svc-1",
    openclawGatewayToken: GATEWAY_TOKEN,
    startupTimeoutSec: 2,
  };
  const errors: unknown[] = [];
  /** Runs `call` with `rules` in force; it must fail. */
  async function fails(call: () => Promise<unknown>, ...rules: FaultRule[]) {
    const ids = rules.map((rule) => h.fly.faults.add(rule));
    try {
      const error = await call().then(
        (result) => new Error(`expected a failure, got ${JSON.stringify(result)}`),
        (caught: unknown) => caught,
      );
      expect(isFlyAgentsError(error), String(error)).toBe(true);
      errors.push(String(error), isFlyAgentsError(error) ? error.data : null);
    } finally {
      for (const id of ids) h.fly.faults.remove(id);
    }
  }
  const provision = () => h.t.action(api.lib.provisionAgentMachineWithStoredSecrets, provisionArgs);
  const onAgent = { ...h.target };

  await fails(provision, refused("Machines_create"));
  const agent = await provision();
  const target = { machineDocId: agent.machineDocId, ...onAgent };
  expect(h.fly.state.machine(h.app, agent.machineId)?.config?.env).toMatchObject({
    LLM_API_KEY: TENANT.llmApiKey,
    TELEGRAM_BOT_TOKEN: USER.telegramBotToken,
    OPENAI_API_KEY: USER.openaiApiKey,
    OPENCLAW_GATEWAY_TOKEN: GATEWAY_TOKEN,
  });

  // OpenClaw refuses to approve a pending code and prints its environment (exec #1 lists the
  // pending codes, #2 approves).
  await fails(
    () =>
      h.t.action(api.lib.approveTelegramPairingWithStoredSecrets, {
        ...target,
        telegramPairingCode: h.fly.state.issuePairingCode(h.app, agent.machineId),
      }),
    {
      operationId: "Machines_exec",
      nth: 2,
      action: { status: 200, body: { exit_code: 1, stdout: "", stderr: "Error: pairing store is locked\n" } },
    },
  );
  await fails(() => h.t.action(api.lib.createAgentSnapshotWithStoredSecrets, target), refused("createVolumeSnapshot"));
  const snapshot = await h.t.action(api.lib.createAgentSnapshotWithStoredSecrets, target);
  expect(snapshot.status).toBe("created");
  await fails(() => h.t.action(api.lib.stopAgentMachineWithStoredSecrets, target), refused("Machines_stop"));
  await h.t.action(api.lib.stopAgentMachineWithStoredSecrets, target);
  await fails(() => h.t.action(api.lib.startAgentMachineWithStoredSecrets, target), refused("Machines_start"));
  await h.t.action(api.lib.startAgentMachineWithStoredSecrets, target);
  await fails(() => h.t.action(api.lib.restartAgentMachineWithStoredSecrets, target), refused("Machines_restart"));

  // The whitelist update runs in the background: its failure is in the audit trail and the record.
  const skillsFault = h.fly.faults.add(refused("Machines_update"));
  await h.t.mutation(api.lib.updateAllowedSkills, {
    machineDocId: agent.machineDocId,
    allowedSkills: ["notes"],
    applyToMachine: true,
  });
  await h.t.finishAllScheduledFunctions(() => undefined);
  h.fly.faults.remove(skillsFault);

  // Syncs take over whatever a failed operation still holds.
  await fails(() => h.t.action(api.lib.syncAgentMachine, { ...target, staleAfterMs: 0 }), {
    ...refused("Machines_show"),
    times: 1,
  });
  await h.t.action(api.lib.syncAgentMachine, { ...target, staleAfterMs: 0 });
  await fails(
    () => h.t.action(api.lib.recreateAgentFromLatestSnapshotWithStoredSecrets, provisionArgs),
    refused("Machines_create"),
  );
  await fails(() => h.t.action(api.lib.deprovisionAgentMachineWithStoredSecrets, target), refused("Machines_delete"));

  const sweep = () => h.t.action(api.lib.sweepAgentMachines, { ...onAgent, staleAfterMs: 0 });
  const deleteFault = h.fly.faults.add({ ...refused("Machines_delete"), times: 10 });
  const failedSweep = await sweep();
  h.fly.faults.remove(deleteFault);
  expect(failedSweep.failures).toHaveLength(1);
  const cleanSweep = await sweep();
  expect(cleanSweep).toMatchObject({ repaired: 1, failures: [] });
  expect(h.fly.state.liveResources(h.app)).toEqual({ machines: [], volumes: [] });

  const audit = await h.t.query(api.lib.listAuditEventsByTenant, {
    tenantId: owner.tenantId,
    paginationOpts: { numItems: 100, cursor: null },
  });
  const failed = audit.page.filter((event) => event.outcome === "failed");
  expect([...new Set(failed.map((event) => event.operation))].sort()).toEqual([...ALL_KINDS].sort());
  // Every failure quoted what Fly or OpenClaw echoed, with the secrets taken out.
  for (const event of failed) expect(`${event.operation}: ${event.error}`).toContain(REDACTED);

  const logged = consoleErrors.logged();
  const everything = JSON.stringify([
    await allRows(h.t),
    errors,
    audit,
    failedSweep,
    cleanSweep,
    agent,
    snapshot,
    logged,
  ]);
  const secrets = [...Object.values(TENANT), ...Object.values(USER), GATEWAY_TOKEN, h.fly.token, TEST_KEY];
  for (const secret of secrets) {
    const standing = new RegExp(
      `(?<![\\p{L}\\p{N}])${secret.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\p{L}\\p{N}])`,
      "u",
    );
    expect(everything, `${secret} is in clear`).not.toMatch(standing);
    if (secret.length >= 8) expect(everything, `${secret} is in clear`).not.toContain(secret);
  }
});

describe("paths that quoted secrets before", () => {
  /** Every text a caller or a reader of the component's tables could see. */
  async function visible(...more: unknown[]) {
    return JSON.stringify([await allRows(h.t), ...more]);
  }

  it("the skills update: Fly's error quotes the whole config it was sent", async () => {
    const agent = await h.t.action(api.lib.provisionAgentMachine, h.provisionArgs());
    h.fly.faults.add({
      operationId: "Machines_update",
      action: { status: 400, body: { error: "invalid_argument: config rejected" } },
    });
    await h.t.mutation(api.lib.updateAllowedSkills, { machineDocId: agent.machineDocId, allowedSkills: ["notes"] });
    const error = await h.t
      .action(api.lib.applyAllowedSkillsToMachine, { machineDocId: agent.machineDocId, ...h.target })
      .then(
        () => null,
        (caught: unknown) => caught,
      );
    expect(String(error)).toMatch(/Machines_update failed with HTTP 400/);
    expect(String(error)).toContain(REDACTED);
    const text = await visible(String(error));
    for (const secret of [...Object.values(SECRETS), h.fly.token]) expect(text).not.toContain(secret);
  });

  it("a sync that takes over a cut-short provisioning redacts what OpenClaw prints", async () => {
    h.fly.faults.add({ operationId: "Machines_wait", action: { latencyMs: 60_000 } });
    const zombie = h.t
      .action(api.lib.provisionAgentMachine, h.provisionArgs({ startupTimeoutSec: 2 }))
      .catch((error: unknown) => error);
    for (let i = 0; i < 200 && h.fly.faults.fired().length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    const [agent] = await h.t.query(api.lib.listAgentMachinesByTenant, { tenantId: "tenant-a" });
    // OpenClaw fails its health check and prints its environment (the echo knob appends it).
    h.fly.faults.add({
      operationId: "Machines_exec",
      times: 100,
      action: { status: 200, body: { exit_code: 1, stdout: "", stderr: "Error: config load failed\n" } },
    });
    const status = await h.t.action(api.lib.syncAgentMachine, {
      machineDocId: agent._id,
      ...h.target,
      staleAfterMs: 0,
    });
    expect(status).toBe("error");
    const [after] = await h.t.query(api.lib.listAgentMachinesByTenant, { tenantId: "tenant-a" });
    expect(after.lastError).toMatch(/OpenClaw's health check failed/);
    expect(after.lastError).toContain(REDACTED);
    await h.close();
    const text = await visible(String(await zombie));
    for (const secret of [...Object.values(SECRETS), h.fly.token]) expect(text).not.toContain(secret);
  });

  it("a secret shorter than four characters, stored for the user, is redacted too", async () => {
    await h.t.mutation(api.lib.upsertAgentSecrets, {
      tenantId: "tenant-a",
      userId: "user-1",
      secretsEncryptionKey: TEST_KEY,
      openaiApiKey: "Qz7",
    });
    const agent = await h.t.action(
      api.lib.provisionAgentMachineWithStoredSecrets,
      h.provisionArgs({ secretsEncryptionKey: TEST_KEY }),
    );
    expect(h.fly.state.machine(h.app, agent.machineId)?.config?.env?.OPENAI_API_KEY).toBe("Qz7");
    h.fly.faults.add({ operationId: "Machines_stop", action: { status: 400, body: { error: "stop refused" } } });
    const error = await h.t
      .action(api.lib.stopAgentMachineWithStoredSecrets, {
        machineDocId: agent.machineDocId,
        flyAppName: h.app,
        flyApiBaseUrl: h.fly.url,
        flyApiToken: h.fly.token,
        secretsEncryptionKey: TEST_KEY,
      })
      .then(
        () => null,
        (caught: unknown) => caught,
      );
    expect(String(error)).toMatch(/OPENAI_API_KEY=\[redacted\]/);
    expect(await visible(String(error))).not.toMatch(/(?<![\p{L}\p{N}])Qz7(?![\p{L}\p{N}])/u);
  });
});
