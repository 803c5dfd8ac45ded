/**
 * Reading agents for callers: one by id, a tenant's agents (a list or a page), an agent's snapshots.
 *
 * Convex refuses `.paginate()` in any component but the app (`PaginationUnsupportedInComponents`,
 * CONVEX_NOTES.md 1), so pages come from convex-helpers' `paginator`, which walks the same index
 * with ordinary reads and returns the standard `PaginationResult` (`page`, `isDone`,
 * `continueCursor`, plus `splitCursor`/`pageStatus` when a page should be split). Host apps page
 * through it with `usePaginatedQuery` from `convex-helpers/react`, which passes the `endCursor`
 * these pages need to stay adjacent as they grow.
 */
import type { PaginationOptions } from "convex/server";
import { paginator } from "convex-helpers/server/pagination";
import type { QueryCtx } from "./_generated/server.js";
import { agentForCaller } from "./agentRecord.js";
import { findAgentDoc } from "./agents.js";
import { flyAgentsError } from "./errors.js";
import { quoted } from "./limits.js";
import schema from "./schema.js";
import { requireUpgradedSnapshot } from "./snapshots.js";
import type { AgentStatus } from "./validators.js";

/** The most items one call returns, whether a list (`limit`) or a page (`numItems`). */
export const MAX_LIST_LIMIT = 500;
/** Items a list returns when the caller gives no `limit`. */
export const DEFAULT_LIST_LIMIT = 100;

/** `limit` made whole and clamped to 1..MAX_LIST_LIMIT (default DEFAULT_LIST_LIMIT); NaN is `invalid_argument`. */
export function listLimit(limit: number | undefined): number {
  if (Number.isNaN(limit)) {
    throw flyAgentsError("invalid_argument", `limit must be a number; got NaN. Ask for up to ${MAX_LIST_LIMIT} items.`);
  }
  return Math.max(1, Math.min(MAX_LIST_LIMIT, Math.floor(limit ?? DEFAULT_LIST_LIMIT)));
}

/** A cursor convex-helpers' paginator returned: JSON of an array of index keys. */
function checkCursor(name: string, cursor: string | null | undefined): void {
  if (cursor === null || cursor === undefined) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(cursor);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed)) {
    throw flyAgentsError(
      "invalid_argument",
      `paginationOpts.${name} ${quoted(cursor)} is not a cursor this list returned: pass null for the first ` +
        "page, then each page's continueCursor.",
    );
  }
}

/**
 * The caller's pagination options with `numItems` made whole and clamped to MAX_LIST_LIMIT, so
 * that a page stays far inside Convex's per-transaction read limit. A page ending at `endCursor`
 * (a refreshed page of usePaginatedQuery) still ends there. Throws `invalid_argument` for a
 * `numItems` below 1 or NaN (which would pass any clamp) and for a cursor no list returned.
 */
export function pageOptions(opts: PaginationOptions): PaginationOptions {
  if (!(opts.numItems >= 1)) {
    throw flyAgentsError(
      "invalid_argument",
      `paginationOpts.numItems must be a number from 1; got ${opts.numItems}. Ask for up to ${MAX_LIST_LIMIT} items a page.`,
    );
  }
  checkCursor("cursor", opts.cursor);
  checkCursor("endCursor", opts.endCursor);
  return { ...opts, numItems: Math.min(MAX_LIST_LIMIT, Math.floor(opts.numItems)) };
}

/** A tenant's agents (optionally only those in `status`), newest first, as a query builder. */
function agentsOfTenantQuery(
  db: ReturnType<typeof paginator<typeof schema>> | QueryCtx["db"],
  tenantId: string,
  status: AgentStatus | undefined,
) {
  const agents = db.query("agentMachines");
  return status === undefined
    ? agents.withIndex("by_tenantId", (q) => q.eq("tenantId", tenantId)).order("desc")
    : agents.withIndex("by_tenantId_status", (q) => q.eq("tenantId", tenantId).eq("status", status)).order("desc");
}

/** One agent, or null for an id that names none (a 0.1.x record says to run upgradeFromV01). */
export async function agentById(ctx: QueryCtx, machineDocId: string) {
  const doc = await findAgentDoc(ctx, machineDocId);
  return doc && agentForCaller(doc);
}

/** At most `limit` of an agent's snapshots, newest first; none for an id that names no agent. */
export async function snapshotsOfAgent(ctx: QueryCtx, args: { machineDocId: string; limit?: number }) {
  const limit = listLimit(args.limit);
  const id = ctx.db.normalizeId("agentMachines", args.machineDocId);
  if (!id) return [];
  const rows = await ctx.db
    .query("agentSnapshots")
    .withIndex("by_machineDocId", (q) => q.eq("machineDocId", id))
    .order("desc")
    .take(limit);
  return rows.map(requireUpgradedSnapshot);
}

/** At most `limit` of a tenant's agents, newest first (a 0.1.x record says to run upgradeFromV01). */
export async function agentsOfTenant(ctx: QueryCtx, args: { tenantId: string; status?: AgentStatus; limit?: number }) {
  const agents = await agentsOfTenantQuery(ctx.db, args.tenantId, args.status).take(listLimit(args.limit));
  return agents.map(agentForCaller);
}

/** One page of a tenant's agents, newest first. */
export async function agentsOfTenantPage(
  ctx: QueryCtx,
  args: { tenantId: string; status?: AgentStatus; paginationOpts: PaginationOptions },
) {
  const page = await agentsOfTenantQuery(paginator(ctx.db, schema), args.tenantId, args.status).paginate(
    pageOptions(args.paginationOpts),
  );
  return { ...page, page: page.page.map(agentForCaller) };
}
