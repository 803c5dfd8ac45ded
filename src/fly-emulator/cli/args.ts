/**
 * The `fly-emulator` command line: one table of flags, each naming the emulator option it sets. The parser
 * and `--help` are both built from that table, so a knob with a flag is always in the help; and
 * {@link OPTION_KNOBS} lists every option of {@link FlyEmulatorOptions}, so the test that checks each has a
 * flag fails when an option is added without one.
 */
import { openClawImageSchema } from "../image/imageJson.js";
import type { OpenClawImage } from "../image/catalog.js";
import type { FlyBehaviours } from "../control/behaviours.js";
import { resolveOptions, type FlyEmulatorOptions, type RandomFaultKind, type RateLimitRule } from "../options.js";

/** The parsed command line: either a request for help, or emulator options. */
export type CliOptions = { help: true } | { help: false; options: FlyEmulatorOptions };

/** A command-line mistake, with a message for the user. */
export class CliUsageError extends Error {}

/** What the flags of one command line set, before {@link parseCliArgs} assembles the options. */
interface Draft {
  options: FlyEmulatorOptions;
  apps: string[];
  rateLimits?: boolean;
  retryAfter: boolean;
  defaultRule?: RateLimitRule;
  operationRules: Record<string, RateLimitRule>;
  faultRate?: number;
  faultKinds?: RandomFaultKind[];
  faultOperations?: string[];
}

type Group = "Server" | "Timings" | "Behaviours" | "Rate limits" | "Faults" | "Other";

/** One flag of `fly-emulator`. */
export interface CliFlag {
  /** The flag, e.g. "--boot-ms". */
  name: string;
  /** Its value's placeholder in --help (e.g. "N"); absent for a switch. */
  value?: string;
  /** The emulator option it sets. */
  sets: keyof FlyEmulatorOptions;
  group: Group;
  /** What it does, for --help. */
  help: string;
  /** Applies the flag (with its value, for a flag that takes one). */
  apply: (draft: Draft, value: string) => void;
}

/**
 * Every option of {@link FlyEmulatorOptions}: `satisfies` makes this list complete, and the CLI test checks
 * that each has a flag.
 */
export const OPTION_KNOBS = Object.keys({
  port: true,
  token: true,
  apps: true,
  defaultRegion: true,
  timeScale: true,
  bootTimeMs: true,
  gatewayStartupMs: true,
  snapshotTimeMs: true,
  restoreTimeMs: true,
  volumeCreateMs: true,
  stopTimeMs: true,
  detachLagMs: true,
  pairingTimeMs: true,
  destroyedRetentionMs: true,
  visibilityLagMs: true,
  execDeadlineMs: true,
  rateLimits: true,
  randomFaults: true,
  recordBodies: true,
  echoInErrors: true,
  seed: true,
  leaseOwner: true,
  images: true,
  failBoots: true,
  resetModelAtBoot: true,
  fullVolumeHosts: true,
  regionsOutOfCapacity: true,
  refusalWindows: true,
} satisfies Record<keyof FlyEmulatorOptions, true>) as Array<keyof FlyEmulatorOptions>;

export const RANDOM_FAULT_KINDS: readonly RandomFaultKind[] = ["500", "502", "503", "429", "408", "drop"];

type DurationOption = Exclude<
  {
    [K in keyof FlyEmulatorOptions]-?: FlyEmulatorOptions[K] extends number | undefined ? K : never;
  }[keyof FlyEmulatorOptions],
  keyof FlyBehaviours
>;

const durationFlag = (name: string, sets: DurationOption, help: string): CliFlag => ({
  name,
  value: "MS",
  sets,
  group: "Timings",
  help: `${help} (default ${String(DEFAULTS[sets])})`,
  apply: (draft, value) => {
    draft.options[sets] = nonNegative(name, value);
  },
});

const DEFAULTS = resolveOptions({ seed: 0 });

/** Every flag, in the order --help lists them. */
export const CLI_FLAGS: readonly CliFlag[] = [
  {
    name: "--port",
    value: "N",
    sets: "port",
    group: "Server",
    help: "port on 127.0.0.1 (default 0: any free port)",
    apply: (draft, value) => {
      draft.options.port = integer("--port", value, 0, 65535);
    },
  },
  {
    name: "--token",
    value: "TOKEN",
    sets: "token",
    group: "Server",
    help: "the API token clients must send (default: a random one, printed)",
    apply: (draft, value) => {
      draft.options.token = nonEmpty("--token", value);
    },
  },
  {
    name: "--app",
    value: "NAME",
    sets: "apps",
    group: "Server",
    help: `a Fly app that exists; repeat for more (default ${DEFAULTS.apps.join(",")})`,
    apply: (draft, value) => void draft.apps.push(nonEmpty("--app", value)),
  },
  {
    name: "--region",
    value: "REGION",
    sets: "defaultRegion",
    group: "Server",
    help: `region of Machines and volumes created without one (default ${DEFAULTS.defaultRegion})`,
    apply: (draft, value) => {
      draft.options.defaultRegion = nonEmpty("--region", value);
    },
  },
  {
    name: "--record-bodies",
    sets: "recordBodies",
    group: "Server",
    help: "keep request and response bodies in the request log",
    apply: (draft) => {
      draft.options.recordBodies = true;
    },
  },
  {
    name: "--echo-in-errors",
    sets: "echoInErrors",
    group: "Faults",
    help: "error answers quote the request and the named Machine's env; failing commands print it (leak tests)",
    apply: (draft) => {
      draft.options.echoInErrors = true;
    },
  },
  {
    name: "--time-scale",
    value: "X",
    sets: "timeScale",
    group: "Timings",
    help: `multiply every duration, wait timeout, lease TTL and rate-limit refill by X (default ${DEFAULTS.timeScale})`,
    apply: (draft, value) => {
      draft.options.timeScale = positive("--time-scale", value);
    },
  },
  durationFlag("--boot-ms", "bootTimeMs", "a Machine goes created → started in"),
  durationFlag("--gateway-ms", "gatewayStartupMs", "OpenClaw's gateway listens this long after start"),
  durationFlag("--snapshot-ms", "snapshotTimeMs", "a snapshot goes waiting → created in"),
  durationFlag("--restore-ms", "restoreTimeMs", "a volume restored from a snapshot stays `restoring`"),
  durationFlag("--volume-create-ms", "volumeCreateMs", "a new volume stays `creating`"),
  durationFlag("--stop-ms", "stopTimeMs", "stopping, suspending and restarting take"),
  durationFlag("--detach-lag-ms", "detachLagMs", "a destroyed Machine's volume stays attached"),
  durationFlag("--pairing-ms", "pairingTimeMs", "one `pairing approve` command takes"),
  durationFlag("--destroyed-retention-ms", "destroyedRetentionMs", "a destroyed Machine stays fetchable"),
  durationFlag("--exec-deadline-ms", "execDeadlineMs", "exec answers 408 deadline_exceeded after"),
  {
    name: "--visibility-lag-ms",
    value: "MS",
    sets: "visibilityLagMs",
    group: "Behaviours",
    help: "read-after-create lag: a new Machine or volume answers 404 to get (and wait) this long",
    apply: (draft, value) => {
      draft.options.visibilityLagMs = nonNegative("--visibility-lag-ms", value);
    },
  },
  {
    name: "--fail-boots",
    sets: "failBoots",
    group: "Behaviours",
    help: "Machines settle in `failed` at boot (the process aborts; the restart policy gives up)",
    apply: (draft) => {
      draft.options.failBoots = true;
    },
  },
  {
    name: "--reset-model-at-boot",
    sets: "resetModelAtBoot",
    group: "Behaviours",
    help: "the image resets OpenClaw's default model to its built-in one at every boot",
    apply: (draft) => {
      draft.options.resetModelAtBoot = true;
    },
  },
  {
    name: "--full-volume-hosts",
    value: "N",
    sets: "fullVolumeHosts",
    group: "Behaviours",
    help: "the next N volumes land on a full host: a Machine created on one answers 412 volume_placement_capacity",
    apply: (draft, value) => {
      draft.options.fullVolumeHosts = integer("--full-volume-hosts", value, 0, 1_000_000);
    },
  },
  {
    name: "--regions-out-of-capacity",
    value: "LIST",
    sets: "regionsOutOfCapacity",
    group: "Behaviours",
    help: "comma-separated regions where volume and Machine creates are refused for capacity",
    apply: (draft, value) => {
      draft.options.regionsOutOfCapacity = list("--regions-out-of-capacity", value);
    },
  },
  {
    name: "--refusal-window",
    value: "OPERATION=MS",
    sets: "refusalWindows",
    group: "Behaviours",
    help: "429 with Retry-After for MS from the first such call, per id, e.g. Machines_create=4000; repeatable",
    apply: (draft, value) => {
      const eq = value.indexOf("=");
      if (eq <= 0)
        throw new CliUsageError(`--refusal-window needs OPERATION=MS, e.g. Machines_create=4000; got "${value}"`);
      draft.options.refusalWindows = {
        ...draft.options.refusalWindows,
        [value.slice(0, eq)]: nonNegative("--refusal-window", value.slice(eq + 1)),
      };
    },
  },
  {
    name: "--rate-limits",
    sets: "rateLimits",
    group: "Rate limits",
    help: "enforce Fly's rate limits: 1 req/s burst 3 per action and id, Get Machine 5 req/s burst 10",
    apply: (draft) => {
      draft.rateLimits = true;
    },
  },
  {
    name: "--no-rate-limits",
    sets: "rateLimits",
    group: "Rate limits",
    help: "do not enforce them (the default)",
    apply: (draft) => {
      draft.rateLimits = false;
    },
  },
  {
    name: "--rate-limit-default",
    value: "PER_S,BURST",
    sets: "rateLimits",
    group: "Rate limits",
    help: "the rule of every call without its own (implies --rate-limits)",
    apply: (draft, value) => {
      draft.defaultRule = rateRule("--rate-limit-default", value);
    },
  },
  {
    name: "--rate-limit",
    value: "OPERATION=PER_S,BURST",
    sets: "rateLimits",
    group: "Rate limits",
    help: "the rule of one operationId, e.g. Machines_show=5,10; repeatable (implies --rate-limits)",
    apply: (draft, value) => {
      const eq = value.indexOf("=");
      if (eq <= 0) throw new CliUsageError(`--rate-limit needs OPERATION=PER_S,BURST, got "${value}"`);
      draft.operationRules[value.slice(0, eq)] = rateRule("--rate-limit", value.slice(eq + 1));
    },
  },
  {
    name: "--retry-after",
    sets: "rateLimits",
    group: "Rate limits",
    help: "send Retry-After with 429s, which Fly does not document (implies --rate-limits)",
    apply: (draft) => {
      draft.retryAfter = true;
    },
  },
  {
    name: "--fault-rate",
    value: "R",
    sets: "randomFaults",
    group: "Faults",
    help: "fail a fraction R (0..1) of API requests at random, reproducibly from --seed",
    apply: (draft, value) => {
      draft.faultRate = probability("--fault-rate", value);
    },
  },
  {
    name: "--fault-kinds",
    value: "LIST",
    sets: "randomFaults",
    group: "Faults",
    help: `comma-separated kinds of random fault: ${RANDOM_FAULT_KINDS.join(",")} (default all)`,
    apply: (draft, value) => {
      draft.faultKinds = list("--fault-kinds", value).map(faultKind);
    },
  },
  {
    name: "--fault-operations",
    value: "LIST",
    sets: "randomFaults",
    group: "Faults",
    help: "comma-separated operationIds random faults may hit (default all)",
    apply: (draft, value) => {
      draft.faultOperations = list("--fault-operations", value);
    },
  },
  {
    name: "--seed",
    value: "N",
    sets: "seed",
    group: "Other",
    help: "seed for generated ids and random faults (default random)",
    apply: (draft, value) => {
      draft.options.seed = integer("--seed", value, 0, 2 ** 32 - 1);
    },
  },
  {
    name: "--lease-owner",
    value: "NAME",
    sets: "leaseOwner",
    group: "Other",
    help: `the owner leases show (default ${DEFAULTS.leaseOwner})`,
    apply: (draft, value) => {
      draft.options.leaseOwner = nonEmpty("--lease-owner", value);
    },
  },
  {
    name: "--image",
    value: "REF=JSON",
    sets: "images",
    group: "Other",
    help: 'how an OpenClaw image behaves, e.g. \'ghcr.io/openclaw/openclaw:2026.2.0={"stateFormat":2,"neverHealthy":true}\' (repeatable)',
    apply: (draft, value) => {
      const [ref, image] = parseImageFlag(value);
      draft.options.images = { ...draft.options.images, [ref]: image };
    },
  },
];

/** `REF=JSON` of `--image`: an image reference and its behaviour (images.ts). */
function parseImageFlag(text: string): [string, OpenClawImage] {
  const at = text.indexOf("=");
  let parsed: unknown;
  try {
    parsed = at > 0 ? JSON.parse(text.slice(at + 1)) : undefined;
  } catch {
    parsed = undefined;
  }
  const result = openClawImageSchema.omit({ ref: true }).safeParse(parsed);
  if (!result.success) {
    throw new CliUsageError(
      `--image takes REF=JSON with version, stateFormat, neverHealthy or digest, e.g. 'ghcr.io/openclaw/openclaw:2026.2.0={"stateFormat":2}'; got ${JSON.stringify(text)}`,
    );
  }
  return [text.slice(0, at), result.data];
}

const GROUP_TITLES: Record<Group, string> = {
  Server: "Server",
  Timings: "Timings, in emulated milliseconds",
  Behaviours: "Unkind behaviours of Fly and the image, all off by default (also PATCH /__emulator/behaviours)",
  "Rate limits": "Fly's rate limits",
  Faults: "Random faults",
  Other: "Other",
};

/** `fly-emulator --help`, generated from {@link CLI_FLAGS}. */
export const CLI_USAGE = renderUsage();

function renderUsage(): string {
  const labels = CLI_FLAGS.map((flag) => (flag.value ? `${flag.name} ${flag.value}` : flag.name));
  const width = Math.max(...labels.map((label) => label.length), "-h, --help".length) + 2;
  const lines = [
    "Usage: fly-emulator [options]",
    "",
    "Starts a local Fly Machines API emulator on 127.0.0.1 and prints the env lines that point an app at it",
    "(FLY_API_BASE_URL, FLY_API_TOKEN, FLY_APP_NAME). Flags take `--flag value` or `--flag=value`.",
  ];
  for (const group of Object.keys(GROUP_TITLES) as Group[]) {
    lines.push("", `${GROUP_TITLES[group]}:`);
    CLI_FLAGS.forEach((flag, index) => {
      if (flag.group === group) lines.push(`  ${labels[index].padEnd(width)}${flag.help}`);
    });
  }
  lines.push("", `  ${"-h, --help".padEnd(width)}show this help`, "");
  return lines.join("\n");
}

const FLAGS_BY_NAME = new Map(CLI_FLAGS.map((flag) => [flag.name, flag]));

/**
 * Parses `fly-emulator` arguments (`--flag value` or `--flag=value`).
 * @param argv the arguments after the program name.
 * @returns `{ help: true }` for -h/--help, else the emulator options the flags set.
 * @throws CliUsageError for an unknown flag, a missing or malformed value, or flags that contradict.
 */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  const draft: Draft = { options: {}, apps: [], retryAfter: false, operationRules: {} };
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = splitFlag(argv[i]);
    if (name === "-h" || name === "--help") return { help: true };
    const flag = FLAGS_BY_NAME.get(name);
    if (!flag) throw new CliUsageError(`unknown option ${name}`);
    if (flag.value === undefined) {
      if (inline !== undefined) throw new CliUsageError(`${name} takes no value`);
      flag.apply(draft, "");
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith("--")) throw new CliUsageError(`${name} needs a value`);
      value = next;
      i += 1;
    }
    flag.apply(draft, value);
  }
  return { help: false, options: assemble(draft) };
}

function assemble(draft: Draft): FlyEmulatorOptions {
  const options = draft.options;
  if (draft.apps.length > 0) options.apps = draft.apps;
  const customRules = draft.defaultRule !== undefined || Object.keys(draft.operationRules).length > 0;
  if ((draft.retryAfter || customRules) && draft.rateLimits === false) {
    throw new CliUsageError(
      "--retry-after, --rate-limit and --rate-limit-default need rate limits; drop --no-rate-limits",
    );
  }
  if (draft.retryAfter || customRules) {
    options.rateLimits = {
      ...(draft.retryAfter ? { retryAfterHeader: true } : {}),
      ...(draft.defaultRule ? { default: draft.defaultRule } : {}),
      ...(Object.keys(draft.operationRules).length > 0 ? { perOperation: draft.operationRules } : {}),
    };
  } else if (draft.rateLimits !== undefined) options.rateLimits = draft.rateLimits;
  if ((draft.faultKinds || draft.faultOperations) && draft.faultRate === undefined) {
    throw new CliUsageError("--fault-kinds and --fault-operations need --fault-rate");
  }
  if (draft.faultRate !== undefined) {
    options.randomFaults = {
      seed: options.seed ?? 1,
      rate: draft.faultRate,
      ...(draft.faultKinds ? { kinds: draft.faultKinds } : {}),
      ...(draft.faultOperations ? { operationIds: draft.faultOperations } : {}),
    };
  }
  return options;
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

function rateRule(flag: string, text: string): RateLimitRule {
  const [perSecond, burst, extra] = text.split(",");
  if (burst === undefined || extra !== undefined)
    throw new CliUsageError(`${flag} needs PER_S,BURST (e.g. 1,3), got "${text}"`);
  return { perSecond: positive(flag, perSecond), burst: integer(flag, burst, 1, 1_000_000) };
}

function list(flag: string, text: string): string[] {
  const items = text
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) throw new CliUsageError(`${flag} needs at least one item`);
  return items;
}

function faultKind(kind: string): RandomFaultKind {
  const known = RANDOM_FAULT_KINDS.find((candidate) => candidate === kind);
  if (!known) throw new CliUsageError(`--fault-kinds: "${kind}" is not one of ${RANDOM_FAULT_KINDS.join(", ")}`);
  return known;
}
