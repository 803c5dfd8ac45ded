/**
 * How a Machine moves between states on the emulator's clock: each change recorded as a Machine event, timed
 * steps that a newer request cancels, a boot that starts the simulated OpenClaw image (or fails as Fly's restart
 * policy gives up), teardown, and the Machine's log. `machines.ts` decides which transition a request asks for;
 * this module carries it out.
 */
import type { Behaviours } from "../control/behaviours.js";
import { OpenClawRuntime } from "../image/openClawRuntime.js";
import type { ResolvedOptions } from "../options.js";
import type { Clock } from "../world/clock.js";
import type { Ids } from "../world/ids.js";
import { emptyAgentState, type MachineRecord, type MachineState } from "../world/model.js";
import type { World } from "../world/world.js";
import type { MachineConfigJson } from "./jsonTypes.js";
import type { VolumeService } from "./volumes.js";

const MAX_LOG_LINES = 1000;
const DEFAULT_MAX_RETRIES = 10; // Fly's on-failure restart policy retries ten times
const BOOT_FAILURE_EXIT_CODE = 1;

/** States in which the Machine runs, or is on its way to running. */
export const RUNNING: ReadonlySet<MachineState> = new Set(["starting", "started", "restarting", "replacing"]);
/** States a Machine can be destroyed from without `force` (when no transition is under way). */
export const DESTROYABLE_WITHOUT_FORCE: ReadonlySet<MachineState> = new Set([
  "created",
  "stopped",
  "suspended",
  "failed",
]);

/** Who caused a change, as Fly's Machine events say. */
export type EventSource = "user" | "flyd";

/** Carries out Machine transitions: the only writer of `state`, `events`, `runtime` and `logs`. */
export class MachineTransitions {
  constructor(
    private readonly deps: {
      world: World;
      clock: Clock;
      ids: Ids;
      options: ResolvedOptions;
      volumes: VolumeService;
      behaviours: Behaviours;
    },
  ) {}

  /** Sets the state and appends the matching event (`request`: details Fly attaches, e.g. an exit). */
  setState(
    machine: MachineRecord,
    state: MachineState,
    type: string,
    source: EventSource = "user",
    request?: Record<string, unknown>,
  ): void {
    const now = this.deps.clock.now();
    machine.state = state;
    machine.updatedAt = now;
    machine.events.push({
      id: this.deps.ids.ulid(now),
      type,
      status: state,
      source,
      timestamp: now,
      ...(request ? { request } : {}),
    });
    this.deps.world.notifyMachine(machine.id);
  }

  /** Runs `step` after `delayMs` of emulated time; the Machine is `transitioning` until then. */
  schedule(machine: MachineRecord, delayMs: number, step: () => void): void {
    machine.transitioning = true;
    machine.cancelTransition = this.deps.clock.after(delayMs, () => {
      machine.cancelTransition = null;
      machine.transitioning = false;
      step();
    });
  }

  /** Cancels the step under way, if any. */
  cancel(machine: MachineRecord): void {
    machine.cancelTransition?.();
    machine.cancelTransition = null;
    machine.transitioning = false;
  }

  /**
   * Boots the Machine: `starting`, then after the boot time `started` with a fresh OpenClaw runtime, or, with
   * the `failBoots` behaviour, `failed` once the restart policy has given up on a process that aborts at boot.
   */
  boot(machine: MachineRecord): void {
    const { clock, options, behaviours, world } = this.deps;
    this.setState(machine, "starting", "start");
    const fails = behaviours.value("failBoots");
    this.schedule(machine, options.bootTimeMs, () => {
      if (fails) return this.fail(machine);
      this.setState(machine, "started", "start", "flyd");
      this.log(machine, `[fly] machine started (version ${machine.instanceId})`);
      machine.runtime = new OpenClawRuntime({
        clock,
        gatewayStartupMs: options.gatewayStartupMs,
        pairingTimeMs: options.pairingTimeMs,
        env: machine.config.env ?? {},
        agent: world.agentOf(machine),
        image: world.images.get(machine.config.image),
        resetModelAtBoot: behaviours.value("resetModelAtBoot"),
        log: (line) => this.log(machine, line),
        exit: () => this.processExited(machine),
      });
      machine.runtime.start();
    });
  }

  /** Stops the simulated image; its root filesystem is lost unless `keepRootfs` (a suspend). */
  stopRuntime(machine: MachineRecord, options: { keepRootfs?: boolean } = {}): void {
    if (!machine.runtime) return;
    machine.runtime.stop();
    machine.runtime = null;
    this.log(machine, "[fly] machine stopped");
    if (!options.keepRootfs) machine.rootfsAgent = emptyAgentState();
  }

  /**
   * Destroys the Machine: a running one goes through `destroying` for the stop time. Its lease goes at once, its
   * volume detaches after the detach lag, and the Machine stays fetchable for the destroyed retention.
   */
  tearDown(machine: MachineRecord, source: EventSource): void {
    const wasRunning = !DESTROYABLE_WITHOUT_FORCE.has(machine.state) || machine.transitioning;
    this.cancel(machine);
    this.stopRuntime(machine);
    machine.lease = null;
    if (!wasRunning) return this.markDestroyed(machine, source);
    this.setState(machine, "destroying", "destroy", source);
    this.schedule(machine, this.deps.options.stopTimeMs, () => this.markDestroyed(machine, "flyd"));
  }

  /** Appends a line to the Machine's log, which keeps the last MAX_LOG_LINES. */
  log(machine: MachineRecord, line: string): void {
    machine.logs.push(line);
    if (machine.logs.length > MAX_LOG_LINES) machine.logs.splice(0, machine.logs.length - MAX_LOG_LINES);
  }

  private markDestroyed(machine: MachineRecord, source: EventSource): void {
    const { world, clock, options, volumes } = this.deps;
    this.setState(machine, "destroyed", "destroy", source);
    if (machine.volumeId) volumes.detachLater(machine.volumeId, machine.id);
    clock.after(options.destroyedRetentionMs, () => {
      world.machines.delete(machine.id);
      world.notifyMachine(machine.id);
    });
  }

  /** The image's process exited at boot: Fly's restart policy gives up and the Machine settles in `failed`. */
  private processExited(machine: MachineRecord): void {
    if (machine.state !== "started") return;
    this.stopRuntime(machine);
    this.fail(machine);
  }

  /** Settles the Machine in `failed`, with the exit event and log lines of a boot whose process aborts. */
  private fail(machine: MachineRecord): void {
    const failure = bootFailure(machine.config, this.deps.clock.now());
    for (const line of failure.logs) this.log(machine, line);
    this.setState(machine, "failed", "exit", "flyd", failure.request);
  }
}

/**
 * What a boot whose process aborts leaves once Fly's restart policy gives up: exit code 1, after as many restarts
 * as the Machine's restart policy allows (none for policy "no", else `max_retries`, default 10).
 * @param nowMs real time of the last exit.
 * @returns the lines for the Machine's log, and the `request` of its last event (type `exit`, status `failed`).
 */
function bootFailure(config: MachineConfigJson, nowMs: number): { logs: string[]; request: Record<string, unknown> } {
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
