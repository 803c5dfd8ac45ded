/**
 * What must hold once every action of a test has returned, whatever ran beside what: Fly and
 * the records agree, nothing lives on Fly that no record owns, no agent is held by an operation
 * (they have all ended), and no user has two active agents.
 */
import type { Doc } from "../component/_generated/dataModel.js";
import { AGENT_KEY_METADATA, volumeNameFor } from "../component/agentSpec.js";
import { isActive } from "../component/agents.js";
import type { Harness } from "./harness.js";

/**
 * Compares the component's agent records with the emulator's live machines and volumes.
 * @returns one line per problem found; empty when the fleet is consistent.
 */
export async function fleetProblems(h: Pick<Harness, "t" | "fly" | "app">): Promise<string[]> {
  const agents: Array<Doc<"agentMachines">> = await h.t.run((ctx) => ctx.db.query("agentMachines").collect());
  const live = h.fly.state.liveResources(h.app);
  const problems: string[] = [];
  const owners = new Map<string, Doc<"agentMachines">>();
  const activeByUser = new Map<string, string[]>();

  for (const agent of agents) {
    if (agent.agentKey === undefined) {
      problems.push(`agent ${agent._id} is a 0.1.x row that was never upgraded`);
      continue;
    }
    const agentKey = agent.agentKey;
    owners.set(agentKey, agent);
    const name = `agent ${agent._id} (${agent.status})`;
    if (agent.operation) problems.push(`${name} is still held by ${agent.operation.kind}, which has ended`);
    if (agent.pairingLock) problems.push(`${name} still holds a pairing lock`);
    if (isActive(agent)) {
      const user = `${agent.tenantId}/${agent.userId}`;
      activeByUser.set(user, [...(activeByUser.get(user) ?? []), agent._id]);
    }
    const machines = live.machines.filter((m) => m.config?.metadata?.[AGENT_KEY_METADATA] === agentKey);
    const volumes = live.volumes.filter((volume) => volume.name === volumeNameFor(agentKey));
    if (agent.status === "running" || agent.status === "stopped") {
      const expected = agent.status === "running" ? "started" : "stopped";
      const machine = machines.find((m) => m.id === agent.machineId);
      if (!machine) problems.push(`${name}: its machine ${agent.machineId} is not on Fly`);
      else if (machine.state !== expected) problems.push(`${name}: its machine is ${machine.state} on Fly`);
      if (!volumes.some((volume) => volume.id === agent.flyVolumeId))
        problems.push(`${name}: its volume ${agent.flyVolumeId} is not on Fly`);
      if (machines.length > 1 || volumes.length > 1)
        problems.push(`${name}: Fly holds ${machines.length} machines and ${volumes.length} volumes under its tag`);
    } else if (agent.status === "provisioning") {
      problems.push(`${name} says provisioning, but no action is running`);
    } else if (!(agent.status === "error" && agent.resourcesCleanedUp === false)) {
      // Deleted, or failed and cleaned up: Fly must hold nothing of it.
      for (const m of machines) problems.push(`${name}: machine ${m.id} (${m.state}) is still on Fly`);
      for (const volume of volumes) problems.push(`${name}: volume ${volume.id} is still on Fly`);
    }
  }
  for (const [user, ids] of activeByUser) {
    if (ids.length > 1) problems.push(`user ${user} has ${ids.length} active agents: ${ids.join(", ")}`);
  }
  for (const machine of live.machines) {
    const key = machine.config?.metadata?.[AGENT_KEY_METADATA];
    if (!key || !owners.has(key)) problems.push(`machine ${machine.id} (${machine.state}) is on Fly with no record`);
  }
  for (const volume of live.volumes) {
    if (![...owners.keys()].some((key) => volumeNameFor(key) === volume.name))
      problems.push(`volume ${volume.id} is on Fly with no record`);
  }
  return problems;
}
