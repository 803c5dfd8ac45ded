/**
 * The log of every Fly API request the emulator answered: what was asked, what was answered (and what the API
 * had answered before an "after" fault changed it), which fault fired, and, with `recordBodies`, the bodies.
 */
import type { FiredFault } from "./faultRules.js";

/** One API request as the emulator saw it. `status` is null when the connection was dropped. */
export interface RequestLogEntry {
  seq: number;
  method: string;
  path: string;
  query: string;
  operationId: string | null;
  status: number | null;
  /** The status the API produced before an "after" fault replaced or dropped the reply. */
  handledStatus: number | null;
  requestId: string;
  /** The first fault that changed the outcome, if any. */
  fault: FiredFault | null;
  /** ISO time the request arrived. */
  at: string;
  durationMs: number;
  /** With `recordBodies`: the parsed JSON request body (undefined when empty). */
  requestBody?: unknown;
  /** With `recordBodies`: the parsed JSON response body (undefined when empty, the raw text when not JSON). */
  responseBody?: unknown;
}

/** The log of every API request (the `/__emulator` driving API is not logged). */
export class RequestLog {
  private entries: RequestLogEntry[] = [];

  /** Appends an entry. */
  add(entry: RequestLogEntry): void {
    this.entries.push(entry);
  }

  /** Every entry, in arrival order (entries are added on completion, so a long poll lands late). */
  all(): RequestLogEntry[] {
    return [...this.entries].sort((a, b) => a.seq - b.seq);
  }

  /** How many requests each operationId received (faulted and rate-limited ones included). */
  callCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const entry of this.entries) {
      if (entry.operationId) counts[entry.operationId] = (counts[entry.operationId] ?? 0) + 1;
    }
    return counts;
  }

  /** Forgets every entry. */
  reset(): void {
    this.entries = [];
  }
}
