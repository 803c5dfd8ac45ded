/**
 * Words and numbers for the page: step and operation labels, times, durations.
 */
import type { AgentImageGroup, AuditEvent, ProvisionStep } from "./data.js";

type OperationKind = AuditEvent["operation"];

export const STEP_LABELS: Record<ProvisionStep, string> = {
  queued: "Queued",
  creating_volume: "Creating volume",
  restoring_volume: "Restoring volume from snapshot",
  creating_machine: "Creating machine",
  booting: "Booting",
  waiting_for_gateway: "Waiting for the gateway",
  setting_model: "Setting the model",
  verifying_model: "Verifying the model",
  cleaning_up: "Cleaning up after a failure",
};

/** Where each step sits in a provisioning; a recreation restores the volume instead of creating it. */
const STEP_POSITIONS: Record<ProvisionStep, number> = {
  queued: 1,
  creating_volume: 2,
  restoring_volume: 2,
  creating_machine: 3,
  booting: 4,
  waiting_for_gateway: 5,
  setting_model: 6,
  verifying_model: 7,
  cleaning_up: 7,
};
export const STEP_COUNT = 7;

/** The step's position, from 1 to STEP_COUNT. */
export function stepPosition(step: ProvisionStep): number {
  return STEP_POSITIONS[step];
}

export const OPERATION_LABELS: Record<OperationKind, string> = {
  provision: "Provisioned",
  recreate: "Restored from snapshot",
  start: "Started",
  stop: "Stopped",
  restart: "Restarted",
  deprovision: "Deprovisioned",
  snapshot: "Snapshot",
  pairing: "Telegram pairing",
  update_skills: "Skills updated",
  sync: "Synced with Fly",
  sweep: "Sweep",
  upgrade_image: "Image upgrade",
};

const timeFormat = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** A timestamp (ms since the epoch) as a short local date and time. */
export function formatTime(ms: number): string {
  return timeFormat.format(new Date(ms));
}

/** A duration in ms as "850 ms", "12.4 s" or "3 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/**
 * Agents grouped by image (most first) with the digests they run: what `rollouts:agentImages`
 * answers, computed from agent records (the in-memory data layer's version of it).
 */
export function imageGroups(
  agents: Array<{
    _id: string;
    userId: string;
    status: AgentImageGroup["agents"][number]["status"];
    image: string;
    imageDigest?: string;
  }>,
): AgentImageGroup[] {
  const groups = new Map<string, AgentImageGroup>();
  for (const agent of agents) {
    if (agent.status === "deleted") continue;
    const group = groups.get(agent.image) ?? {
      image: agent.image,
      count: 0,
      digests: [],
      unknownDigest: 0,
      agents: [],
    };
    groups.set(agent.image, group);
    group.count++;
    const digest =
      agent.imageDigest === undefined ? undefined : group.digests.find((d) => d.digest === agent.imageDigest);
    if (agent.imageDigest === undefined) group.unknownDigest++;
    else if (digest) digest.count++;
    else group.digests.push({ digest: agent.imageDigest, count: 1 });
    group.agents.push({
      machineDocId: agent._id,
      userId: agent.userId,
      status: agent.status,
      imageDigest: agent.imageDigest,
    });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.image.localeCompare(b.image));
}

/** A digest as people read it: `sha256:` and the first 12 hex characters. */
export function shortDigest(digest: string): string {
  const hex = digest.replace(/^sha256:/, "");
  return `sha256:${hex.slice(0, 12)}`;
}
