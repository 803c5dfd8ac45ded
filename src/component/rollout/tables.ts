/**
 * The tables of image rollouts, spread into the component's schema; their fields are in
 * validators/rollout.ts.
 */
import { defineTable } from "convex/server";
import { imageRolloutAgentFields, imageRolloutFields } from "../validators.js";

export const rolloutTables = {
  /**
   * One row per rollout of an image across a tenant's agents in one Fly app. Inserted by
   * upgradeAgentImages, advanced by each agent's completion (wave by wave), ended as `completed`,
   * `cancelled` or `stopped`. Kept afterwards as the rollout's history. Holds no secret in clear:
   * a Fly token passed to upgradeAgentImages is sealed, and removed once the rollout ends.
   */
  imageRollouts: defineTable(imageRolloutFields)
    // Kept beside by_tenantId_flyAppName_status: listImageRollouts reads a tenant's rollouts newest first.
    // eslint-disable-next-line @convex-dev/no-duplicate-indexes
    .index("by_tenantId", ["tenantId"])
    .index("by_tenantId_flyAppName_status", ["tenantId", "flyAppName", "status"])
    // A key rotation re-seals the Fly token of every rollout still under way, whatever its tenant.
    .index("by_status", ["status"]),

  /**
   * One row per agent in a rollout: where its upgrade is and how it ended. Inserted with the
   * rollout as `pending`; written by the agent's upgrade step at every phase, so a step that dies
   * resumes where it was. Also owns what the way back leaves on Fly for a while: the agent's old
   * volume, kept until the agent runs again on the restored one.
   */
  imageRolloutAgents: defineTable(imageRolloutAgentFields)
    .index("by_rolloutId_position", ["rolloutId", "position"])
    .index("by_rolloutId_phase_position", ["rolloutId", "phase", "position"])
    .index("by_rolloutId_wave", ["rolloutId", "wave"])
    .index("by_machineDocId", ["machineDocId"]),
};
