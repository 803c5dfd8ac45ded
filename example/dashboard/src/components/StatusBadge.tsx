import type { AgentStatus } from "../data.js";

/** An agent's status as a coloured badge. */
export function StatusBadge(props: { status: AgentStatus }) {
  return <span className={`badge badge-${props.status}`}>{props.status}</span>;
}
