/**
 * The options of `startFlyEmulator` (every duration, the apps, rate limits, random faults, and the behaviours of
 * `control/behaviours.ts`), their defaults, and the checks that reject a nonsense value before anything starts.
 */
import { defaultBehaviours, type FlyBehaviours } from "./control/behaviours.js";
import type { OpenClawImage } from "./image/catalog.js";
import { randomSeed } from "./world/random.js";

/** A token bucket: `perSecond` requests per (emulated) second, up to `burst` at once. */
export interface RateLimitRule {
  perSecond: number;
  burst: number;
}

/** Fly's documented rate limits, switchable and adjustable. */
export interface RateLimitOptions {
  /** The rule for every action without its own; default 1 req/s, burst 3. */
  default?: RateLimitRule;
  /** Rules by operationId; `Machines_show` defaults to 5 req/s, burst 10. */
  perOperation?: Record<string, RateLimitRule>;
  /** Send `Retry-After` (whole seconds) with 429s. Fly does not document it, so default false. */
  retryAfterHeader?: boolean;
}

/** The kinds of failure random faults draw from. */
export type RandomFaultKind = "500" | "502" | "503" | "429" | "408" | "drop";

/** Seeded random faults: each API request fails with probability `rate`. */
export interface RandomFaultOptions {
  seed: number;
  /** 0..1. */
  rate: number;
  /** Default: all kinds. */
  kinds?: RandomFaultKind[];
  /** Restrict to these operationIds; default all. */
  operationIds?: string[];
}

/**
 * Options of {@link startFlyEmulator}. Durations are in emulated milliseconds, multiplied by `timeScale`.
 * The {@link FlyBehaviours} fields (all off by default) turn on Fly's and the image's unkind behaviours; they can
 * also be changed later through `emulator.behaviours`.
 */
export interface FlyEmulatorOptions extends Partial<FlyBehaviours> {
  /** Port on 127.0.0.1; default 0 (ephemeral). */
  port?: number;
  /** The API token; default a random one (read it back from the handle). */
  token?: string;
  /** Apps that exist; default `["fly-agents-test"]`. */
  apps?: string[];
  /** Region for Machines and volumes created without one; default "iad". */
  defaultRegion?: string;
  /** Multiplies every duration, including wait timeouts, lease TTLs and rate-limit refills; default 1. */
  timeScale?: number;
  /** created → started; default 100. */
  bootTimeMs?: number;
  /** started → the OpenClaw gateway listens; default 100. */
  gatewayStartupMs?: number;
  /** A snapshot goes waiting → running → created over this; default 150. */
  snapshotTimeMs?: number;
  /** A volume restored from a snapshot stays `restoring` this long; default 150. */
  restoreTimeMs?: number;
  /** A new volume stays `creating` this long; default 50. */
  volumeCreateMs?: number;
  /** stopping / suspending / restarting take this long; default 50. */
  stopTimeMs?: number;
  /** A destroyed Machine's volume stays attached this long; default 100. */
  detachLagMs?: number;
  /** One `pairing approve` command takes this long; default 100. */
  pairingTimeMs?: number;
  /** A destroyed Machine stays fetchable (state "destroyed") this long, then 404s; default 2000. */
  destroyedRetentionMs?: number;
  /** Exec answers 408 `deadline_exceeded` after this long (or the request's `timeout`, if shorter); default 30000. */
  execDeadlineMs?: number;
  /** `true` for Fly's documented limits, or adjusted limits; default false. */
  rateLimits?: boolean | RateLimitOptions;
  /** Seeded random faults; default none. */
  randomFaults?: RandomFaultOptions;
  /** Keep request and response bodies in the request log; default false. */
  recordBodies?: boolean;
  /**
   * Error answers quote the request's token and body and the env of the Machine it names, and
   * failing OpenClaw commands print their env (`control/echo.ts`): for tests proving no secret leaks; default false.
   */
  echoInErrors?: boolean;
  /** Seed for generated ids; default random. */
  seed?: number;
  /** The owner shown on leases; default "fly-emulator@example.com". */
  leaseOwner?: string;
  /** How OpenClaw image references behave at boot (version, state format, health, digest); see `image/catalog.ts`. */
  images?: Record<string, OpenClawImage>;
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  port: number;
  token: string | undefined;
  apps: string[];
  defaultRegion: string;
  timeScale: number;
  bootTimeMs: number;
  gatewayStartupMs: number;
  snapshotTimeMs: number;
  restoreTimeMs: number;
  volumeCreateMs: number;
  stopTimeMs: number;
  detachLagMs: number;
  pairingTimeMs: number;
  destroyedRetentionMs: number;
  execDeadlineMs: number;
  /** The behaviours the emulator starts with. */
  behaviours: FlyBehaviours;
  rateLimits: Required<RateLimitOptions> | null;
  randomFaults: RandomFaultOptions | null;
  recordBodies: boolean;
  echoInErrors: boolean;
  seed: number;
  leaseOwner: string;
  images: Record<string, OpenClawImage>;
}

export const DEFAULT_APP = "fly-agents-test";
const DEFAULT_RATE_RULE: RateLimitRule = { perSecond: 1, burst: 3 }; // Fly: 1 req/s, burst 3, per action and id
const MACHINES_SHOW_RULE: RateLimitRule = { perSecond: 5, burst: 10 }; // Fly: Get Machine 5 req/s, burst 10

/** Fills in defaults and rejects nonsense values with a message that says which option is wrong. */
export function resolveOptions(options: FlyEmulatorOptions = {}): ResolvedOptions {
  const timeScale = options.timeScale ?? 1;
  if (!(timeScale > 0) || !Number.isFinite(timeScale)) {
    throw new Error(`Invalid timeScale ${timeScale}: pass a finite number greater than 0 (1 = real time)`);
  }
  const durations = {
    bootTimeMs: options.bootTimeMs ?? 100,
    gatewayStartupMs: options.gatewayStartupMs ?? 100,
    snapshotTimeMs: options.snapshotTimeMs ?? 150,
    restoreTimeMs: options.restoreTimeMs ?? 150,
    volumeCreateMs: options.volumeCreateMs ?? 50,
    stopTimeMs: options.stopTimeMs ?? 50,
    detachLagMs: options.detachLagMs ?? 100,
    pairingTimeMs: options.pairingTimeMs ?? 100,
    destroyedRetentionMs: options.destroyedRetentionMs ?? 2000,
    execDeadlineMs: options.execDeadlineMs ?? 30_000,
  };
  for (const [name, value] of Object.entries(durations)) {
    if (!(value >= 0) || !Number.isFinite(value)) {
      throw new Error(`Invalid ${name} ${value}: pass a finite number of milliseconds, 0 or more`);
    }
  }
  if (options.token !== undefined && options.token.trim() === "") {
    throw new Error("Invalid token: pass a non-empty string, or leave it out for a random one");
  }
  const randomFaults = options.randomFaults ?? null;
  if (randomFaults && !(randomFaults.rate >= 0 && randomFaults.rate <= 1)) {
    throw new Error(`Invalid randomFaults.rate ${randomFaults.rate}: pass a probability between 0 and 1`);
  }
  return {
    port: options.port ?? 0,
    token: options.token,
    apps: options.apps ?? [DEFAULT_APP],
    defaultRegion: options.defaultRegion ?? "iad",
    timeScale,
    ...durations,
    behaviours: pickBehaviours(options),
    rateLimits: resolveRateLimits(options.rateLimits ?? false),
    randomFaults,
    recordBodies: options.recordBodies ?? false,
    echoInErrors: options.echoInErrors ?? false,
    seed: options.seed ?? randomSeed(),
    leaseOwner: options.leaseOwner ?? "fly-emulator@example.com",
    images: options.images ?? {},
  };
}

function resolveRateLimits(option: boolean | RateLimitOptions): Required<RateLimitOptions> | null {
  if (option === false) return null;
  const custom = option === true ? {} : option;
  return {
    default: custom.default ?? DEFAULT_RATE_RULE,
    perOperation: { Machines_show: MACHINES_SHOW_RULE, ...custom.perOperation },
    retryAfterHeader: custom.retryAfterHeader ?? false,
  };
}

function pickBehaviours(options: FlyEmulatorOptions): FlyBehaviours {
  const behaviours = defaultBehaviours();
  for (const key of Object.keys(behaviours) as Array<keyof FlyBehaviours>) {
    if (options[key] !== undefined) Object.assign(behaviours, { [key]: options[key] });
  }
  return behaviours;
}
