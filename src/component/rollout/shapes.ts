/**
 * What the rollout functions return, built from the schema. Ids are plain strings, as they are
 * outside the component; a rollout's sealed Fly token is never returned.
 */
import { v, type Infer } from "convex/values";
import schema from "../schema.js";

const { imageRollouts, imageRolloutAgents } = schema.tables;

export const vImageRollout = imageRollouts.validator
  .omit("sealedFlyApiToken")
  .extend({ _id: v.string(), _creationTime: v.number() });
export type ImageRollout = Infer<typeof vImageRollout>;

export const vImageRolloutAgent = imageRolloutAgents.validator.omit("rolloutId", "machineDocId", "snapshotId").extend({
  _id: v.string(),
  _creationTime: v.number(),
  rolloutId: v.string(),
  machineDocId: v.string(),
  snapshotId: v.optional(v.string()),
});
export type ImageRolloutAgent = Infer<typeof vImageRolloutAgent>;

/** A rollout with every agent's part, in rollout order. */
export const vImageRolloutDetail = vImageRollout.extend({ agents: v.array(vImageRolloutAgent) });
export type ImageRolloutDetail = Infer<typeof vImageRolloutDetail>;

/** The agents of a tenant that run one image (the drift view). */
export const vAgentImageGroup = v.object({
  image: v.string(),
  /** Agents on this image. */
  count: v.number(),
  /** The digests they run, as Fly reported them (an image tag can hide several builds). */
  digests: v.array(v.object({ digest: v.string(), count: v.number() })),
  /** Agents whose digest is not known yet. */
  unknownDigest: v.number(),
  agents: v.array(
    v.object({
      machineDocId: v.string(),
      userId: v.string(),
      status: schema.tables.agentMachines.validator.fields.status,
      imageDigest: v.optional(v.string()),
      verifyImageAtNextStart: v.optional(v.boolean()),
    }),
  ),
});
export type AgentImageGroup = Infer<typeof vAgentImageGroup>;
