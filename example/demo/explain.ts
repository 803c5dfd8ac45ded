/**
 * Why some of the demo's Fly calls were answered with an error, in words. Most are Fly behaving as it does
 * (FLY_API_NOTES.md), not failures: the component expects them and carries on.
 */
import type { RequestLogEntry } from "@okrlinkhub/fly-agents/fly-emulator";

/** Fly's own error answers the component expects, by operationId and status ("*" for any operation). */
const EXPECTED: Array<{ operationId: string; status: number; why: string }> = [
  {
    operationId: "Volume_delete",
    status: 400,
    why:
      "Fly keeps a volume attached to its machine for a moment after the machine is destroyed (the detach lag) " +
      "and refuses to delete it until then (failed_precondition: volume is currently bound to machine); " +
      "the component waits and deletes it again",
  },
  {
    operationId: "*",
    status: 429,
    why: "Fly's rate limits (about 1 request a second per action and Machine, in bursts of 3); the component waits and retries",
  },
  {
    operationId: "Machines_wait",
    status: 408,
    why: "a wait's timeout ran out before the machine reached its state (Fly's waits last at most 60 s); the component waits again",
  },
  {
    operationId: "Machines_delete",
    status: 404,
    why: "the machine was already destroyed, which is what the component wanted",
  },
];

/**
 * One line per kind of error answer in `requests`: Fly's own answers with what they mean, and the failures
 * injected on purpose (`--faults`) counted apart.
 * @param requests the emulator's request log.
 */
export function explainErrors(requests: readonly RequestLogEntry[]): string[] {
  const failed = requests.filter((request) => request.status === null || request.status >= 400);
  const injected = failed.filter((request) => request.fault !== null);
  const groups = new Map<string, { count: number; why: string }>();
  for (const request of failed) {
    if (request.fault !== null) continue;
    const operationId = request.operationId ?? `${request.method} ${request.path}`;
    const status = request.status === null ? "no answer" : String(request.status);
    const expected = EXPECTED.find(
      (rule) => rule.status === request.status && (rule.operationId === "*" || rule.operationId === operationId),
    );
    const key = `${operationId} ${status}`;
    const group = groups.get(key) ?? {
      count: 0,
      why: expected?.why ?? "not one Fly is known to give here: read the agent's audit trail for the step that failed",
    };
    group.count++;
    groups.set(key, group);
  }
  const lines = [...groups].map(([key, { count, why }]) => `${key} ×${count}: ${why}.`);
  if (injected.length > 0) {
    lines.push(`${injected.length} failure(s) injected on purpose by --faults; the component recovered from each.`);
  }
  return lines;
}
