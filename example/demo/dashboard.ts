/**
 * `npm run demo -- --dashboard`: the fleet dashboard on the real component, offline. The example app runs in
 * convex-test against the Fly emulator, as in the terminal demo; the dashboard (built in "bridge" mode) reads
 * and drives it through a small local bridge (example/dashboard/bridge.ts). The demo plays a small fleet a
 * person can watch (agents provisioned step by step, paired, snapshotted, stopped, and one failure of each
 * kind), then leaves the fleet up to click around in until Ctrl+C.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isFlyAgentsError } from "@okrlinkhub/fly-agents";
import { api } from "../../convex/_generated/api.js";
import { ACME_DEFAULTS, ADA } from "../../convex/app.setup.js";
import { startBridge } from "../dashboard/bridge.js";
import { buildDashboard } from "../dashboard/serve.js";
import { cyan, dim, green, red, yellow } from "./terminal.js";
import type { World } from "./world.js";

type Say = (line: string) => void;

const START_ANYWAY_MS = 20_000; // the fleet waits this long for a person to open the page

/** The users of the tenant "acme" the demo's fleet belongs to. */
export const FLEET_USERS = { paired: "alice", stopped: "bob", failed: "carol" } as const;
/** Users left for a person (or the browser test) to provision from the dashboard's form. */
export const FORM_USERS = ["dave", "erin", "frank"] as const;

/**
 * Builds the dashboard and serves it, with the bridge, as acme's admin.
 * @param world The demo's world: the example app and the Fly emulator.
 * @param port Port on 127.0.0.1; default any free one.
 * @returns The URL to open, and `close`.
 */
export async function serveDashboard(world: World, port?: number) {
  const dashboardDir = mkdtempSync(join(tmpdir(), "fleet-dashboard-bridge-"));
  await buildDashboard("bridge", dashboardDir);
  const bridge = await startBridge({ t: world.t, identity: ADA, dashboardDir, port });
  return {
    url: bridge.url,
    opened: bridge.opened,
    close: async () => {
      await bridge.close();
      rmSync(dashboardDir, { recursive: true, force: true });
    },
  };
}

/**
 * Stores acme's defaults (as its admin), and for each of `users` the secrets only a user has (their Telegram
 * bot token, their agent's gateway token), so that the dashboard can provision any of them.
 */
export async function prepareTenant(world: World, users: readonly string[]) {
  const admin = world.t.withIdentity(ADA);
  await admin.mutation(api.tenants.setTenantDefaults, ACME_DEFAULTS);
  for (const userId of users) {
    await admin.mutation(api.agents.setAgentSecrets, {
      tenantId: ADA.tenantId,
      userId,
      telegramBotToken: `7001${userId.length}:AAF-${userId}-bot-token`,
      openclawGatewayToken: randomBytes(32).toString("hex"),
    });
  }
}

function machineIdOf(agent: { machineId?: string } | null): string {
  if (!agent?.machineId) throw new Error("the agent has no machine -- invariant");
  return agent.machineId;
}

/**
 * The fleet a person watches, played through the example app's functions as acme's admin would:
 * - alice's agent is provisioned, paired with the code OpenClaw gave her, snapshotted, then a mistyped code
 *   is refused by OpenClaw (`pairing_rejected`);
 * - bob's agent is provisioned beside it, then stopped;
 * - carol's provisioning fails: Fly refuses her machine (an injected 403, as over an organisation's quota),
 *   and the component removes what it made and records why.
 * @param world The demo's world.
 * @param say Where to narrate.
 * @returns Whether every step went as described.
 */
export async function playFleet(world: World, say: Say): Promise<boolean> {
  const admin = world.t.withIdentity(ADA);
  const tenantId = ADA.tenantId;
  const { llmModel, bridgeUrl, serviceId, allowedSkills } = ACME_DEFAULTS;
  const provision = (userId: string) =>
    admin.action(api.agents.provision, { tenantId, userId, llmModel, bridgeUrl, serviceId, allowedSkills });
  let asExpected = true;
  const expect = (ok: boolean, line: string) => {
    asExpected &&= ok;
    say(`  ${ok ? green("✓") : red("✗")} ${line}`);
  };

  say(`${cyan("alice")} and ${cyan("bob")}: agents provisioned side by side (watch their steps)`);
  const [alice, bob] = await Promise.all([provision(FLEET_USERS.paired), provision(FLEET_USERS.stopped)]);
  expect(true, `both running, model ${alice.effectiveModel ?? "?"}`);

  const aliceAgent = await admin.query(api.agents.getAgent, { machineDocId: alice.machineDocId });
  const code = world.fly.state.issuePairingCode(world.app, machineIdOf(aliceAgent));
  say(`${cyan("alice")} sends /start to her bot; OpenClaw answers with pairing code ${code}`);
  await admin.action(api.agents.approvePairing, { machineDocId: alice.machineDocId, telegramPairingCode: code });
  expect(true, "pairing approved");
  const snapshot = await admin.action(api.agents.snapshot, { machineDocId: alice.machineDocId });
  expect(snapshot.status === "created", `snapshot ${snapshot.flyVolumeSnapshotId} ${snapshot.status}`);
  try {
    await admin.action(api.agents.approvePairing, {
      machineDocId: alice.machineDocId,
      telegramPairingCode: "WRONG123",
    });
    expect(false, "a mistyped pairing code was approved");
  } catch (error) {
    expect(isFlyAgentsError(error, "pairing_rejected"), `a mistyped code is refused: ${dim(messageOf(error))}`);
  }

  say(`${cyan("bob")}'s agent is stopped; its volume stays`);
  await admin.action(api.agents.stop, { machineDocId: bob.machineDocId });
  expect(true, "stopped");

  say(`${cyan("carol")}'s agent: Fly refuses her machine (an injected 403, as over an organisation's quota)`);
  world.fly.faults.add({
    operationId: "Machines_create",
    action: { status: 403, body: { error: "organization has reached its machine quota in region iad" } },
  });
  try {
    await provision(FLEET_USERS.failed);
    expect(false, "carol's agent was provisioned despite Fly's refusal");
  } catch (error) {
    expect(isFlyAgentsError(error), `provisioning failed, and her record says why: ${dim(messageOf(error))}`);
  }
  const left = world.fly.state.liveResources(world.app);
  expect(
    left.machines.length === 2,
    `Fly runs ${left.machines.length} machines: alice's and bob's, nothing of carol's`,
  );
  return asExpected;
}

function messageOf(error: unknown): string {
  return isFlyAgentsError(error) ? error.data.message : error instanceof Error ? error.message : String(error);
}

/**
 * Runs the dashboard demo until `stopped` settles: serves the dashboard, plays the fleet, then keeps serving.
 * @returns 0 when the fleet played as described, else 1.
 */
export async function runDashboardDemo(world: World, options: { port?: number; stopped: Promise<void>; say: Say }) {
  const { say } = options;
  await prepareTenant(world, [...Object.values(FLEET_USERS), ...FORM_USERS]);
  say(dim("building the dashboard…"));
  const served = await serveDashboard(world, options.port);
  try {
    say(`\nThe fleet dashboard, on the real component: ${cyan(served.url)}`);
    say(dim(`The fleet starts once the page is open (or in ${START_ANYWAY_MS / 1000} s).\n`));
    await Promise.race([served.opened, new Promise((resolve) => setTimeout(resolve, START_ANYWAY_MS))]);
    const played = await playFleet(world, say).catch((error: unknown) => {
      say(`  ${red("✗")} ${messageOf(error)}`);
      return false;
    });
    const alice = (
      await world.t.withIdentity(ADA).query(api.agents.listAgents, {
        tenantId: ADA.tenantId,
        paginationOpts: { numItems: 20, cursor: null },
      })
    ).page.find((agent) => agent.userId === FLEET_USERS.paired && agent.status === "running");
    if (alice?.machineId) {
      const code = world.fly.state.issuePairingCode(world.app, alice.machineId);
      say(`\nTry it: alice sent /start again; pair her agent with code ${yellow(code)} in the dashboard.`);
    }
    say(
      `The fleet stays up at ${cyan(served.url)}: provision ${FORM_USERS.join(", ")} (their secrets are stored; ` +
        `give model ${ACME_DEFAULTS.llmModel}, bridge ${ACME_DEFAULTS.bridgeUrl}, service ${ACME_DEFAULTS.serviceId}), ` +
        "pair, stop, snapshot and restore. Ctrl+C to stop.",
    );
    await options.stopped;
    return played ? 0 : 1;
  } finally {
    await served.close();
  }
}
