import { useState } from "react";
import { useFleet, type Agent, type ProvisionArgs } from "../data.js";
import { useCommand } from "../useCommand.js";
import { ErrorNotice } from "./ErrorNotice.js";

/** The agent's settings, to recreate it as it was (its secrets come from the stored ones). */
function settingsOf(agent: Agent): ProvisionArgs {
  const args: ProvisionArgs = {
    tenantId: agent.tenantId,
    userId: agent.userId,
    allowedSkills: agent.allowedSkills,
    region: agent.region,
    memoryMB: agent.memoryMB,
    image: agent.image,
  };
  if (agent.llmModel !== undefined) args.llmModel = agent.llmModel;
  if (agent.bridgeUrl !== undefined) args.bridgeUrl = agent.bridgeUrl;
  if (agent.serviceId !== undefined) args.serviceId = agent.serviceId;
  return args;
}

/**
 * Snapshots the agent's volume, and restores the agent from its newest snapshot: a new
 * agent gets a volume restored from it (OpenClaw's state, pairings included) and replaces
 * this one, which is deprovisioned.
 */
export function SnapshotPanel(props: { agent: Agent; onRecreated: (machineDocId: string) => void }) {
  const { agent, onRecreated } = props;
  const commands = useFleet().useCommands();
  const snapshot = useCommand(commands.snapshot);
  const recreate = useCommand(commands.recreate);
  const [confirming, setConfirming] = useState(false);
  const canSnapshot = agent.status === "running" || agent.status === "stopped";
  const canRestore =
    agent.latestSnapshotId !== undefined && agent.status !== "provisioning" && recreate.state.status !== "pending";

  async function restore() {
    setConfirming(false);
    const outcome = await recreate.run(settingsOf(agent));
    if (outcome.status === "done") onRecreated(outcome.result.machineDocId);
  }

  return (
    <section className="subcard" aria-labelledby="snapshot-heading">
      <h3 id="snapshot-heading">Snapshots</h3>
      <p>
        Latest snapshot: <code>{agent.latestSnapshotId ?? "none yet"}</code>
      </p>
      <div className="inline">
        <button
          type="button"
          disabled={!canSnapshot || snapshot.state.status === "pending"}
          onClick={() => void snapshot.run({ machineDocId: agent._id })}
        >
          {snapshot.state.status === "pending" ? "Taking snapshot…" : "Take snapshot"}
        </button>
        <button
          type="button"
          className="secondary"
          disabled={!canRestore || confirming}
          onClick={() => setConfirming(true)}
        >
          {recreate.state.status === "pending" ? "Restoring…" : "Restore from latest snapshot"}
        </button>
      </div>
      {confirming && (
        <div className="notice notice-warn" role="group" aria-label="Confirm restore">
          <p>
            A new agent for {agent.userId} is created from snapshot <code>{agent.latestSnapshotId}</code>; their current
            agent, if one still runs, is then deprovisioned.
          </p>
          <div className="inline">
            <button type="button" className="danger" onClick={() => void restore()}>
              Confirm restore
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {snapshot.state.status === "done" && (
        <p className="notice notice-ok" role="status">
          Snapshot <code>{snapshot.state.result.snapshotId}</code> {snapshot.state.result.status}.
        </p>
      )}
      {snapshot.state.status === "failed" && <ErrorNotice error={snapshot.state.error} />}
      {recreate.state.status === "pending" && (
        <p className="notice" role="status">
          Restoring into a new agent: its steps show in the list as they happen.
        </p>
      )}
      {recreate.state.status === "failed" && <ErrorNotice error={recreate.state.error} />}
    </section>
  );
}
