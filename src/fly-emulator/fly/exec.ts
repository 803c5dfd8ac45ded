/**
 * Fly's exec endpoint: runs a command in a started Machine, which here means the simulated OpenClaw CLI or the port
 * probe that waits for its gateway (`image/shell.ts` says which forms are recognised), within a deadline.
 */
import { z } from "zod";
import type { OpenClawRuntime } from "../image/openClawRuntime.js";
import { parseExecCommand, splitCommandLine } from "../image/shell.js";
import type { Clock } from "../world/clock.js";
import type { MachineRecord } from "../world/model.js";
import { failedPrecondition, errorReply, invalidArgument } from "./errorReplies.js";
import { parseInput } from "./input.js";
import type { ExecResponseJson } from "./jsonTypes.js";
import { requireLeaseHolder } from "./leases.js";

const execSchema = z.looseObject({
  command: z.array(z.string()).optional(),
  cmd: z.string().optional(),
  timeout: z.int().min(0).optional(),
  stdin: z.string().optional(),
});
const COMMAND_NOT_FOUND: ExecResponseJson = { exit_code: 127, stdout: "", stderr: "sh: command not found\n" };
/** How often the port probe inside the Machine tries to connect (emulated ms). */
export const PORT_PROBE_INTERVAL_MS = 100;
/** The exit code of a port probe that gave up. */
const PROBE_GAVE_UP = 75;

/**
 * POST …/{id}/exec: runs the simulated OpenClaw CLI (and the port probe that waits for it, see `image/shell.ts`). A
 * failing command still answers 200 (check `exit_code`); a Machine that is not started refuses with 400; a
 * command outliving the deadline answers 408 `deadline_exceeded` and keeps running, as on Fly.
 */
export async function execInMachine(
  machine: MachineRecord,
  body: unknown,
  deps: { clock: Clock; execDeadlineMs: number; nonce: string | undefined },
): Promise<ExecResponseJson> {
  requireLeaseHolder(machine, deps.nonce, deps.clock.now());
  const request = parseInput(execSchema, body, "body");
  const command = request.command ?? (request.cmd !== undefined ? splitCommandLine(request.cmd) : []);
  if (command.length === 0) throw invalidArgument("command is required (an array of strings)");
  const runtime = machine.runtime;
  if (machine.state !== "started" || !runtime) throw failedPrecondition("machine is not started");
  const parsed = parseExecCommand(command);
  if (parsed.kind === "unknown") return { ...COMMAND_NOT_FOUND };
  const deadlineMs = request.timeout ? Math.min(deps.execDeadlineMs, request.timeout * 1000) : deps.execDeadlineMs;
  const deadline = new AbortController();
  const timedOut = deps.clock.sleep(deadlineMs, deadline.signal).then((elapsed) => (elapsed ? null : undefined));
  const work =
    parsed.kind === "waitForPort" ? waitForPortThenRun(runtime, parsed, deps.clock) : runtime.run(parsed.args);
  const result = await Promise.race([work, timedOut]);
  deadline.abort();
  if (result === null) throw errorReply(408, `deadline_exceeded: command did not finish within ${deadlineMs / 1000}s`);
  if (result === undefined) throw errorReply(503, "unavailable: the emulator is shutting down");
  return result;
}

/** The port probe loop: tries every PORT_PROBE_INTERVAL_MS until the port accepts or `withinS` runs out. */
async function waitForPortThenRun(
  runtime: OpenClawRuntime,
  command: { withinS: number; port: number; args: string[] },
  clock: Clock,
): Promise<ExecResponseJson> {
  const giveUpAt = clock.now() + clock.scaled(command.withinS * 1000);
  while (!runtime.accepts(command.port)) {
    if (clock.now() >= giveUpAt) {
      return { exit_code: PROBE_GAVE_UP, stdout: "", stderr: `nothing listens on port ${command.port}\n` };
    }
    const slept = await clock.sleep(PORT_PROBE_INTERVAL_MS, runtime.stoppedSignal);
    if (!slept) return { exit_code: 137, stdout: "", stderr: "Killed: the machine is stopping\n" };
  }
  return await runtime.run(command.args);
}
