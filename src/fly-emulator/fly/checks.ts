/**
 * Machine health checks as Fly runs them: the first run a grace period after start (capped at a minute), then one
 * per interval, each reporting what the probe saw then. Only the simulated gateway's port ever listens.
 */
import { IMAGE_GATEWAY_PORT } from "../image/openClawRuntime.js";
import type { Clock } from "../world/clock.js";
import type { MachineRecord } from "../world/model.js";
import { parseGoDuration } from "./input.js";
import type { CheckStatusJson, MachineCheckJson } from "./jsonTypes.js";

/** Fly caps `grace_period` at one minute (⚠ a third-party report; see the emulator's header). */
export const GRACE_PERIOD_CAP_MS = 60_000;
/** The interval of a check that sets none: the spec's example value (⚠ Fly's default is undocumented). */
export const DEFAULT_CHECK_INTERVAL_MS = 15_000;
/** The shortest interval the emulator runs a check at, so a "0s" interval cannot spin. */
const MIN_CHECK_INTERVAL_MS = 1_000;

/**
 * One CheckStatus per `config.checks` entry, as Fly runs checks: no result before `grace_period` (capped at
 * one minute) has passed since the Machine started, then one run per `interval`, each reporting what the
 * probe saw at that moment (`passing` when the gateway listened on the check's port, else `critical`) until
 * the next run. Before the first run a check reads `warning` ("not run yet"), never `passing`, however soon
 * the gateway listens. A Machine that is not running reads `critical`. Durations scale with `timeScale`.
 */
export function checkStatuses(machine: MachineRecord, clock: Clock): CheckStatusJson[] {
  const runtime = machine.runtime;
  const now = clock.now();
  return Object.entries(machine.config.checks ?? {}).map(([name, check]) => {
    const port = check.port ?? IMAGE_GATEWAY_PORT;
    if (!runtime || machine.state !== "started") {
      return { name, status: "critical", output: "machine is not running", updated_at: iso(now) };
    }
    const { bootedAt } = runtime.status();
    const { graceMs, intervalMs } = checkTiming(check, clock);
    const firstRun = bootedAt + graceMs;
    if (now < firstRun) {
      return {
        name,
        status: "warning",
        output: `not run yet: the first check runs ${check.grace_period ?? "0s"} (at most 60s) after start`,
        updated_at: iso(bootedAt),
      };
    }
    const lastRun = firstRun + Math.floor((now - firstRun) / intervalMs) * intervalMs;
    if (port === IMAGE_GATEWAY_PORT && runtime.listeningAtTime(lastRun)) {
      return { name, status: "passing", output: "Success", updated_at: iso(lastRun) };
    }
    const output = `dial tcp [${machine.privateIp}]:${port}: connect: connection refused`;
    return { name, status: "critical", output, updated_at: iso(lastRun) };
  });
}

/** A check's grace period (capped) and interval, in real milliseconds. */
export function checkTiming(check: MachineCheckJson, clock: Clock): { graceMs: number; intervalMs: number } {
  const grace = Math.min(GRACE_PERIOD_CAP_MS, parseGoDuration(check.grace_period ?? "0s") ?? 0);
  const interval = Math.max(MIN_CHECK_INTERVAL_MS, parseGoDuration(check.interval ?? "") ?? DEFAULT_CHECK_INTERVAL_MS);
  return { graceMs: clock.scaled(grace), intervalMs: Math.max(1, clock.scaled(interval)) };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
