/**
 * Parses the `fly-emulator` command line against the flag table of `flags.ts` (`--flag value` or `--flag=value`),
 * checks the flags that only make sense together, and renders `--help` from the same table.
 */
import type { FlyEmulatorOptions } from "../options.js";
import type { Draft, Group } from "./flagKinds.js";
import { CLI_FLAGS } from "./flags.js";
import { CliUsageError } from "./values.js";

/** The parsed command line: either a request for help, or emulator options. */
export type CliOptions = { help: true } | { help: false; options: FlyEmulatorOptions };

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
