// The status state machine of the component's map (src/component/README.md), generated from the rule
// the component enforces on every status change (`canTransition`, agents.ts): `npm run readme:sync`
// writes it between its markers, and src/component/componentMap.test.ts checks that the README holds
// exactly what this renders, so the diagram cannot show an edge the code refuses or miss one it allows.
import { canTransition } from "../src/component/agents.js";
import { vAgentStatus, type AgentStatus } from "../src/component/validators.js";

export const COMPONENT_README = "src/component/README.md";
export const STATUS_MACHINE_START =
  "<!-- status-machine: start (npm run readme:sync writes it from canTransition in agents.ts) -->";
export const STATUS_MACHINE_END = "<!-- status-machine: end -->";

/** The status a new agent's record is inserted with (agents.ts, `insertProvisioning`; a test checks it). */
export const INITIAL_STATUS: AgentStatus = "provisioning";

/**
 * What moves an agent along each edge the transition table allows, keyed `from>to`. Words only: the
 * edges themselves come from `canTransition`. Rendering fails when the table gains an edge not
 * described here, or loses one that is.
 */
const EDGE_LABELS: Readonly<Record<string, string>> = {
  "provisioning>running": "built, or finished by sync or the sweep",
  "provisioning>error": "failed, its resources removed or left for the sweep",
  "provisioning>deleted": "deprovisioned, or replaced by a recreation",
  "running>stopped": "stop, or seen stopped on Fly",
  "running>error": "machine or volume gone or failed, cleanup unfinished, rollout failed",
  "running>deleted": "deprovisioned, or replaced by a recreation",
  "stopped>running": "start, seen started on Fly, or brought back by a rollout",
  "stopped>error": "machine or volume gone or failed, cleanup unfinished",
  "stopped>deleted": "deprovisioned, or replaced by a recreation",
  "error>running": "start or restart, or seen started on Fly",
  "error>stopped": "stop, or seen stopped on Fly",
  "error>deleted": "deprovisioned, or replaced by a recreation",
};

/** Every status, in the order `vAgentStatus` declares them. */
export function agentStatuses(): AgentStatus[] {
  return vAgentStatus.members.map((member) => member.value);
}

/** Every `[from, to]` pair `canTransition` allows, self-transitions included. */
export function allowedTransitions(): Array<[AgentStatus, AgentStatus]> {
  const statuses = agentStatuses();
  return statuses.flatMap((from) =>
    statuses.filter((to) => canTransition(from, to)).map((to): [AgentStatus, AgentStatus] => [from, to]),
  );
}

/**
 * The README block between the markers (markers included): a mermaid state diagram with one arrow
 * per allowed change of status, the initial status, and every final status (one that may go nowhere
 * else). Self-transitions are stated in a sentence rather than drawn, when every status allows its own.
 * @throws Error when EDGE_LABELS and the transition table disagree (says which edge to describe or drop).
 */
export function renderStatusMachine(): string {
  const statuses = agentStatuses();
  const allowed = allowedTransitions();
  const changes = allowed.filter(([from, to]) => from !== to);
  const keys = new Set(changes.map(([from, to]) => `${from}>${to}`));
  const undescribed = [...keys].filter((key) => !(key in EDGE_LABELS));
  const stale = Object.keys(EDGE_LABELS).filter((key) => !keys.has(key));
  if (undescribed.length > 0 || stale.length > 0) {
    throw new Error(
      `scripts/component-map.ts: EDGE_LABELS and canTransition disagree: ` +
        [
          undescribed.length > 0 ? `describe ${undescribed.join(", ")}` : "",
          stale.length > 0 ? `drop ${stale.join(", ")} (no longer allowed)` : "",
        ]
          .filter(Boolean)
          .join("; "),
    );
  }
  const selfAllowed = statuses.filter((status) => canTransition(status, status));
  const everySelf = selfAllowed.length === statuses.length;
  const finals = statuses.filter((from) => statuses.every((to) => to === from || !canTransition(from, to)));
  const lines = [
    STATUS_MACHINE_START,
    "```mermaid",
    "stateDiagram-v2",
    `    [*] --> ${INITIAL_STATUS}: provision, recreate`,
    ...changes.map(([from, to]) => `    ${from} --> ${to}: ${EDGE_LABELS[`${from}>${to}`]}`),
    ...(everySelf ? [] : selfAllowed.map((status) => `    ${status} --> ${status}`)),
    ...finals.map((status) => `    ${status} --> [*]`),
    "```",
    "",
    everySelf
      ? "Every status may also be written again unchanged, which the diagram leaves out."
      : "A status with an arrow to itself may be written again unchanged; the others may not.",
    STATUS_MACHINE_END,
  ];
  return lines.join("\n");
}

/** `readme` with its status-machine block replaced by `block`; null when the markers are missing. */
export function withStatusMachine(readme: string, block: string): string | null {
  const start = readme.indexOf(STATUS_MACHINE_START);
  const end = readme.indexOf(STATUS_MACHINE_END);
  if (start < 0 || end < start) return null;
  return readme.slice(0, start) + block + readme.slice(end + STATUS_MACHINE_END.length);
}
