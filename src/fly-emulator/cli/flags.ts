/**
 * The flags of `fly-emulator`: one table, each flag naming the emulator option it sets, from which `args.ts`
 * builds both the parser and `--help` (so a knob with a flag is always in the help); and {@link OPTION_KNOBS}
 * lists every option of {@link FlyEmulatorOptions}, so the test that checks each has a flag fails when an option
 * is added without one. The kinds of flag are in `flagKinds.ts`, the checks of their values in `values.ts`.
 */
import type { FlyBehaviours } from "../control/behaviours.js";
import { openClawImageSchema, type OpenClawImage } from "../image/catalog.js";
import { resolveOptions, type FlyEmulatorOptions, type RandomFaultKind } from "../options.js";
import { type CliFlag, draftFlag, draftSwitch, optionFlag, switchFlag } from "./flagKinds.js";
import {
  assignment,
  CliUsageError,
  integer,
  list,
  nonEmpty,
  nonNegative,
  positive,
  probability,
  rateRule,
} from "./values.js";

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

/** A timing in emulated milliseconds; its help ends with the default. */
function durationFlag(name: string, sets: DurationOption, help: string): CliFlag {
  const info = {
    name,
    value: "MS",
    sets,
    group: "Timings" as const,
    help: `${help} (default ${String(DEFAULTS[sets])})`,
  };
  return optionFlag(info, nonNegative);
}

const between = (min: number, max: number) => (name: string, text: string) => integer(name, text, min, max);

const DEFAULTS = resolveOptions({ seed: 0 });

/** Every flag, in the order --help lists them. */
export const CLI_FLAGS: readonly CliFlag[] = [
  optionFlag(
    { name: "--port", value: "N", sets: "port", group: "Server", help: "port on 127.0.0.1 (default 0: any free port)" },
    between(0, 65535),
  ),
  optionFlag(
    {
      name: "--token",
      value: "TOKEN",
      sets: "token",
      group: "Server",
      help: "the API token clients must send (default: a random one, printed)",
    },
    nonEmpty,
  ),
  {
    name: "--app",
    value: "NAME",
    sets: "apps",
    group: "Server",
    help: `a Fly app that exists; repeat for more (default ${DEFAULTS.apps.join(",")})`,
    apply: (draft, value) => void draft.apps.push(nonEmpty("--app", value)),
  },
  optionFlag(
    {
      name: "--region",
      value: "REGION",
      sets: "defaultRegion",
      group: "Server",
      help: `region of Machines and volumes created without one (default ${DEFAULTS.defaultRegion})`,
    },
    nonEmpty,
  ),
  switchFlag({
    name: "--record-bodies",
    sets: "recordBodies",
    group: "Server",
    help: "keep request and response bodies in the request log",
  }),
  switchFlag({
    name: "--echo-in-errors",
    sets: "echoInErrors",
    group: "Faults",
    help: "error answers quote the request and the named Machine's env; failing commands print it (leak tests)",
  }),
  optionFlag(
    {
      name: "--time-scale",
      value: "X",
      sets: "timeScale",
      group: "Timings",
      help: `multiply every duration, wait timeout, lease TTL and rate-limit refill by X (default ${DEFAULTS.timeScale})`,
    },
    positive,
  ),
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
  optionFlag(
    {
      name: "--visibility-lag-ms",
      value: "MS",
      sets: "visibilityLagMs",
      group: "Behaviours",
      help: "read-after-create lag: a new Machine or volume answers 404 to get (and wait) this long",
    },
    nonNegative,
  ),
  switchFlag({
    name: "--fail-boots",
    sets: "failBoots",
    group: "Behaviours",
    help: "Machines settle in `failed` at boot (the process aborts; the restart policy gives up)",
  }),
  switchFlag({
    name: "--reset-model-at-boot",
    sets: "resetModelAtBoot",
    group: "Behaviours",
    help: "the image resets OpenClaw's default model to its built-in one at every boot",
  }),
  optionFlag(
    {
      name: "--full-volume-hosts",
      value: "N",
      sets: "fullVolumeHosts",
      group: "Behaviours",
      help: "the next N volumes land on a full host: a Machine created on one answers 412 volume_placement_capacity",
    },
    between(0, 1_000_000),
  ),
  optionFlag(
    {
      name: "--regions-out-of-capacity",
      value: "LIST",
      sets: "regionsOutOfCapacity",
      group: "Behaviours",
      help: "comma-separated regions where volume and Machine creates are refused for capacity",
    },
    list,
  ),
  {
    name: "--refusal-window",
    value: "OPERATION=MS",
    sets: "refusalWindows",
    group: "Behaviours",
    help: "429 with Retry-After for MS from the first such call, per id, e.g. Machines_create=4000; repeatable",
    apply: (draft, value) => {
      const [operation, ms] = assignment(
        value,
        `--refusal-window needs OPERATION=MS, e.g. Machines_create=4000; got "${value}"`,
      );
      draft.options.refusalWindows = {
        ...draft.options.refusalWindows,
        [operation]: nonNegative("--refusal-window", ms),
      };
    },
  },
  draftSwitch(
    {
      name: "--rate-limits",
      sets: "rateLimits",
      group: "Rate limits",
      help: "enforce Fly's rate limits: 1 req/s burst 3 per action and id, Get Machine 5 req/s burst 10",
    },
    { rateLimits: true },
  ),
  draftSwitch(
    { name: "--no-rate-limits", sets: "rateLimits", group: "Rate limits", help: "do not enforce them (the default)" },
    { rateLimits: false },
  ),
  draftFlag(
    {
      name: "--rate-limit-default",
      value: "PER_S,BURST",
      sets: "rateLimits",
      group: "Rate limits",
      help: "the rule of every call without its own (implies --rate-limits)",
    },
    "defaultRule",
    rateRule,
  ),
  {
    name: "--rate-limit",
    value: "OPERATION=PER_S,BURST",
    sets: "rateLimits",
    group: "Rate limits",
    help: "the rule of one operationId, e.g. Machines_show=5,10; repeatable (implies --rate-limits)",
    apply: (draft, value) => {
      const [operation, rule] = assignment(value, `--rate-limit needs OPERATION=PER_S,BURST, got "${value}"`);
      draft.operationRules[operation] = rateRule("--rate-limit", rule);
    },
  },
  draftSwitch(
    {
      name: "--retry-after",
      sets: "rateLimits",
      group: "Rate limits",
      help: "send Retry-After with 429s, which Fly does not document (implies --rate-limits)",
    },
    { retryAfter: true },
  ),
  draftFlag(
    {
      name: "--fault-rate",
      value: "R",
      sets: "randomFaults",
      group: "Faults",
      help: "fail a fraction R (0..1) of API requests at random, reproducibly from --seed",
    },
    "faultRate",
    probability,
  ),
  draftFlag(
    {
      name: "--fault-kinds",
      value: "LIST",
      sets: "randomFaults",
      group: "Faults",
      help: `comma-separated kinds of random fault: ${RANDOM_FAULT_KINDS.join(",")} (default all)`,
    },
    "faultKinds",
    (name, text) => list(name, text).map(faultKind),
  ),
  draftFlag(
    {
      name: "--fault-operations",
      value: "LIST",
      sets: "randomFaults",
      group: "Faults",
      help: "comma-separated operationIds random faults may hit (default all)",
    },
    "faultOperations",
    list,
  ),
  optionFlag(
    {
      name: "--seed",
      value: "N",
      sets: "seed",
      group: "Other",
      help: "seed for generated ids and random faults (default random)",
    },
    between(0, 2 ** 32 - 1),
  ),
  optionFlag(
    {
      name: "--lease-owner",
      value: "NAME",
      sets: "leaseOwner",
      group: "Other",
      help: `the owner leases show (default ${DEFAULTS.leaseOwner})`,
    },
    nonEmpty,
  ),
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

/** `REF=JSON` of `--image`: an image reference and its behaviour (`image/catalog.ts`). */
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

function faultKind(kind: string): RandomFaultKind {
  const known = RANDOM_FAULT_KINDS.find((candidate) => candidate === kind);
  if (!known) throw new CliUsageError(`--fault-kinds: "${kind}" is not one of ${RANDOM_FAULT_KINDS.join(", ")}`);
  return known;
}
