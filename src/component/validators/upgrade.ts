/**
 * Validators of upgrading a deployment's 0.1.x data in place (upgrade/v01.ts).
 */
import { v, type Infer } from "convex/values";

/** What upgradeFromV01 returns: whether any 0.1.x row is left, and what this call converted. */
export const vUpgradeResult = v.object({
  /** True once no 0.1.x row is left; false: call upgradeFromV01 again. */
  done: v.boolean(),
  /** Rows converted by this call, per table. */
  companySecrets: v.number(),
  agentSecrets: v.number(),
  agentMachines: v.number(),
  agentSnapshots: v.number(),
  batches: v.number(),
  /** Set when the key is a passphrase: how to move to a random 32-byte key. */
  keyAdvice: v.optional(v.string()),
});
export type UpgradeResult = Infer<typeof vUpgradeResult>;
