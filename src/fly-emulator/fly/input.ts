/**
 * What requests send, checked before any handler acts on it: bodies parsed with zod (a mismatch answers 400
 * `invalid_argument: …`), query flags, Go durations, Unix signals, and the Machine config of a create or update.
 */
import { z } from "zod";
import { invalidArgument } from "./errorReplies.js";
import type { MachineConfigJson } from "./jsonTypes.js";

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

const mountSchema = z.looseObject({ volume: z.string().min(1), path: z.string().min(1) });
const checkSchema = z.looseObject({ grace_period: z.string().optional(), interval: z.string().optional() });
const serviceSchema = z.looseObject({
  autostop: z.union([z.boolean(), z.enum(["off", "stop", "suspend"])]).optional(),
});

/** fly.MachineConfig, checked where the emulator relies on a field; other fields pass through untouched. */
const configSchema = z.looseObject({
  image: z.string({ error: "is required" }).min(1, { error: "is required" }),
  env: stringMap.optional(),
  metadata: stringMap.optional(),
  mounts: z.array(mountSchema).optional(),
  checks: z.record(z.string(), checkSchema).optional(),
  services: z.array(serviceSchema).optional(),
});

/**
 * Validates a Machine config from a create or update request and returns the copy the emulator stores.
 * Booleans in `services[].autostop` become "off"/"stop", the spec's enum.
 */
export function parseMachineConfig(value: unknown): MachineConfigJson {
  if (value === undefined || value === null) throw invalidArgument("config is required (config.image at least)");
  const parsed = parseInput(configSchema, value, "config");
  if ((parsed.mounts?.length ?? 0) > 1) throw invalidArgument("config.mounts: a machine can mount at most one volume");
  for (const [name, check] of Object.entries(parsed.checks ?? {})) {
    for (const field of ["grace_period", "interval"] as const) {
      const duration = check[field];
      if (duration !== undefined && parseGoDuration(duration) === null) {
        throw invalidArgument(`config.checks.${name}.${field}: "${duration}" is not a duration like "15s"`);
      }
    }
  }
  const config: MachineConfigJson = structuredClone(parsed);
  if (parsed.services) {
    config.services = parsed.services.map((service) =>
      typeof service.autostop === "boolean" ? { ...service, autostop: service.autostop ? "stop" : "off" } : service,
    );
  }
  return config;
}

/** The volume a config mounts, if any. */
export function mountedVolumeId(config: MachineConfigJson): string | null {
  return config.mounts?.[0]?.volume ?? null;
}
