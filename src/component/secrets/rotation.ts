/**
 * Re-sealing every stored secret under a new key, in batches that each stay far inside
 * Convex's per-transaction limits, and the Fly token of every rollout under way (sealed until it
 * ends, and opened by each of its steps). Keys never leave the action: queries hand out sealed
 * rows, mutations take back re-sealed ones.
 */
import { internal } from "../_generated/api.js";
import { env, type ActionCtx } from "../_generated/server.js";
import { flyAgentsError } from "../errors.js";
import { SECRETS_TABLES, type RotationResult } from "../validators.js";
import { keyRingFrom, KEY_HOW_TO, open, seal } from "./crypto.js";

/** Rows re-sealed per mutation (a row is ~1 KB: far below Convex's 16 MiB and 8,192 writes). */
export const DEFAULT_ROTATION_BATCH = 200;
export const MAX_ROTATION_BATCH = 1_000;

export async function rotateHandler(
  ctx: ActionCtx,
  args: { secretsEncryptionKey?: string; previousSecretsEncryptionKeys?: string[]; batchSize?: number },
): Promise<RotationResult> {
  const batchSize = args.batchSize ?? DEFAULT_ROTATION_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_ROTATION_BATCH) {
    throw flyAgentsError(
      "invalid_argument",
      `batchSize must be a whole number from 1 to ${MAX_ROTATION_BATCH}; got ${batchSize}.`,
    );
  }
  const ring = keyRingFrom([
    args.secretsEncryptionKey,
    ...(args.previousSecretsEncryptionKeys ?? []),
    env.AGENT_SECRETS_ENCRYPTION_KEY,
  ]);
  if (!ring) throw flyAgentsError("missing_secret", `Missing the new AGENT_SECRETS_ENCRYPTION_KEY. ${KEY_HOW_TO}.`);
  const previous = ring.all.slice(1);
  if (previous.length === 0) {
    throw flyAgentsError(
      "invalid_argument",
      'No previous key to rotate from. Pass previousSecretsEncryptionKeys, or set AGENT_SECRETS_ENCRYPTION_KEY to "<new>,<old>".',
    );
  }
  const result: RotationResult = { keyId: ring.current.id, rotated: 0, batches: 0 };
  for (const table of SECRETS_TABLES) {
    for (const old of previous) {
      for (;;) {
        const rows: Array<{ id: string; ciphertext: string }> = await ctx.runQuery(
          internal.secrets.store.listSealedByKeyId,
          { table, keyId: old.id, limit: batchSize },
        );
        if (rows.length === 0) break;
        const resealed = rows.map((row) => ({
          id: row.id,
          ciphertext: seal(open(row.ciphertext, ring), ring.current),
        }));
        result.rotated += await ctx.runMutation(internal.secrets.store.replaceSealed, {
          table,
          expectedKeyId: old.id,
          keyId: ring.current.id,
          rows: resealed,
        });
        result.batches++;
      }
    }
  }
  for (const old of previous) {
    const tokens = await ctx.runQuery(internal.rollout.access.listSealedTokensByKeyId, { keyId: old.id });
    if (tokens.length === 0) continue;
    result.rotated += await ctx.runMutation(internal.rollout.access.replaceSealedTokens, {
      expectedKeyId: old.id,
      rows: tokens.map((row) => ({ id: row.id, ciphertext: seal(open(row.ciphertext, ring), ring.current) })),
    });
    result.batches++;
  }
  return result;
}
