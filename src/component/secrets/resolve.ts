/**
 * Resolving the secrets an action needs: for the stored-secrets variants, the user's own
 * stored values first, then the tenant's defaults, then the call's arguments.
 */
import { internal } from "../_generated/api.js";
import type { ActionCtx } from "../_generated/server.js";
import { env } from "../_generated/server.js";
import { flyAgentsError } from "../errors.js";
import { requireKeyRing } from "../settings.js";
import { SECRET_FIELDS, type SecretValues } from "../validators.js";
import { openStoredSecrets } from "./store.js";

/** Overlays stored secrets (user's, then tenant's) on the arguments' values. */
export async function withStoredSecrets<T extends SecretValues>(
  ctx: ActionCtx,
  owner: { tenantId: string; userId: string },
  args: T & { secretsEncryptionKey?: string },
): Promise<T> {
  const ring = requireKeyRing(args.secretsEncryptionKey);
  const sealed = await ctx.runQuery(internal.secrets.store.loadSealedSecrets, owner);
  const stored = openStoredSecrets(sealed, ring);
  const merged: T = { ...args };
  for (const field of SECRET_FIELDS) {
    const value = stored[field] ?? args[field];
    if (value !== undefined) merged[field] = value;
  }
  return merged;
}

/** The Fly token to use: the given one, else the FLY_API_TOKEN the host bound. */
export function requireFlyToken(flyApiToken: string | undefined, stored: boolean): string {
  const token = flyApiToken ?? env.FLY_API_TOKEN;
  if (!token || token.trim() === "") {
    throw flyAgentsError(
      "missing_secret",
      stored
        ? "No Fly API token: store one with upsertAgentSecrets or upsertCompanySecrets, pass flyApiToken, or bind FLY_API_TOKEN with app.use(flyAgents, { env })."
        : "flyApiToken is empty. Pass a Fly API token (`fly tokens create deploy -a <app>`).",
    );
  }
  return token;
}

export const STORED_SECRETS_HINT =
  "Store them with upsertAgentSecrets (per user) or upsertCompanySecrets (tenant defaults), or pass them as arguments.";
export const ARGUMENT_SECRETS_HINT = "Pass them as arguments, or store them and call the WithStoredSecrets variant.";
