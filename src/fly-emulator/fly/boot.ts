import type { FlyMachineConfig } from "./jsonTypes.js";

const DEFAULT_MAX_RETRIES = 10; // Fly's on-failure restart policy retries ten times
const BOOT_FAILURE_EXIT_CODE = 1;

/** What a boot whose process aborts leaves behind once Fly's restart policy gives up. */
export interface BootFailure {
  /** Lines for the Machine's log. */
  logs: string[];
  /** The `request` of the Machine's last event (type `exit`, status `failed`). */
  request: Record<string, unknown>;
}

/**
 * The failed boot of the `failBoots` behaviour: exit code 1, after as many restarts as the Machine's restart
 * policy allows (none for policy "no", else `max_retries`, default 10).
 * @param nowMs real time of the last exit.
 */
export function bootFailure(config: FlyMachineConfig, nowMs: number): BootFailure {
  const restart = config.restart as { policy?: string; max_retries?: number } | undefined;
  const restarts = restart?.policy === "no" ? 0 : (restart?.max_retries ?? DEFAULT_MAX_RETRIES);
  return {
    logs: [
      `[entrypoint] fatal: OpenClaw aborted during start-up (exit code ${BOOT_FAILURE_EXIT_CODE})`,
      `[fly] main process exited with code ${BOOT_FAILURE_EXIT_CODE}; gave up after ${restarts} restarts`,
    ],
    request: {
      exit_event: {
        exit_code: BOOT_FAILURE_EXIT_CODE,
        oom_killed: false,
        requested_stop: false,
        restarting: false,
        exited_at: new Date(nowMs).toISOString(),
      },
      restart_count: restarts,
    },
  };
}
