/**
 * Talking to OpenClaw inside an agent's machine through Fly's exec endpoint: waiting until it
 * serves, forcing and verifying the model, reading pending Telegram pairings.
 *
 * Commands are argv arrays. User values (model ids, pairing codes) travel as positional
 * arguments to a fixed script (`"$@"`), never spliced into shell text.
 */
import { z } from "zod";
import { GATEWAY_PORT } from "./agentSpec.js";
import { clipAtWhitespace, flyAgentsError } from "./errors.js";
import { EXEC_TIMEOUT_S, type FlyClient, type FlyExecResult } from "./fly/client.js";
import { FlyApiError } from "./fly/errors.js";
import { settledElsewhere } from "./resources.js";
import { sleep } from "./time.js";

/** Fixed script: run OpenClaw's CLI from /app with the arguments that follow it. */
const OPENCLAW_SCRIPT = 'cd /app && exec node ./openclaw.mjs "$@"';
/**
 * A port probe run by node inside the machine: tries 127.0.0.1:<argv[2]> every 100 ms (each try at most
 * 1 s) until it connects (exit 0) or <argv[1]> seconds pass (exit 75). No single quote: it sits in one.
 */
export const PORT_PROBE_JS =
  'const net=require("net"),end=Date.now()+1e3*Number(process.argv[1]),port=Number(process.argv[2]);' +
  '(function probe(){const s=net.connect(port,"127.0.0.1");s.setTimeout(1e3,()=>s.destroy(new Error("timeout")));' +
  's.once("connect",()=>{s.destroy();process.exit(0)});' +
  's.once("error",()=>{s.destroy();Date.now()<end?setTimeout(probe,100):process.exit(75)})})()';
/** Waits inside the machine for the gateway's port ("$1" seconds, port "$2"), then runs OpenClaw with the rest. */
const READY_SCRIPT = `node -e '${PORT_PROBE_JS}' "$1" "$2" || exit $?; shift 2; ${OPENCLAW_SCRIPT}`;
/** The probe's exit code when the port did not open in time. */
export const PROBE_GAVE_UP = 75;
/** Longest one readiness exec waits inside the machine: within Fly's exec deadline (about 30 s). */
export const READY_WAIT_S = EXEC_TIMEOUT_S - 5;
/** Spacing between exec retries while the gateway is not ready (exec allows 1/s per machine). */
export const EXEC_RETRY_MS = 1_000;
/** How much of OpenClaw's output an error quotes. */
const OUTPUT_QUOTE_CHARS = 300;

export function openclawCommand(...args: string[]): string[] {
  return ["sh", "-c", OPENCLAW_SCRIPT, "openclaw", ...args];
}

/**
 * True when OpenClaw's CLI failed because its gateway is not (yet) serving: refused or closed
 * connections, not any output that merely mentions the gateway (an echoed env names it).
 */
export function gatewayNotReady(result: FlyExecResult): boolean {
  const text = result.stderr + result.stdout;
  return result.exit_code !== 0 && /gateway (not reachable|closed|unreachable)|ECONNREFUSED|\(1006\)/i.test(text);
}

export function quoteOutput(result: FlyExecResult): string {
  const text = clipAtWhitespace(result.stderr.trim() || result.stdout.trim(), OUTPUT_QUOTE_CHARS);
  return text === "" ? `exit code ${result.exit_code}` : `exit code ${result.exit_code}: ${text}`;
}

/**
 * The command that waits inside the machine until the gateway's port accepts connections (at most
 * `waitS` seconds), then runs OpenClaw with `args`: one exec instead of many short ones.
 */
export function whenServingCommand(waitS: number, args: readonly string[]): string[] {
  return ["sh", "-c", READY_SCRIPT, "openclaw-ready", String(waitS), String(GATEWAY_PORT), ...args];
}

/**
 * Runs OpenClaw with `args` (idempotent ones only) as soon as its gateway serves: each round is one
 * exec that probes the gateway's port from inside the machine for up to READY_WAIT_S, then runs the
 * command; rounds repeat until `deadline`. The readiness signal comes from inside the machine, not
 * from Fly's checks, which trail the gateway by up to grace_period + interval (FLY_API_NOTES.md,
 * "Health checks are a trailing signal").
 * @param deadline ms since the epoch; the first round runs even if it has passed (a 1 s probe).
 * @returns the command's result once the gateway answered it, whatever its exit code.
 * @throws `gateway_unhealthy` when the gateway did not serve by `deadline`; FlyApiError from exec
 *   (e.g. 400 when the machine is not started, 404 when it is gone).
 */
export async function runWhenServing(
  fly: FlyClient,
  machineId: string,
  args: readonly string[],
  deadline: number,
): Promise<FlyExecResult> {
  for (let round = 1; ; round++) {
    const leftS = Math.floor((deadline - Date.now()) / 1000);
    const waitS = Math.max(1, Math.min(READY_WAIT_S, leftS));
    const result = await execWhileStarted(fly, machineId, whenServingCommand(waitS, args), deadline);
    const serving = result.exit_code !== PROBE_GAVE_UP && !gatewayNotReady(result);
    if (serving) return result;
    if (Date.now() + EXEC_RETRY_MS > deadline) {
      throw flyAgentsError(
        "gateway_unhealthy",
        `OpenClaw's gateway on machine ${machineId} did not serve in time (${quoteOutput(result)}). ` +
          "Check that OPENCLAW_GATEWAY_TOKEN is set and that the image does not force --dev, then restart the machine.",
      );
    }
    if (result.exit_code !== PROBE_GAVE_UP) await sleep(EXEC_RETRY_MS);
  }
}

/** Exit codes of a command the machine's stop (or its process's exit) cut off: SIGKILL, SIGTERM. */
const KILLED_EXIT_CODES = new Set([137, 143]);

/**
 * Runs an idempotent exec; when the machine stops under it (the command killed, or exec refused
 * because the machine is not started), reads the machine and fails with Fly's reason if its boot
 * ended for good (an image that exits at start-up leaves it `failed`).
 */
async function execWhileStarted(
  fly: FlyClient,
  machineId: string,
  command: string[],
  retryUntil: number,
): Promise<FlyExecResult> {
  let result: FlyExecResult | undefined;
  try {
    result = await fly.execMachine(machineId, command, { idempotent: true, timeoutS: EXEC_TIMEOUT_S, retryUntil });
    if (!KILLED_EXIT_CODES.has(result.exit_code)) return result;
  } catch (error) {
    if (!(error instanceof FlyApiError && error.failedPrecondition)) throw error;
    await failIfBootEnded(fly, machineId);
    throw error;
  }
  await failIfBootEnded(fly, machineId);
  return result;
}

/** Throws Fly's reason when the machine is `failed` or `destroyed`: its boot ended for good. */
async function failIfBootEnded(fly: FlyClient, machineId: string): Promise<void> {
  const { state } = await fly.getMachine(machineId);
  if (state === "failed" || state === "destroyed") throw await settledElsewhere(fly, machineId, "started", state);
}

/**
 * Waits until OpenClaw itself says it serves (`health` answers), asked from inside the machine.
 * @param deadline ms since the epoch.
 * @throws `gateway_unhealthy` when it does not by `deadline` or its health check fails.
 */
export async function waitForOpenclaw(fly: FlyClient, machineId: string, deadline: number): Promise<void> {
  const health = await runWhenServing(fly, machineId, ["health", "--json"], deadline);
  if (health.exit_code !== 0) {
    throw flyAgentsError(
      "gateway_unhealthy",
      `OpenClaw's health check failed on machine ${machineId} (${quoteOutput(health)}).`,
    );
  }
}

/**
 * Runs an idempotent OpenClaw CLI command (safe to repeat after a lost answer), retrying while
 * the gateway is not ready and `retryUntil` allows.
 */
export async function runOpenclaw(
  fly: FlyClient,
  machineId: string,
  args: string[],
  retryUntil: number,
): Promise<FlyExecResult> {
  for (;;) {
    const result = await fly.execMachine(machineId, openclawCommand(...args), { idempotent: true, retryUntil });
    if (!gatewayNotReady(result) || Date.now() + EXEC_RETRY_MS > retryUntil) return result;
    await sleep(EXEC_RETRY_MS);
  }
}

const pairingListSchema = z.object({
  requests: z.array(z.object({ code: z.string() }).loose()),
});

/**
 * The Telegram pairing codes OpenClaw holds as pending, from `pairing list telegram --json` (the
 * plain output is a table for people; OPENCLAW_NOTES.md), run once the gateway serves.
 * @param deadline how long to wait for the gateway, ms since the epoch (default: one short probe).
 * @throws `gateway_unhealthy` when the gateway does not serve; `fly_api` when the command fails or
 *   prints something that is not the documented JSON.
 */
export async function pendingPairingCodes(fly: FlyClient, machineId: string, deadline = Date.now()): Promise<string[]> {
  const result = await runWhenServing(fly, machineId, ["pairing", "list", "telegram", "--json"], deadline);
  if (result.exit_code !== 0) {
    throw flyAgentsError("fly_api", `\`pairing list\` failed on machine ${machineId} (${quoteOutput(result)}).`);
  }
  const parsed = pairingListSchema.safeParse(parseJson(result.stdout));
  if (!parsed.success) {
    throw flyAgentsError(
      "fly_api",
      `\`pairing list --json\` on machine ${machineId} printed something else than its JSON (${quoteOutput(result)}).`,
    );
  }
  return parsed.data.requests.map((request) => request.code.toUpperCase());
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Forces `model` as OpenClaw's default (the image may keep a previously persisted one) and
 * returns the model OpenClaw then reports. Throws `model_not_applied` when it differs.
 */
export async function forceModel(
  fly: FlyClient,
  machineId: string,
  model: string,
  retryUntil: number,
): Promise<string> {
  const set = await runOpenclaw(fly, machineId, ["models", "set", model], retryUntil);
  if (set.exit_code !== 0) {
    throw flyAgentsError("model_not_applied", `\`models set\` failed on machine ${machineId} (${quoteOutput(set)}).`);
  }
  return await verifyModel(fly, machineId, model, retryUntil);
}

/** Reads the effective model (`models status --plain`) and checks it is `model`. */
export async function verifyModel(
  fly: FlyClient,
  machineId: string,
  model: string,
  retryUntil: number,
): Promise<string> {
  const status = await runOpenclaw(fly, machineId, ["models", "status", "--plain"], retryUntil);
  if (status.exit_code !== 0) {
    throw flyAgentsError(
      "model_not_applied",
      `\`models status\` failed on machine ${machineId} (${quoteOutput(status)}).`,
    );
  }
  const effective =
    status.stdout
      .split("\n")
      .map((line) => line.trim())
      .find((line) => line !== "") ?? "";
  if (effective !== model) {
    throw flyAgentsError(
      "model_not_applied",
      `OpenClaw on machine ${machineId} reports model ${JSON.stringify(effective.slice(0, 100))} after \`models set ${model}\`.`,
    );
  }
  return effective;
}

/**
 * What follows every boot (provision, start, restart, recreate, a skills update, a reboot the sweep
 * finds): wait until OpenClaw serves, then force `model` and verify it, since the image may reset
 * the default model at boot (OPENCLAW_NOTES.md). Returns the model OpenClaw reports, or undefined
 * when the agent has no model to force.
 * @param deadline ms since the epoch, for the whole of it.
 * @throws `gateway_unhealthy` (never served), `model_not_applied` (the model did not stick).
 */
export async function readyWithModel(
  fly: FlyClient,
  machineId: string,
  model: string | undefined,
  deadline: number,
): Promise<string | undefined> {
  await waitForOpenclaw(fly, machineId, deadline);
  return model === undefined ? undefined : await forceModel(fly, machineId, model, deadline);
}
