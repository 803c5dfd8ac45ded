/**
 * Keeps the component's Fly calls within Fly's rate limits, across every action running at
 * once: each call first reserves a slot in a token bucket shaped like Fly's (per action, per
 * machine or app), then waits until its slot. Fly's 429s remain handled by backoff, since
 * other clients may share the same limits.
 */
import { RateLimiter, SECOND } from "@convex-dev/rate-limiter";
import { v } from "convex/values";
import { components, internal } from "./_generated/api.js";
import { internalMutation, type ActionCtx } from "./_generated/server.js";
import { sleep } from "./time.js";

const flyLimits = new RateLimiter(components.rateLimiter, {
  /** Fly: 1 request/s with a burst of 3, per action and machine (or app). */
  flyCall: { kind: "token bucket", rate: 1, period: SECOND, capacity: 3 },
  /** Fly: Get Machine allows 5 requests/s with a burst of 10. */
  flyGetMachine: { kind: "token bucket", rate: 5, period: SECOND, capacity: 10 },
});

/** Reserves a slot for one Fly call; returns how many ms to wait before making it. */
export const reserveFlyCall = internalMutation({
  args: { operationId: v.string(), key: v.string() },
  returns: v.number(),
  handler: async (ctx, args) => {
    const name = args.operationId === "Machines_show" ? "flyGetMachine" : "flyCall";
    const status = await flyLimits.limit(ctx, name, { key: args.key, reserve: true });
    return status.retryAfter ?? 0;
  },
});

/**
 * Added to every paced wait: our bucket starts when the reservation is made, Fly's when the
 * request arrives a few ms later, so a slot taken exactly on time can land before Fly refills.
 */
const PACE_MARGIN_MS = 50;

/** A pace function for the Fly client of an action calling app `appName`. */
export function flyPacer(ctx: ActionCtx, appName: string) {
  return async (operationId: string, scope: string) => {
    const waitMs = await ctx.runMutation(internal.pacing.reserveFlyCall, {
      operationId,
      key: `${appName}/${operationId}/${scope}`,
    });
    if (waitMs > 0) await sleep(waitMs + PACE_MARGIN_MS);
  };
}
