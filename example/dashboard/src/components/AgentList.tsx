import type { Agent, Paged } from "../data.js";
import { StatusBadge } from "./StatusBadge.js";
import { StepProgress } from "./StepProgress.js";

/** One line under the agent's name: its step, model or trouble, whichever matters now. */
function AgentSummary(props: { agent: Agent }) {
  const { agent } = props;
  if (agent.status === "provisioning") return <StepProgress step={agent.step} />;
  if (agent.status === "error")
    return <span className="muted">{agent.statusReason ?? agent.lastError ?? "Failed"}</span>;
  if (agent.status === "deleted")
    return <span className="muted">{agent.replacedBy ? "Replaced" : "Deprovisioned"}</span>;
  return <span className="muted">{agent.effectiveModel ?? agent.llmModel ?? "model not verified"}</span>;
}

/** The tenant's agents, newest first, with live statuses. Clicking one selects it. */
export function AgentList(props: {
  agents: Paged<Agent>;
  selected: string | null;
  onSelect: (machineDocId: string) => void;
}) {
  const { agents } = props;
  if (agents.loading) return <p className="muted">Loading agents…</p>;
  if (agents.items.length === 0) return <p className="muted">No agents yet: provision one.</p>;
  return (
    <>
      <ul className="agent-list">
        {agents.items.map((agent) => (
          <li
            key={agent._id}
            data-agent={agent._id}
            className={agent.status === "deleted" ? "agent-deleted" : undefined}
          >
            <button
              type="button"
              className="agent-row"
              aria-pressed={agent._id === props.selected}
              aria-label={`Agent of ${agent.userId}, ${agent.status}`}
              onClick={() => props.onSelect(agent._id)}
            >
              <span className="agent-row-head">
                <span className="agent-user">{agent.userId}</span>
                <StatusBadge status={agent.status} />
              </span>
              <AgentSummary agent={agent} />
            </button>
          </li>
        ))}
      </ul>
      {agents.canLoadMore && (
        <button type="button" className="link" onClick={agents.loadMore}>
          Load more agents
        </button>
      )}
    </>
  );
}
