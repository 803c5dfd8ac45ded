/**
 * Turns whatever a command threw into words for the page: a headline a person can act on,
 * and the backend's own explanation under it.
 */
import { ConvexError } from "convex/values";
import type { FlyAgentsErrorKind } from "@okrlinkhub/fly-agents";

export type ReadableError = { title: string; detail?: string };

/** A headline for each error kind the component raises (see the component's errors.ts). */
const TITLES: Record<FlyAgentsErrorKind, string> = {
  invalid_argument: "Some of the values are not valid",
  missing_secret: "A secret this needs is not stored",
  wrong_encryption_key: "The stored secrets were sealed with another key",
  secrets_changed: "The stored secrets changed while this was being approved: try again",
  not_found: "This agent no longer exists",
  agent_exists: "This user already has an agent",
  operation_in_progress: "Another operation is running on this agent",
  pairing_in_progress: "A pairing is already running on this agent",
  gateway_unhealthy: "The agent's gateway is not answering: restart the agent, then try again",
  pairing_rejected: "OpenClaw refused this pairing code",
  invalid_state: "The agent cannot do that in its current status",
  snapshot_unavailable: "There is no completed snapshot to restore from",
  fly_api: "Fly.io refused the request or could not be reached",
  model_not_applied: "The model could not be set on the agent",
  internal: "Something unexpected failed: try again, and report it if it keeps failing",
};

function isKnownKind(kind: unknown): kind is FlyAgentsErrorKind {
  return typeof kind === "string" && Object.hasOwn(TITLES, kind);
}

/**
 * The message inside a server error that is not a ConvexError. The client reports those as
 * "[CONVEX A(agents:sync)] [Request ID: …] Server Error\nUncaught Error: <message>\n    at …";
 * a production deployment hides the message and leaves "Server Error".
 */
function serverMessage(message: string): string {
  const uncaught = /Uncaught \w*Error: (.+)/.exec(message);
  if (uncaught) return uncaught[1].trim();
  const firstLine = message.split("\n")[0] ?? message;
  return firstLine.replace(/^(\[[^\]]*\]\s*)+/, "").trim() || message;
}

/** Words for `error`, whatever a command threw. */
export function readableError(error: unknown): ReadableError {
  if (error instanceof ConvexError) {
    const data: unknown = error.data;
    if (typeof data === "string") return { title: data };
    if (typeof data === "object" && data !== null) {
      const kind: unknown = "kind" in data ? data.kind : undefined;
      const message = "message" in data && typeof data.message === "string" ? data.message : undefined;
      if (isKnownKind(kind)) return { title: TITLES[kind], detail: message };
      if (message !== undefined) return { title: message };
    }
    return { title: JSON.stringify(data) };
  }
  return { title: serverMessage(error instanceof Error ? error.message : String(error)) };
}
