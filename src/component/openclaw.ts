/**
 * Talking to OpenClaw inside an agent's machine through Fly's exec endpoint: waiting for its
 * gateway, forcing and verifying the model, approving Telegram pairings.
 *
 * Commands are argv arrays. User values (model ids, pairing codes) travel as positional
 * arguments to a fixed script (`"$@"`), never spliced into shell text.
 */
import { clipAtWhitespace, flyAgentsError } from "./errors.js";
import type { FlyClient, FlyExecResult, FlyMachine } from "./fly/client.js";
import { sleep } from "./time.js";

/** Fixed script: run OpenClaw's CLI from /app with the arguments that follow it. */
const OPENCLAW_SCRIPT = 'cd /app && exec node ./openclaw.mjs "$@"';
/** How often to look at the gateway's health check while it starts (Get Machine allows 5/s). */
export const GATEWAY_POLL_MS = 250;
/** Spacing between exec retries while the gateway is not ready (exec allows 1/s per machine). */
export const EXEC_RETRY_MS = 1_000;
/** How much of OpenClaw's output an error quotes. */
const OUTPUT_QUOTE_CHARS = 300;

/** The machine's health check on OpenClaw's gateway port, as Fly reports it (named in agentMachineConfig). */
export function gatewayCheck(machine: FlyMachine) {
  return (machine.checks ?? []).find((check) => check.name === "gateway");
}

export function openclawCommand(...args: string[]): string[] {
  return ["sh", "-c", OPENCLAW_SCRIPT, "openclaw", ...args];
}

/** True when OpenClaw's CLI failed because its gateway is not (yet) serving. */
export function gatewayNotReady(result: FlyExecResult): boolean {
  return result.exit_code !== 0 && /gateway|ECONNREFUSED|not reachable|1006/i.test(result.stderr + result.stdout);
}

export function quoteOutput(result: FlyExecResult): string {
  const text = clipAtWhitespace(result.stderr.trim() || result.stdout.trim(), OUTPUT_QUOTE_CHARS);
  return text === "" ? `exit code ${result.exit_code}` : `exit code ${result.exit_code}: ${text}`;
}

/**
 * Waits until the machine's gateway health check passes, or `deadline`. Returns false when
 * Fly reports no checks for the machine (the caller then relies on exec retries).
 */
export async function waitForGateway(fly: FlyClient, machineId: string, deadline: number): Promise<boolean> {
  for (;;) {
    const machine = await fly.getMachine(machineId);
    if (machine.state === "destroyed" || machine.state === "failed") {
      throw flyAgentsError("fly_api", `Machine ${machineId} is ${machine.state} while its gateway was starting.`);
    }
    const checks = machine.checks ?? [];
    if (machine.state === "started" && checks.length === 0) return false;
    const gateway = gatewayCheck(machine) ?? checks[0];
    if (machine.state === "started" && gateway?.status === "passing") return true;
    if (Date.now() + GATEWAY_POLL_MS > deadline) {
      throw flyAgentsError(
        "model_not_applied",
        `OpenClaw's gateway on machine ${machineId} did not start listening in time` +
          `${gateway?.output ? ` (check: ${clipAtWhitespace(gateway.output, 200)})` : ""}. ` +
          "Check that OPENCLAW_GATEWAY_TOKEN is set and that the image does not force --dev.",
      );
    }
    await sleep(GATEWAY_POLL_MS);
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
    const result = await fly.execMachine(machineId, openclawCommand(...args), { idempotent: true });
    if (!gatewayNotReady(result) || Date.now() + EXEC_RETRY_MS > retryUntil) return result;
    await sleep(EXEC_RETRY_MS);
  }
}

/** The Telegram pairing codes OpenClaw holds as pending (`pairing list telegram`). */
export async function pendingPairingCodes(fly: FlyClient, machineId: string): Promise<string[]> {
  const result = await runOpenclaw(fly, machineId, ["pairing", "list", "telegram"], Date.now());
  if (result.exit_code !== 0) {
    throw flyAgentsError("fly_api", `\`pairing list\` failed on machine ${machineId} (${quoteOutput(result)}).`);
  }
  return result.stdout
    .split("\n")
    .map((line) => line.trim().split(/\s+/)[0] ?? "")
    .filter((code) => code !== "");
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
