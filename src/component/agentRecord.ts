/**
 * An agent's record as the code reads it. The `agentMachines` table also holds rows written by
 * @okrlinkhub/fly-agents 0.1.x until upgradeFromV01 converts them (no `agentKey` or
 * `flyAppName`, `appKey` and `serviceKey` in clear, a `hibernated` status); every reader goes
 * through `requireUpgraded`, which gives the current shape or says the upgrade must run first.
 */
import { v, type Infer } from "convex/values";
import type { Doc } from "./_generated/dataModel.js";
import { flyAgentsError } from "./errors.js";
import { agentRecordFields, type LifecycleMode } from "./validators.js";

/** A record in the current shape, with its system fields. */
export const vAgentRecord = v.object({
  ...agentRecordFields,
  _id: v.id("agentMachines"),
  _creationTime: v.number(),
});
export type AgentRecord = Infer<typeof vAgentRecord>;

/** True for a row 0.1.x wrote that upgradeFromV01 has not converted yet. */
export function isLegacyAgent(doc: Doc<"agentMachines">): boolean {
  return (
    doc.agentKey === undefined ||
    doc.flyAppName === undefined ||
    doc.statusChangedAt === undefined ||
    doc.image === undefined ||
    doc.status === "hibernated" ||
    doc.appKey !== undefined ||
    doc.serviceKey !== undefined
  );
}

/** The error for a 0.1.x row: what to run, once, before trying again. */
export function upgradeRequired(what: string) {
  return flyAgentsError(
    "invalid_state",
    `${what} was written by @okrlinkhub/fly-agents 0.1.x and has not been upgraded yet. ` +
      "Run components.flyAgents.lib.upgradeFromV01({ flyAppName, secretsEncryptionKey }) until it returns done: true, then try again.",
  );
}

/** The record in the current shape; a 0.1.x row is an error that says to run the upgrade. */
export function requireUpgraded(doc: Doc<"agentMachines">): AgentRecord {
  const { agentKey, flyAppName, statusChangedAt, image, status } = doc;
  if (
    agentKey === undefined ||
    flyAppName === undefined ||
    statusChangedAt === undefined ||
    image === undefined ||
    status === "hibernated" ||
    isLegacyAgent(doc)
  ) {
    throw upgradeRequired(`Agent ${doc._id}`);
  }
  const { appKey: _appKey, serviceKey: _serviceKey, ...rest } = doc;
  return { ...rest, agentKey, flyAppName, statusChangedAt, image, status };
}

/** 0.1.x's lifecycleMode for a record: running, or stopped with its state kept. */
export function lifecycleModeOf(agent: Pick<AgentRecord, "status">): LifecycleMode | undefined {
  if (agent.status === "running") return "running";
  if (agent.status === "stopped") return "hibernated";
  return undefined;
}

/** A record as the public queries return it: current shape, with 0.1.x's lifecycleMode. */
export function agentForCaller(doc: Doc<"agentMachines">): AgentRecord {
  const agent = requireUpgraded(doc);
  return { ...agent, lifecycleMode: lifecycleModeOf(agent) };
}
