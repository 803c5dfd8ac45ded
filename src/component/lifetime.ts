/**
 * The one lifetime model of an operation: how long the action running it lives, when the
 * operation must be done, how long each wait inside it may take, and from when another caller
 * may take the agent over. Every deadline in the component comes from here.
 *
 *   action starts (T0)
 *   │ ACTION_MARGIN_MS: reading secrets and records before, the audit event after
 *   │ waits, each clamped to waitsEndBy
 *   ├ waitsEndBy = deadline − CLEANUP_RESERVE_MS
 *   │ CLEANUP_RESERVE_MS: a Fly call in flight when the waits end, then cleanup after a failure
 *   ├ deadline   = T0 + lifetime − ACTION_MARGIN_MS: the operation is over, cleanup included
 *   ├ T0 + lifetime: Convex ends the action, whatever it is doing
 *   └ ownedUntil = T0 + lifetime (measured from the operation's start, which is after T0): the
 *     owner is certainly gone, so the sweep or another caller may take the agent over
 *
 * Convex's limit (docs.convex.dev/production/state/limits, CONVEX_NOTES.md 3): an action in the
 * default runtime ends after 30 minutes; in the Node runtime, and on self-hosted backends older
 * than that change, after 10. The component's actions run in the default runtime; a host on a
 * 10-minute backend binds ACTION_LIFETIME_MINUTES=10, and every deadline shrinks with it (waits
 * are then cut short by the clamp rather than by their own budgets).
 */
import { env } from "./_generated/server.js";
import { MAX_STARTUP_TIMEOUT_SEC } from "./agentSpec.js";
import { flyAgentsError } from "./errors.js";
import { EXEC_TIMEOUT_S } from "./fly/client.js";
import { REQUEST_TIMEOUT_MS } from "./fly/http.js";
import type { OperationKind } from "./validators.js";

/** Convex ends an action of the default runtime after 30 minutes (since July 2026). */
export const ACTION_LIFETIME_MS = 30 * 60_000;
/** The Node runtime, and older self-hosted backends, end actions after 10 minutes. */
export const TEN_MINUTE_ACTION_LIFETIME_MS = 10 * 60_000;
/** What ACTION_LIFETIME_MINUTES may say: no backend ends actions sooner or later than these. */
const LIFETIME_MINUTES_RANGE = { min: 10, max: 30 } as const;

/**
 * Kept off the operation's deadline for what its action does outside it: the queries and
 * mutations before the operation starts (stored secrets, records), and the audit event after.
 */
export const ACTION_MARGIN_MS = 60_000;

/**
 * Kept at the end of every operation for cleaning up after a failure, and used by it: a Fly
 * call still in flight when the waits end (one attempt, REQUEST_TIMEOUT_MS), then destroying
 * the machine and waiting until Fly says so (seconds), and deleting the volume through Fly's
 * detach lag (about a minute, FLY_API_NOTES.md), with room to spare.
 */
export const CLEANUP_RESERVE_MS = REQUEST_TIMEOUT_MS + 150_000;

/** The longest each kind of wait may take on its own, before the clamp to the deadline. */
export const WAIT_BUDGETS_MS = {
  /** A new volume until mountable: restoring a large snapshot is slow. */
  volumeReady: 4 * 60_000,
  /** A new machine from create to `started`. */
  machineBoot: 3 * 60_000,
  /** A start, stop or restart until the machine is in its new state. */
  machineTransition: 3 * 60_000,
  /** OpenClaw's gateway after boot, at most: the agent's startupTimeoutSec, up to 600 s. */
  gatewayStartup: MAX_STARTUP_TIMEOUT_SEC * 1000,
  /** A volume snapshot until Fly says `created`; past it, the snapshot is returned still running. */
  snapshotFollow: 5 * 60_000,
  /** A pairing command on the machine (one exec call, with retries of a busy gateway). */
  pairing: (EXEC_TIMEOUT_S + 35) * 1000,
} as const;

const W = WAIT_BUDGETS_MS;

/**
 * The waits each kind of operation makes, one after another, in the worst case (its other Fly
 * calls aside): what must fit before `waitsEndBy` for no wait to be cut short by the clamp.
 * Deprovisioning waits for nothing but its cleanup, which the reserve covers.
 */
export const WORST_CASE_WAITS_MS: Record<OperationKind, number> = {
  provision: W.volumeReady + W.machineBoot + W.gatewayStartup,
  recreate: W.volumeReady + W.machineBoot + W.gatewayStartup,
  start: W.machineTransition + W.gatewayStartup,
  restart: W.machineTransition + W.gatewayStartup,
  update_skills: W.machineTransition + W.gatewayStartup,
  stop: W.machineTransition,
  deprovision: 0,
  snapshot: W.snapshotFollow,
  pairing: W.pairing,
  // A provisioning cut short is resumed: its machine's boot and gateway are waited for again.
  sync: W.machineBoot + W.gatewayStartup,
  sweep: W.machineBoot + W.gatewayStartup,
  // One action runs phases of an agent's upgrade while the next fits (rollout/step.ts), then a fresh
  // one resumes: its longest phase is the restore (new volume, old machine destroyed, new boot).
  upgrade_image: W.volumeReady + W.machineTransition + W.machineBoot + W.gatewayStartup,
};

/**
 * How long an action lives on this deployment: ACTION_LIFETIME_MINUTES (bound by the host with
 * `app.use(flyAgents, { env })`) or, unset, the default runtime's 30 minutes.
 * @returns Milliseconds.
 * @throws `invalid_argument` when ACTION_LIFETIME_MINUTES is not a whole number from 10 to 30.
 */
export function actionLifetimeMs(): number {
  const minutes = env.ACTION_LIFETIME_MINUTES;
  if (minutes === undefined || minutes === "") return ACTION_LIFETIME_MS;
  const parsed = Number(minutes);
  if (!Number.isInteger(parsed) || parsed < LIFETIME_MINUTES_RANGE.min || parsed > LIFETIME_MINUTES_RANGE.max) {
    throw flyAgentsError(
      "invalid_argument",
      `ACTION_LIFETIME_MINUTES must be a whole number of minutes from ${LIFETIME_MINUTES_RANGE.min} to ` +
        `${LIFETIME_MINUTES_RANGE.max} (30 for Convex's default runtime, 10 for a backend that ends actions ` +
        `after 10 minutes); got ${JSON.stringify(minutes.slice(0, 20))}.`,
    );
  }
  return parsed * 60_000;
}

/** An operation's deadlines, all in ms since the epoch. */
export type OperationClock = {
  /** When the operation began (its action began at most ACTION_MARGIN_MS before). */
  readonly startedAt: number;
  /** The operation is over by then, cleanup after a failure included. */
  readonly deadline: number;
  /** Every wait ends by then, leaving CLEANUP_RESERVE_MS for the cleanup. */
  readonly waitsEndBy: number;
  /** The owner's action has certainly ended: the agent may be taken over. */
  readonly ownedUntil: number;
};

/**
 * The deadlines of an operation that starts at `startedAt` in an action that lives `lifetimeMs`.
 * @param startedAt When the operation (or, for a further operation in the same action, the
 * first one) began, ms since the epoch.
 * @param lifetimeMs The action's lifetime, from `actionLifetimeMs()`.
 */
export function operationClock(startedAt: number, lifetimeMs: number): OperationClock {
  const deadline = startedAt + lifetimeMs - ACTION_MARGIN_MS;
  return { startedAt, deadline, waitsEndBy: deadline - CLEANUP_RESERVE_MS, ownedUntil: startedAt + lifetimeMs };
}

/**
 * When a wait of `budgetMs` that starts now must end: after its budget, or when the
 * operation's waits must end, whichever comes first.
 * @param clock The operation's deadlines.
 * @param budgetMs The wait's own budget (one of WAIT_BUDGETS_MS, or the agent's startup timeout).
 * @param now The current time (ms since the epoch).
 */
export function waitDeadline(clock: OperationClock, budgetMs: number, now: number = Date.now()): number {
  return Math.min(now + budgetMs, clock.waitsEndBy);
}

/**
 * The lifetime of the action that owns an agent whose operation started `staleAfterMs` ago or
 * earlier is certainly over: the sweep's default for `staleAfterMs`.
 */
export function defaultStaleAfterMs(): number {
  return actionLifetimeMs();
}
