/**
 * upgradeFromV01: converts a deployment's @okrlinkhub/fly-agents 0.1.x data in place.
 *
 * In order: tenants' secrets and defaults, users' secrets (opened with 0.1.x's AES-256-GCM
 * scheme and re-sealed with the current one), agent records (their clear `appKey` and
 * `serviceKey` moved into the user's sealed secrets), then snapshots. Every step works in
 * batches far inside Convex's per-transaction limits, finds only rows still to convert, and
 * writes a row only if it is still as read; so the upgrade is resumable (call it again while
 * it says `done: false`) and idempotent (once done, a call changes nothing).
 *
 * The key never leaves this action: queries hand it sealed values, mutations take back sealed
 * ones. @convex-dev/migrations is not used here: its batches run as mutations that receive no
 * arguments of ours, so the key (which must not be stored) could not reach them.
 */
import { internal } from "../_generated/api.js";
import type { ActionCtx } from "../_generated/server.js";
import { checkFlyAppName } from "../agentSpec.js";
import { flyAgentsError } from "../errors.js";
import { requireKeyRing } from "../settings.js";
import { open, PASSPHRASE_ADVICE, seal, type KeyRing } from "../secrets/crypto.js";
import { openLegacyValue } from "../secrets/legacy.js";
import { presenceOf } from "../secrets/store.js";
import type { SecretField, SecretsTable, SecretValues, UpgradeResult } from "../validators.js";

/** Rows per batch: each row is under a few KB, so a batch stays far inside 16 MiB and 16,000 writes. */
export const DEFAULT_UPGRADE_BATCH = 100;
export const MAX_UPGRADE_BATCH = 500;
/** A call stops starting batches after this long and returns `done: false` (actions may run 10 min). */
export const UPGRADE_TIME_BUDGET_MS = 4 * 60_000;

/** Where each 0.1.x `…Enc` field goes: a secret of ours, or a tenant's non-secret default. */
const LEGACY_SECRETS: Record<string, SecretField> = {
  flyApiTokenEnc: "flyApiToken",
  llmApiKeyEnc: "llmApiKey",
  openaiApiKeyEnc: "openaiApiKey",
  openclawGatewayTokenEnc: "openclawGatewayToken",
  telegramBotTokenEnc: "telegramBotToken",
  openclawAppKeyEnc: "appKey",
};
const LEGACY_DEFAULTS: Record<string, string> = {
  flyAppNameEnc: "flyAppName",
  imageEnc: "image",
  llmModelEnc: "llmModel",
  allowedSkillsJsonEnc: "allowedSkillsJson",
};

/** Opens a 0.1.x row's values and merges them under the owner's current ones (which win). */
async function resealLegacy(
  row: { values: Record<string, string>; current: { ciphertext: string } | null },
  ring: KeyRing,
) {
  const secrets: SecretValues = {};
  const defaults: Record<string, string> = {};
  for (const [field, sealed] of Object.entries(row.values)) {
    const plain = await openLegacyValue(sealed, ring, field);
    if (plain === "") continue;
    if (LEGACY_SECRETS[field]) secrets[LEGACY_SECRETS[field]] = plain;
    else if (LEGACY_DEFAULTS[field]) defaults[LEGACY_DEFAULTS[field]] = plain;
  }
  const merged = { ...secrets, ...(row.current ? open(row.current.ciphertext, ring) : {}) };
  return {
    sealed: { keyId: ring.current.id, ciphertext: seal(merged, ring.current), present: presenceOf(merged) },
    defaults,
  };
}

/** One batch's outcome: rows it read (0: nothing left) and rows it converted. */
type Batch = { read: number; converted: number };

async function upgradeSecretsBatch(ctx: ActionCtx, table: SecretsTable, ring: KeyRing, limit: number): Promise<Batch> {
  const rows = await ctx.runQuery(internal.upgrade.rows.legacySecretsBatch, { table, limit });
  if (rows.length === 0) return { read: 0, converted: 0 };
  const writes = [];
  for (const row of rows) {
    const { sealed, defaults } = await resealLegacy(row, ring);
    writes.push({ id: row.id, current: row.current, sealed, ...(table === "companySecrets" ? { defaults } : {}) });
  }
  // Rows skipped because they changed since they were read are read again in the next batch.
  const converted = await ctx.runMutation(internal.upgrade.rows.writeSecrets, { table, rows: writes });
  return { read: rows.length, converted };
}

async function upgradeAgentsBatch(ctx: ActionCtx, flyAppName: string, ring: KeyRing, limit: number): Promise<Batch> {
  const rows = await ctx.runQuery(internal.upgrade.rows.legacyAgentsBatch, { limit });
  if (rows.length === 0) return { read: 0, converted: 0 };
  const owners = new Map<
    string,
    {
      tenantId: string;
      userId: string;
      current: { id: string; ciphertext: string } | null;
      keys: SecretValues;
      agentIds: string[];
    }
  >();
  for (const row of rows) {
    const key = `${row.tenantId}\u0000${row.userId}`;
    const owner = owners.get(key) ?? {
      tenantId: row.tenantId,
      userId: row.userId,
      current: row.current,
      keys: {},
      agentIds: [],
    };
    // Newest record first: its keys are the ones its machine runs with.
    if (row.appKey && !owner.keys.appKey) owner.keys.appKey = row.appKey;
    if (row.serviceKey && !owner.keys.serviceKey) owner.keys.serviceKey = row.serviceKey;
    owner.agentIds.push(row.id);
    owners.set(key, owner);
  }
  const writes = [...owners.values()].map(({ keys, ...owner }) => {
    if (!keys.appKey && !keys.serviceKey) return owner;
    const stored = owner.current ? open(owner.current.ciphertext, ring) : {};
    // Keys the user stored since 0.1.x win over those left in the records.
    const merged = { ...keys, ...stored };
    return {
      ...owner,
      sealed: { keyId: ring.current.id, ciphertext: seal(merged, ring.current), present: presenceOf(merged) },
    };
  });
  const converted = await ctx.runMutation(internal.upgrade.rows.writeAgents, { flyAppName, owners: writes });
  return { read: rows.length, converted };
}

/** Runs batches until no 0.1.x row is left or the time budget is spent. */
export async function upgradeHandler(
  ctx: ActionCtx,
  args: { flyAppName: string; secretsEncryptionKey?: string; batchSize?: number; maxBatches?: number },
): Promise<UpgradeResult> {
  checkFlyAppName(args.flyAppName);
  const limit = args.batchSize ?? DEFAULT_UPGRADE_BATCH;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_UPGRADE_BATCH) {
    throw flyAgentsError(
      "invalid_argument",
      `batchSize must be a whole number from 1 to ${MAX_UPGRADE_BATCH}; got ${limit}.`,
    );
  }
  const maxBatches = args.maxBatches ?? Number.POSITIVE_INFINITY;
  if (maxBatches !== Number.POSITIVE_INFINITY && (!Number.isInteger(maxBatches) || maxBatches < 1)) {
    throw flyAgentsError("invalid_argument", `maxBatches must be a whole number of at least 1; got ${maxBatches}.`);
  }
  const ring = requireKeyRing(args.secretsEncryptionKey);
  const result: UpgradeResult = {
    done: false,
    companySecrets: 0,
    agentSecrets: 0,
    agentMachines: 0,
    agentSnapshots: 0,
    batches: 0,
    ...(ring.current.derived ? { keyAdvice: PASSPHRASE_ADVICE } : {}),
  };
  const stopAt = Date.now() + UPGRADE_TIME_BUDGET_MS;
  const steps: Array<["companySecrets" | "agentSecrets" | "agentMachines" | "agentSnapshots", () => Promise<Batch>]> = [
    ["companySecrets", () => upgradeSecretsBatch(ctx, "companySecrets", ring, limit)],
    ["agentSecrets", () => upgradeSecretsBatch(ctx, "agentVmSecrets", ring, limit)],
    ["agentMachines", () => upgradeAgentsBatch(ctx, args.flyAppName, ring, limit)],
    [
      "agentSnapshots",
      async () => {
        const converted = await ctx.runMutation(internal.upgrade.rows.convertSnapshots, {
          flyAppName: args.flyAppName,
          limit,
        });
        return { read: converted, converted };
      },
    ],
  ];
  for (const [counter, step] of steps) {
    for (;;) {
      if (Date.now() > stopAt || result.batches >= maxBatches) return result;
      const batch = await step();
      if (batch.read === 0) break;
      result[counter] += batch.converted;
      result.batches++;
    }
  }
  result.done = true;
  return result;
}
