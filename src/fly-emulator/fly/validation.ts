import { z } from "zod";
import { invalidArgument } from "./errorReplies.js";

/** Parses a request body (or part of one) with a zod schema; a mismatch answers 400 `invalid_argument: …`. */
export function parseInput<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${what}.${issue.path.join(".")}` : what;
  throw invalidArgument(`${where}: ${issue?.message ?? "invalid"}`);
}

/** A boolean query parameter: present as `true`/`1` (or bare) means true. */
export function queryFlag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value !== null && (value === "" || value === "true" || value === "1");
}

/** Go-style durations ("500ms", "15s", "1m30s", "2h"); a bare number is seconds. */
export function parseGoDuration(text: string): number | null {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join("") !== text) return null;
  return parts.reduce((total, part) => total + Number(part[1]) * units[part[2]], 0);
}

/** Unix signals Fly accepts for stop and restart. */
export const SIGNALS = ["SIGHUP", "SIGINT", "SIGQUIT", "SIGKILL", "SIGUSR1", "SIGUSR2", "SIGTERM"] as const;

/** A string-to-string map (env, metadata). */
export const stringMap = z.record(z.string(), z.string());
