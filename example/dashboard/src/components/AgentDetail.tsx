import type { ReactNode } from "react";
import { useFleet, type Agent } from "../data.js";
import { formatTime } from "../format.js";
import { MachineActions } from "./MachineActions.js";
import { PairingForm } from "./PairingForm.js";
import { SnapshotPanel } from "./SnapshotPanel.js";
import { StatusBadge } from "./StatusBadge.js";
import { StepProgress } from "./StepProgress.js";

function gatewayText(agent: Agent): string {
  if (agent.status === "deleted") return "gone with the machine";
  if (agent.status === "stopped") return "stopped with the machine";
  if (agent.gatewayHealthy === true) return "healthy";
  if (agent.gatewayHealthy === false) return "not answering: restart the agent";
  return "unknown";
}

function modelText(agent: Agent): string {
  if (agent.effectiveModel !== undefined) return agent.effectiveModel;
  if (agent.llmModel !== undefined) return `${agent.llmModel} (not verified yet)`;
  return "tenant default (not verified yet)";
}

/** The agent's facts as a definition list; facts it does not have are left out. */
function Facts(props: { agent: Agent }) {
  const { agent } = props;
  const facts: Array<[string, ReactNode]> = [
    ["Effective model", modelText(agent)],
    ["Gateway", gatewayText(agent)],
    ["Status since", formatTime(agent.statusChangedAt)],
    ["Machine", agent.machineId === undefined ? "not created yet" : <code>{agent.machineId}</code>],
    ["Volume", agent.flyVolumeId === undefined ? "not created yet" : <code>{agent.flyVolumeId}</code>],
    ["Region · memory", `${agent.region} · ${agent.memoryMB} MB`],
    ["Allowed skills", agent.allowedSkills.length === 0 ? "none" : agent.allowedSkills.join(", ")],
  ];
  if (agent.restoredFromSnapshotId !== undefined) {
    facts.push(["Restored from", <code>{agent.restoredFromSnapshotId}</code>]);
  }
  if (agent.replacedBy !== undefined) facts.push(["Replaced by", <code>{agent.replacedBy}</code>]);
  return (
    <dl className="facts">
      {facts.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** One agent, live: its status and facts, what can be done with it, pairing and snapshots. */
export function AgentDetail(props: { machineDocId: string; onSelect: (machineDocId: string) => void }) {
  const agent = useFleet().useAgent(props.machineDocId);
  if (agent === undefined) return <section className="card muted">Loading the agent…</section>;
  if (agent === null) return <section className="card muted">This agent no longer exists.</section>;
  return (
    <section className="card" aria-labelledby="agent-heading" data-agent-detail={agent._id}>
      <h2 id="agent-heading">
        Agent of {agent.userId} <StatusBadge status={agent.status} />
      </h2>
      {agent.status === "provisioning" && <StepProgress step={agent.step} />}
      {agent.statusReason !== undefined && <p className="status-reason">{agent.statusReason}</p>}
      {agent.lastError !== undefined && (
        <p className="notice notice-error">
          Last error{agent.lastErrorAt === undefined ? "" : ` (${formatTime(agent.lastErrorAt)})`}: {agent.lastError}
        </p>
      )}
      <Facts agent={agent} />
      <MachineActions agent={agent} />
      <PairingForm agent={agent} />
      <SnapshotPanel agent={agent} onRecreated={props.onSelect} />
    </section>
  );
}
