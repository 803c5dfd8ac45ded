/**
 * Fly's wait endpoint: a long poll until the Machine reaches one of the asked states (or `settled`), that answers 408
 * when its timeout (at most 60 s) runs out, and 404 when the Machine disappears.
 */
import type { Clock } from "../world/clock.js";
import type { MachineRecord, MachineState } from "../world/model.js";
import type { World } from "../world/world.js";
import { errorReply, invalidArgument, notFound } from "./errorReplies.js";
import type { WaitResponseJson } from "./jsonTypes.js";
import type { MachineService } from "./machines.js";

const WAIT_STATES = ["started", "stopped", "suspended", "destroyed", "failed", "settled"] as const;
type WaitState = (typeof WAIT_STATES)[number];
const SETTLED: ReadonlySet<MachineState> = new Set([
  "created",
  "started",
  "stopped",
  "suspended",
  "failed",
  "destroyed",
]);
const DEFAULT_WAIT_S = 60; // Fly's default
const MAX_WAIT_S = 60; // Fly rejects longer waits with invalid_argument

/** What a wait needs. */
export interface WaitDeps {
  world: World;
  clock: Clock;
  machines: MachineService;
}

/**
 * GET …/{id}/wait: long-polls until the Machine reaches one of the states (200), or answers 408
 * `deadline_exceeded` when `timeout` seconds (scaled) run out. A Machine that disappears while waited on
 * answers 404, which callers waiting for `destroyed` treat as success.
 */
export function waitForMachine(
  deps: WaitDeps,
  app: string,
  machineId: string,
  query: URLSearchParams,
  signal: AbortSignal,
): Promise<WaitResponseJson> {
  const states = parseStates(query);
  const timeoutS = parseTimeout(query.get("timeout"));
  const version = query.get("version") ?? query.get("instance_id") ?? undefined;
  const fromEventId = query.get("from_event_id") ?? undefined;
  deps.machines.visible(app, machineId);
  return new Promise((resolve, reject) => {
    const finish = (settle: () => void) => {
      unwatch();
      cancelTimeout();
      signal.removeEventListener("abort", onAbort);
      settle();
    };
    const evaluate = () => {
      const machine = deps.world.machines.get(machineId);
      if (!machine) return finish(() => reject(notFound("machine")));
      const reached = matches(machine, states, version, fromEventId);
      if (reached) finish(() => resolve(reached));
    };
    const onAbort = () => finish(() => reject(new Error("the client closed the wait request")));
    const unwatch = deps.world.watchMachine(machineId, evaluate);
    const cancelTimeout = deps.clock.after(timeoutS * 1000, () =>
      finish(() =>
        reject(
          errorReply(408, `deadline_exceeded: machine did not reach state ${states.join(",")} within ${timeoutS}s`),
        ),
      ),
    );
    signal.addEventListener("abort", onAbort, { once: true });
    evaluate();
  });
}

function matches(
  machine: MachineRecord,
  states: WaitState[],
  version: string | undefined,
  fromEventId: string | undefined,
): WaitResponseJson | null {
  if (version !== undefined && machine.instanceId !== version) return null;
  const last = machine.events[machine.events.length - 1];
  if (fromEventId !== undefined && last?.id === fromEventId) return null;
  const reached = states.some((state) =>
    state === "settled" ? SETTLED.has(machine.state) && !machine.transitioning : state === machine.state,
  );
  if (!reached) return null;
  return { ok: true, state: machine.state, version: machine.instanceId, event_id: last?.id ?? "" };
}

function parseStates(query: URLSearchParams): WaitState[] {
  const requested = query
    .getAll("state")
    .flatMap((value) => value.split(","))
    .map((state) => state.trim())
    .filter(Boolean);
  const states = requested.map((state) => {
    if (!isWaitState(state)) throw invalidArgument(`state "${state}" is not one of ${WAIT_STATES.join(", ")}`);
    return state;
  });
  return states.length > 0 ? states : ["started"];
}

function isWaitState(state: string): state is WaitState {
  return (WAIT_STATES as readonly string[]).includes(state);
}

function parseTimeout(value: string | null): number {
  if (value === null || value === "") return DEFAULT_WAIT_S;
  const seconds = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(seconds >= 1 && seconds <= MAX_WAIT_S)) {
    throw invalidArgument(`timeout ${value}: the wait timeout is a whole number of seconds from 1 to ${MAX_WAIT_S}`);
  }
  return seconds;
}
