// README: auth
/**
 * Who is calling, from the sign-in token (JWT) the app's identity provider issues: `sub` names
 * the user, the custom claim `tenantId` their tenant, and `role: "admin"` marks a tenant admin.
 * Configure the provider to add both claims (Clerk: a JWT template; Auth0: an Action).
 */
import type { Auth } from "convex/server";
import { ConvexError } from "convex/values";
import type { FlyAgentsRequest, SecretsSource } from "@okrlinkhub/fly-agents";

/** A signed-in user of one tenant. */
export type Caller = { userId: string; tenantId: string; isAdmin: boolean };

/**
 * The signed-in caller, or an error when nobody is signed in or the token names no tenant.
 * @param ctx Any context that can read auth.
 */
export async function requireCaller(ctx: { auth: Auth }): Promise<Caller> {
  const identity = await ctx.auth.getUserIdentity();
  if (identity === null) {
    throw new ConvexError("Not signed in: sign in to manage agents.");
  }
  const tenantId = identity.tenantId;
  if (typeof tenantId !== "string" || tenantId === "") {
    throw new ConvexError("Your sign-in token has no tenantId claim: ask your identity provider's admin to add it.");
  }
  return { userId: identity.subject, tenantId, isAdmin: identity.role === "admin" };
}

/**
 * The authorization rule of every function `exposeApi` made:
 * - callers stay inside their own tenant;
 * - anything about one user's agent or secrets needs that user or a tenant admin;
 * - tenant-wide reads (the agent list, the audit trail, which default secrets are stored) are
 *   open to the tenant's members;
 * - the tenant's default secrets, and a user's Fly API token, are written by admins only;
 * - a member whose agent would run on the tenant's secrets (or the app's own Fly token) cannot
 *   choose its settings (image, bridge, service, skills, memory, region, model): those are the
 *   admin's, set as tenant defaults and applied by provisionMyAgent.
 * @param ctx Any context that can read auth.
 * @param request What the exposed function is about to do, to whom, and with which arguments.
 */
export async function authorizeRequest(ctx: { auth: Auth }, request: FlyAgentsRequest): Promise<void> {
  const caller = await requireCaller(ctx);
  if (request.tenantId !== caller.tenantId) {
    throw new ConvexError("Not allowed: you can only act within your own tenant.");
  }
  if (caller.isAdmin) return;
  const userId = "userId" in request ? request.userId : undefined;
  if (userId !== undefined && userId !== caller.userId) {
    throw new ConvexError("Not allowed: only that user or a tenant admin can do this.");
  }
  switch (request.kind) {
    case "writeSecrets":
      if (userId === undefined) {
        throw new ConvexError("Not allowed: only a tenant admin can change the tenant's default secrets.");
      }
      if (request.keys.includes("flyApiToken")) {
        throw new ConvexError("Not allowed: only a tenant admin can set the Fly API token your agent runs with.");
      }
      return;
    case "provision":
    case "recreate":
      if (Object.keys(request.settings).length > 0 && runsOnSharedSecrets(request.secretsFrom)) {
        throw new ConvexError(
          "Not allowed: your agent would run on your tenant's keys, so its settings are your tenant admin's. " +
            "Call provisionMyAgent (or recreateMyAgent) to get an agent with your tenant's settings.",
        );
      }
      return;
    case "update_skills":
      if (runsOnSharedSecrets(request.secretsFrom)) {
        throw new ConvexError(
          "Not allowed: your agent runs on your tenant's keys, so only a tenant admin sets its skills.",
        );
      }
      return;
    default:
      return;
  }
}

/** True when an agent would hold secrets its user did not store: the tenant's, or the app's Fly token. */
function runsOnSharedSecrets(secretsFrom: SecretsSource): boolean {
  return secretsFrom.tenant.length > 0 || secretsFrom.host.length > 0;
}

/**
 * The caller, who must be an admin of their tenant.
 * @param ctx Any context that can read auth.
 */
export async function requireAdmin(ctx: { auth: Auth }): Promise<Caller> {
  const caller = await requireCaller(ctx);
  if (!caller.isAdmin) {
    throw new ConvexError(`Not allowed: only an admin of tenant ${caller.tenantId} can do this.`);
  }
  return caller;
}
// README: end
