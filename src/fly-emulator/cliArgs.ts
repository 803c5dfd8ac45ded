import type { FlyEmulatorOptions, RandomFaultKind } from "./options.js";

/** The parsed command line: either a request for help, or emulator options. */
export type CliOptions = { help: true } | { help: false; options: FlyEmulatorOptions };

const RANDOM_FAULT_KINDS: readonly RandomFaultKind[] = ["500", "502", "503", "429", "408", "drop"];
const DURATION_FLAGS = {
  "--boot-ms": "bootTimeMs",
  "--gateway-ms": "gatewayStartupMs",
  "--snapshot-ms": "snapshotTimeMs",
  "--restore-ms": "restoreTimeMs",
  "--volume-create-ms": "volumeCreateMs",
  "--stop-ms": "stopTimeMs",
  "--detach-lag-ms": "detachLagMs",
  "--pairing-ms": "pairingTimeMs",
  "--destroyed-retention-ms": "destroyedRetentionMs",
  "--visibility-lag-ms": "visibilityLagMs",
  "--exec-deadline-ms": "execDeadlineMs",
} as const satisfies Record<string, keyof FlyEmulatorOptions>;

export const CLI_USAGE = `Usage: fly-emulator [options]

Starts a local Fly Machines API emulator on 127.0.0.1 and prints its URL and token.

  --port N                  port (default 0: any free port)
  --token TOKEN             API token (default: random)
  --app NAME                an app that exists; repeatable (default: fly-agents-test)
  --region REGION           default region (default: iad)
  --time-scale X            multiply every duration by X (default 1)
  --boot-ms N, --gateway-ms N, --snapshot-ms N, --restore-ms N, --volume-create-ms N, --stop-ms N,
  --detach-lag-ms N, --pairing-ms N, --destroyed-retention-ms N, --visibility-lag-ms N, --exec-deadline-ms N
                            timing knobs, in emulated milliseconds
  --rate-limits             enforce Fly's rate limits (--no-rate-limits: don't; the default)
  --retry-after             send Retry-After with 429s (implies --rate-limits)
  --seed N                  seed for ids and random faults
  --fault-rate R            fail a fraction R (0..1) of API requests at random
  --fault-kinds LIST        comma-separated kinds for random faults: ${RANDOM_FAULT_KINDS.join(",")}
  --record-bodies           keep request and response bodies in the request log
  -h, --help                show this help
`;

/** A command-line mistake, with a message for the user. */
export class CliUsageError extends Error {}

/**
 * Parses `fly-emulator` arguments (`--flag value` or `--flag=value`).
 * @param argv the arguments after the program name.
 */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  const options: FlyEmulatorOptions = {};
  const apps: string[] = [];
  let rateLimits: boolean | undefined;
  let retryAfter = false;
  let faultRate: number | undefined;
  let faultKinds: RandomFaultKind[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = splitFlag(argv[i]);
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) throw new CliUsageError(`${flag} needs a value`);
      i += 1;
      return next;
    };
    if (flag === "-h" || flag === "--help") return { help: true };
    else if (flag === "--port") options.port = integer(flag, value(), 0, 65535);
    else if (flag === "--token") options.token = nonEmpty(flag, value());
    else if (flag === "--app") apps.push(nonEmpty(flag, value()));
    else if (flag === "--region") options.defaultRegion = nonEmpty(flag, value());
    else if (flag === "--time-scale") options.timeScale = positive(flag, value());
    else if (flag in DURATION_FLAGS)
      options[DURATION_FLAGS[flag as keyof typeof DURATION_FLAGS]] = nonNegative(flag, value());
    else if (flag === "--rate-limits") rateLimits = true;
    else if (flag === "--no-rate-limits") rateLimits = false;
    else if (flag === "--retry-after") retryAfter = true;
    else if (flag === "--seed") options.seed = integer(flag, value(), 0, 2 ** 32 - 1);
    else if (flag === "--fault-rate") faultRate = probability(flag, value());
    else if (flag === "--fault-kinds") faultKinds = kinds(value());
    else if (flag === "--record-bodies") options.recordBodies = true;
    else throw new CliUsageError(`unknown option ${flag}`);
  }
  if (apps.length > 0) options.apps = apps;
  if (retryAfter && rateLimits === false)
    throw new CliUsageError("--retry-after needs rate limits; drop --no-rate-limits");
  if (retryAfter) options.rateLimits = { retryAfterHeader: true };
  else if (rateLimits !== undefined) options.rateLimits = rateLimits;
  if (faultKinds && faultRate === undefined) throw new CliUsageError("--fault-kinds needs --fault-rate");
  if (faultRate !== undefined)
    options.randomFaults = { seed: options.seed ?? 1, rate: faultRate, ...(faultKinds ? { kinds: faultKinds } : {}) };
  return { help: false, options };
}

function splitFlag(arg: string): [string, string | undefined] {
  const eq = arg.indexOf("=");
  return arg.startsWith("--") && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

function nonEmpty(flag: string, text: string): string {
  if (text.trim() === "") throw new CliUsageError(`${flag} needs a non-empty value`);
  return text;
}

function number(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) throw new CliUsageError(`${flag} needs a number, got "${text}"`);
  return value;
}

function integer(flag: string, text: string, min: number, max: number): number {
  const value = number(flag, text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new CliUsageError(`${flag} needs a whole number from ${min} to ${max}, got "${text}"`);
  return value;
}

function positive(flag: string, text: string): number {
  const value = number(flag, text);
  if (value <= 0) throw new CliUsageError(`${flag} needs a number greater than 0, got "${text}"`);
  return value;
}

function nonNegative(flag: string, text: string): number {
  const value = number(flag, text);
  if (value < 0) throw new CliUsageError(`${flag} needs 0 or more milliseconds, got "${text}"`);
  return value;
}

function probability(flag: string, text: string): number {
  const value = number(flag, text);
  if (value < 0 || value > 1) throw new CliUsageError(`${flag} needs a probability from 0 to 1, got "${text}"`);
  return value;
}

function kinds(text: string): RandomFaultKind[] {
  const list = text
    .split(",")
    .map((kind) => kind.trim())
    .filter(Boolean);
  if (list.length === 0) throw new CliUsageError("--fault-kinds needs at least one kind");
  return list.map((kind) => {
    const known = RANDOM_FAULT_KINDS.find((candidate) => candidate === kind);
    if (!known) throw new CliUsageError(`--fault-kinds: "${kind}" is not one of ${RANDOM_FAULT_KINDS.join(", ")}`);
    return known;
  });
}
