/**
 * Keeps the component's Fly calls within Fly's rate limits, across every action running at
 * once: each call first reserves a slot in a token bucket shaped like Fly's (per action, per
 * machine or app), then waits until its slot. Fly's 429s remain handled by backoff, since
 * other clients may share the same limits.
 *
 * Contention. A reservation is a mutation that writes its bucket. Every provisioning in one Fly
 * app reserves in the same app-scoped buckets (Machines_create, Volumes_create, the lists), so
 * under concurrent provisioning those documents are a write hot spot: Convex retries a
 * conflicting mutation a few times, then fails it (CONVEX_NOTES.md 4), and convex-test, which
 * runs one function at a time, never shows it. Two defences:
 * - app-scoped buckets are sharded (@convex-dev/rate-limiter's `shards`): a reservation reads
 *   two of the shards and writes one, so concurrent reservations mostly touch different
 *   documents, while the shards together still never exceed Fly's limit;
 * - a reservation that still fails on a write conflict is tried again a few times, and then the
 *   call goes out unpaced: pacing only spares us Fly's 429s, which the HTTP client handles
 *   anyway, so losing a reservation must not fail the operation that asked for it.
 */
import { RateLimiter, SECOND } from "@convex-dev/rate-limiter";
import { v } from "convex/values";
import { components, internal } from "./_generated/api.js";
import { internalMutation, type ActionCtx } from "./_generated/server.js";
import { isWriteConflict } from "./errors.js";
import { backoffMs, sleep } from "./time.js";

/**
 * Shards of each app-scoped bucket: as many as Fly's burst of 3 allows, since the rate limiter
 * needs each pair of shards it combines to hold a whole call (capacity / (shards / 2) >= 1).
 */
export const APP_BUCKET_SHARDS = 3;

const flyLimits = new RateLimiter(components.rateLimiter, {
  /** Fly: 1 request/s with a burst of 3, per action and app (creates, lists): shared by every agent. */
  flyAppCall: { kind: "token bucket", rate: 1, period: SECOND, capacity: 3, shards: APP_BUCKET_SHARDS },
  /** Fly: 1 request/s with a burst of 3, per action and machine: one agent's calls only. */
  flyMachineCall: { kind: "token bucket", rate: 1, period: SECOND, capacity: 3 },
  /** Fly: Get Machine allows 5 requests/s with a burst of 10, per machine. */
  flyGetMachine: { kind: "token bucket", rate: 5, period: SECOND, capacity: 10 },
});

/** Reserves a slot for one Fly call; returns how many ms to wait before making it. */
export const reserveFlyCall = internalMutation({
  args: { operationId: v.string(), key: v.string(), appScoped: v.boolean() },
  returns: v.number(),
  handler: async (ctx, args) => {
    const name = args.appScoped
      ? "flyAppCall"
      : args.operationId === "Machines_show"
        ? "flyGetMachine"
        : "flyMachineCall";
    const status = await flyLimits.limit(ctx, name, { key: args.key, reserve: true });
    return status.retryAfter ?? 0;
  },
});

/**
 * Added to every paced wait: our bucket starts when the reservation is made, Fly's when the
 * request arrives a few ms later, so a slot taken exactly on time can land before Fly refills.
 */
const PACE_MARGIN_MS = 50;
/** Tries at a reservation that fails on a write conflict, before the call goes out unpaced. */
export const RESERVE_ATTEMPTS = 4;
/** Backoff between those tries (full jitter, doubling): conflicting reservations spread out. */
const RESERVE_BACKOFF_BASE_MS = 25;
const RESERVE_BACKOFF_CAP_MS = 400;

/**
 * A pace function for the Fly client of an action calling app `appName`.
 * @param ctx The action's context (runs the reservation mutation).
 * @param appName The Fly app; a call whose scope is the app name is app-scoped.
 * @returns `(operationId, scope) => Promise<void>`, resolved when the call may go out. Throws
 * only what is not a write conflict (a broken rate limiter is a bug to see, not to skip).
 */
export function flyPacer(ctx: ActionCtx, appName: string) {
  return async (operationId: string, scope: string) => {
    const args = { operationId, key: `${appName}/${operationId}/${scope}`, appScoped: scope === appName };
    for (let attempt = 1; ; attempt++) {
      let waitMs: number;
      try {
        waitMs = await ctx.runMutation(internal.pacing.reserveFlyCall, args);
      } catch (error) {
        if (!isWriteConflict(error)) throw error;
        if (attempt >= RESERVE_ATTEMPTS) return; // unpaced: Fly's 429, if any, is retried with backoff
        await sleep(backoffMs(attempt, RESERVE_BACKOFF_BASE_MS, RESERVE_BACKOFF_CAP_MS));
        continue;
      }
      if (waitMs > 0) await sleep(waitMs + PACE_MARGIN_MS);
      return;
    }
  };
}
