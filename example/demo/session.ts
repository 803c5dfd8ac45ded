/**
 * One realistic session of the example app, for one user of the tenant "acme": the admin's
 * defaults, the user's own secret, an agent provisioned (its steps shown as they happen),
 * Telegram pairing, the model checked, a snapshot, stop and start, recreation from the
 * snapshot with the agent's state intact, and deprovisioning.
 */
import { isFlyAgentsError } from "@okrlinkhub/fly-agents";
import { api } from "../../convex/_generated/api.js";
import { ACME_DEFAULTS, ADA } from "../../convex/app.setup.js";
import { cyan, dim, green, seconds, yellow } from "./terminal.js";
import type { World } from "./world.js";

export type Step = { user: string; name: string; ms: number; ok: boolean; note: string };
export type Say = (line: string) => void;

type User = { subject: string; tenantId: string };
type Caller = ReturnType<World["t"]["withIdentity"]>;

/** Times `work` as a step of the timeline; a failure is recorded, then rethrown. */
async function step<T>(
  steps: Step[],
  user: string,
  name: string,
  say: Say,
  work: () => Promise<T>,
  note?: (result: T) => string,
) {
  const started = performance.now();
  try {
    const result = await work();
    const entry = { user, name, ms: performance.now() - started, ok: true, note: note?.(result) ?? "" };
    steps.push(entry);
    say(`  ${green("✓")} ${name} ${dim(seconds(entry.ms))}${entry.note ? `  ${entry.note}` : ""}`);
    return result;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    steps.push({ user, name, ms: performance.now() - started, ok: false, note: message.slice(0, 200) });
    throw error;
  }
}

/** Shows the agent's provisioning steps as its record moves through them. */
function watchProgress(caller: Caller, tenantId: string, userId: string, say: Say) {
  let stop = false;
  let last = "";
  const started = performance.now();
  const done = (async () => {
    while (!stop) {
      const page = await caller.query(api.agents.listAgents, {
        tenantId,
        paginationOpts: { numItems: 20, cursor: null },
      });
      const agent = page.page.find((candidate) => candidate.userId === userId && candidate.status !== "deleted");
      const now = agent ? (agent.status === "provisioning" ? (agent.step ?? "queued") : agent.status) : "";
      if (now && now !== last && agent?.status === "provisioning") {
        say(`    ${cyan("…")} ${now.replace(/_/g, " ")} ${dim(`+${seconds(performance.now() - started)}`)}`);
      }
      last = now;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  return async () => {
    stop = true;
    await done;
  };
}

/** Approves a pairing; if Fly left the gateway unhealthy, restarts the machine and tries once more. */
async function pairWithRecovery(world: World, caller: Caller, machineDocId: string, machineId: string, say: Say) {
  const code = world.fly.state.issuePairingCode(world.app, machineId);
  say(`    ${dim(`the user sends /start to their Telegram bot; OpenClaw answers with pairing code ${code}`)}`);
  try {
    await caller.action(api.agents.approvePairing, { machineDocId, telegramPairingCode: code });
  } catch (error) {
    if (!isFlyAgentsError(error, "gateway_unhealthy")) throw error;
    say(`    ${yellow("!")} ${error.data.message}`);
    say(`    ${yellow("↻")} restarting the machine, as the safe pairing flow says, then pairing again`);
    await caller.action(api.agents.restart, { machineDocId });
    const retry = world.fly.state.agentState(volumeOf(world, machineId))?.approvedPairings.some((p) => p.code === code);
    if (!retry) await caller.action(api.agents.approvePairing, { machineDocId, telegramPairingCode: code });
  }
  return code;
}

function volumeOf(world: World, machineId: string): string {
  const mount = world.fly.state.machine(world.app, machineId)?.config?.mounts?.[0];
  if (!mount) throw new Error(`machine ${machineId} has no volume -- invariant`);
  return mount.volume;
}

/** The admin's part: the tenant's defaults, once per demo. */
export async function setTenantDefaults(world: World, steps: Step[], say: Say) {
  const admin = world.t.withIdentity(ADA);
  say(
    `\n${cyan("acme's admin")} stores the tenant's defaults (model, bridge, skills; LLM, app and service keys sealed)`,
  );
  await step(
    steps,
    "ada",
    "tenant defaults stored",
    say,
    () => admin.mutation(api.tenants.setTenantDefaults, ACME_DEFAULTS),
    (meta) => `keys stored: ${Object.entries(meta).filter(([, has]) => has).length}/3, values never returned`,
  );
}

/** One user's whole journey. Returns the steps it recorded. */
export async function userSession(world: World, user: User, steps: Step[], say: Say) {
  const caller = world.t.withIdentity(user);
  const name = user.subject;
  const run = <T>(stepName: string, work: () => Promise<T>, note?: (result: T) => string) =>
    step(steps, name, stepName, say, work, note);

  say(`\n${cyan(name)} stores their own Telegram bot token`);
  await run("user's secrets stored", () =>
    caller.mutation(api.agents.setAgentSecrets, {
      tenantId: user.tenantId,
      userId: user.subject,
      telegramBotToken: `7001${name.length}:AAF-${name}-bot-token`,
    }),
  );

  say(`${cyan(name)} asks for their agent`);
  const stopWatching = watchProgress(caller, user.tenantId, user.subject, say);
  const agent = await run(
    "agent provisioned",
    () => caller.action(api.agents.provisionMyAgent, {}),
    (result) => `running, model ${result.effectiveModel}`,
  ).finally(stopWatching);
  const record = await caller.query(api.agents.getAgent, { machineDocId: agent.machineDocId });
  if (!record?.machineId) throw new Error("the agent has no machine -- invariant");
  const machineId = record.machineId;

  const code = await run("Telegram pairing approved", () =>
    pairWithRecovery(world, caller, agent.machineDocId, machineId, say),
  );
  await run(
    "effective model checked",
    async () => {
      const onFly = world.fly.state.agentState(volumeOf(world, machineId))?.model;
      if (onFly !== ACME_DEFAULTS.llmModel) throw new Error(`OpenClaw runs ${onFly}, not ${ACME_DEFAULTS.llmModel}`);
      return onFly;
    },
    (model) => `OpenClaw reports ${model}`,
  );
  await run(
    "snapshot taken",
    () => caller.action(api.agents.snapshot, { machineDocId: agent.machineDocId }),
    (s) => `${s.flyVolumeSnapshotId} ${s.status}`,
  );
  await run("agent stopped", () => caller.action(api.agents.stop, { machineDocId: agent.machineDocId }));
  await run("agent started", () => caller.action(api.agents.start, { machineDocId: agent.machineDocId }));

  say(`${cyan(name)}'s agent is rebuilt from its snapshot`);
  const restored = await run(
    "recreated from snapshot",
    () => caller.action(api.agents.recreateMyAgent, {}),
    () => "a new machine on a volume restored from the snapshot; the old agent removed",
  );
  await run(
    "state intact after restore",
    async () => {
      const again = await caller.query(api.agents.getAgent, { machineDocId: restored.machineDocId });
      const state = again?.machineId ? world.fly.state.agentState(volumeOf(world, again.machineId)) : undefined;
      if (!state?.approvedPairings.some((pairing) => pairing.code === code))
        throw new Error("the pairing did not survive the restore");
      return state;
    },
    (state) => `pairing ${code} and model ${state.model} restored`,
  );
  await run("agent deprovisioned", () =>
    caller.action(api.agents.deprovision, { machineDocId: restored.machineDocId }),
  );
}
