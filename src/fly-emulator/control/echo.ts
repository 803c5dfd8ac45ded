/**
 * The `echoInErrors` knob (opt-in, for leak tests): error replies quote the request and the env of the Machine it
 * names, and failing OpenClaw commands print their env, so a test can prove no secret reaches a caller in clear.
 */
import type { ExecResponseJson } from "../fly/jsonTypes.js";
import type { Reply } from "../http/router.js";
import type { World } from "../world/world.js";

/** What an echoing reply may quote about its request. */
export interface EchoSource {
  operationId: string | null;
  /** Decoded path parameters (`machine_id`, `volume_id`, …), when the route matched. */
  params: Record<string, string>;
  authorization: string | undefined;
  rawBody: string | null;
}

/**
 * The `echoInErrors` knob (opt-in): Fly's error answers quote what Fly holds about the request,
 * and OpenClaw's failing commands print their environment. Neither is documented either way;
 * the knob lets a test prove that no secret a Machine holds reaches a caller in clear.
 *
 * An error reply (4xx, 5xx, faults included) gets the request's token, its body and the env of
 * the Machine it names (or of the Machine a named volume is attached to) appended to its
 * `error` or `message`; an exec answer with a non-zero exit code gets the Machine's env on stderr.
 */
export function echoReply(reply: Reply, world: World, source: EchoSource): Reply {
  const env = machineEnv(world, source.params);
  if (source.operationId === "Machines_exec" && reply.status === 200 && isFailedExec(reply.body)) {
    return { ...reply, body: { ...reply.body, stderr: `${reply.body.stderr}environment: ${env}\n` } };
  }
  if (reply.status < 400) return reply;
  const quote = `(echo: ${source.authorization ?? "no authorization"}; body ${source.rawBody ?? "none"}; env ${env})`;
  const body = reply.body;
  if (typeof body === "string") return { ...reply, body: `${body} ${quote}` };
  if (typeof body !== "object" || body === null) return { ...reply, body: { error: quote } };
  const fields = body as Record<string, unknown>;
  const key = typeof fields.error === "string" || typeof fields.message !== "string" ? "error" : "message";
  const text = typeof fields[key] === "string" ? `${fields[key] as string} ` : "";
  return { ...reply, body: { ...fields, [key]: `${text}${quote}` } };
}

function isFailedExec(body: unknown): body is ExecResponseJson {
  return typeof body === "object" && body !== null && "exit_code" in body && body.exit_code !== 0;
}

/** `KEY=value …` of the Machine the request names, or "none". */
function machineEnv(world: World, params: Record<string, string>): string {
  const volumeMachine = params.volume_id ? world.volumes.get(params.volume_id)?.attachedMachineId : undefined;
  const machineId = params.machine_id ?? volumeMachine ?? undefined;
  const env = machineId ? world.machines.get(machineId)?.config.env : undefined;
  if (!env) return "none";
  return Object.entries(env)
    .map(([name, value]) => `${name}=${value}`)
    .join(" ");
}
