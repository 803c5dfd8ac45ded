/**
 * Resolving the values an action needs, for the stored-secrets variants, in 0.1.x's order:
 * the call's arguments first, then the user's own stored secrets, then the tenant's (its
 * sealed secrets and its non-secret defaults: image, model, skills).
 */
import { internal } from "../_generated/api.js";
import type { ActionCtx } from "../_generated/server.js";
import { env } from "../_generated/server.js";
import { flyAgentsError } from "../errors.js";
import { checkSecret } from "../limits.js";
import { requireKeyRing } from "../settings.js";
import {
  SECRET_FIELDS,
  type SecretField,
  type SecretValues,
  type SecretsSource,
  type TenantDefaults,
} from "../validators.js";
import { secretsSourceOf } from "./source.js";
import { openStoredSecrets } from "./store.js";

/**
 * Where an action looks for its secrets, the Fly token first of all:
 * - `"arguments"`: in its arguments only (the plain public functions);
 * - `"stored"`: in its arguments, then the user's stored secrets, then the tenant's defaults
 *   (the `…WithStoredSecrets` functions, the sweep, a rollout);
 * - `"auto"`: in its arguments; without a Fly token there, in stored secrets when a secrets key
 *   is bound (syncAgentMachine, applyAllowedSkillsToMachine).
 * Every one ends at the FLY_API_TOKEN the host bound when no token was found.
 */
export type SecretsLookup = "arguments" | "stored" | "auto";

/** A value counts as given when it is a non-blank string. */
function given(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== "";
}

/** Fills what the arguments leave out from stored secrets (user's, then tenant's). */
export async function withStoredSecrets<T extends SecretValues>(
  ctx: ActionCtx,
  owner: { tenantId: string; userId: string },
  args: T & { secretsEncryptionKey?: string },
): Promise<T> {
  return (await withStoredValues(ctx, owner, args)).values;
}

/**
 * As withStoredSecrets, also returning the tenant's non-secret defaults (for provisioning:
 * an image, model or skill list the arguments leave out comes from them), and where each
 * secret came from, read in the same pass (`sources`; see vSecretsSource).
 */
export async function withStoredValues<T extends SecretValues>(
  ctx: ActionCtx,
  owner: { tenantId: string; userId: string },
  args: T & { secretsEncryptionKey?: string },
): Promise<{ values: T; defaults: TenantDefaults; sources: SecretsSource }> {
  const ring = requireKeyRing(args.secretsEncryptionKey);
  const sealed = await ctx.runQuery(internal.secrets.store.loadSealedSecrets, owner);
  const user = openStoredSecrets({ user: sealed.user, tenant: null }, ring);
  const tenant = openStoredSecrets({ user: null, tenant: sealed.tenant }, ring);
  const sources = secretsSourceOf({
    argument: (field) => given(args[field]),
    user: (field) => user[field] !== undefined,
    tenant: (field) => tenant[field] !== undefined,
    hostFlyToken: given(env.FLY_API_TOKEN),
  });
  const merged: T = { ...args };
  for (const field of sources.user) merged[field] = user[field];
  for (const field of sources.tenant) merged[field] = tenant[field];
  return { values: merged, defaults: sealed.defaults, sources };
}

/** Where `source` says `field` comes from, or "nowhere". */
function originOf(source: SecretsSource, field: SecretField): string {
  if (source.user.includes(field)) return "the user's own secrets";
  if (source.tenant.includes(field)) return "the tenant's defaults";
  if (source.host.includes(field)) return "the host";
  return "nowhere";
}

/**
 * Refuses a call whose secrets now come from anywhere else than its caller's authorization saw:
 * stored secrets changed between the two reads (a concurrent write), so the agent would hold
 * a secret nobody approved for it. Names the fields and their sources, never a value.
 * @param authorized Where the caller's auth callback saw each secret coming from.
 * @param resolved Where withStoredValues found them now.
 * @throws `secrets_changed`, before anything is written or any Fly call is made.
 */
export function requireAuthorizedSources(authorized: SecretsSource, resolved: SecretsSource): void {
  const changed = SECRET_FIELDS.filter((field) => originOf(authorized, field) !== originOf(resolved, field));
  if (changed.length === 0) return;
  const what = changed
    .map(
      (field) =>
        `${field} would come from ${originOf(resolved, field)}, authorized from ${originOf(authorized, field)}`,
    )
    .join("; ");
  throw flyAgentsError(
    "secrets_changed",
    `The stored secrets changed after this call was authorized: ${what}. Nothing was created; call again to authorize what is stored now.`,
  );
}

/**
 * The Fly token to use: the given one, else the FLY_API_TOKEN the host bound. The error says
 * where to put one, by where the action looks (`options.secrets`).
 */
export function requireFlyToken(flyApiToken: string | undefined, options: { secrets: SecretsLookup }): string {
  const token = flyApiToken ?? env.FLY_API_TOKEN;
  if (!token || token.trim() === "") {
    throw flyAgentsError(
      "missing_secret",
      options.secrets !== "arguments"
        ? "No Fly API token: store one with upsertAgentSecrets or upsertCompanySecrets, pass flyApiToken, or bind FLY_API_TOKEN with app.use(flyAgents, { env })."
        : flyApiToken === undefined
          ? "No Fly API token: pass flyApiToken, or bind FLY_API_TOKEN with app.use(flyAgents, { env }) (stored secrets are not read here)."
          : "flyApiToken is empty. Pass a Fly API token (`fly tokens create deploy -a <app>`).",
    );
  }
  checkSecret(flyApiToken === undefined ? "FLY_API_TOKEN" : "flyApiToken", token);
  return token;
}

export const STORED_SECRETS_HINT =
  "Store them with upsertAgentSecrets (per user) or upsertCompanySecrets (tenant defaults), or pass them as arguments.";
export const ARGUMENT_SECRETS_HINT = "Pass them as arguments, or store them and call the WithStoredSecrets variant.";
