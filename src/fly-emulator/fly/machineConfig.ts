import { z } from "zod";
import { invalidArgument } from "./errorReplies.js";
import type { FlyMachineConfig } from "./jsonTypes.js";
import { parseGoDuration, parseInput, stringMap } from "./validation.js";

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
export function parseMachineConfig(value: unknown): FlyMachineConfig {
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
  const config: FlyMachineConfig = structuredClone(parsed);
  if (parsed.services) {
    config.services = parsed.services.map((service) =>
      typeof service.autostop === "boolean" ? { ...service, autostop: service.autostop ? "stop" : "off" } : service,
    );
  }
  return config;
}

/** The volume a config mounts, if any. */
export function mountedVolumeId(config: FlyMachineConfig): string | null {
  return config.mounts?.[0]?.volume ?? null;
}
