/**
 * The kinds of flag `flags.ts` builds its table from: what a flag is (its name, value, group and help, and the
 * option it sets), the draft the flags of one command line fill, and the factories for the common kinds: a
 * checked option value, a switch, and a value or switch that goes to the draft.
 */
import type { FlyEmulatorOptions, RandomFaultKind, RateLimitRule } from "../options.js";

/** What the flags of one command line set, before `parseCliArgs` assembles the options. */
export interface Draft {
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

export type Group = "Server" | "Timings" | "Behaviours" | "Rate limits" | "Faults" | "Other";

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

/** What a flag is, as `--help` shows it. */
export type FlagInfo<K extends keyof FlyEmulatorOptions> = Pick<CliFlag, "name" | "group" | "help"> & { sets: K };

/** A flag whose value, once `check` accepts it, is the option it sets. */
export function optionFlag<K extends keyof FlyEmulatorOptions>(
  flag: FlagInfo<K> & { value: string },
  check: (name: string, text: string) => FlyEmulatorOptions[K],
): CliFlag {
  return {
    ...flag,
    apply: (draft, text) => {
      draft.options[flag.sets] = check(flag.name, text);
    },
  };
}

type SwitchOption = {
  [K in keyof FlyEmulatorOptions]-?: FlyEmulatorOptions[K] extends boolean | undefined ? K : never;
}[keyof FlyEmulatorOptions];

/** A flag that takes no value and turns a boolean option on. */
export function switchFlag(flag: FlagInfo<SwitchOption>): CliFlag {
  return {
    ...flag,
    apply: (draft) => {
      draft.options[flag.sets] = true;
    },
  };
}

/** The draft's fields a flag's value goes to: the rate-limit and random-fault flags, assembled after parsing. */
type DraftField = "defaultRule" | "faultRate" | "faultKinds" | "faultOperations";

/** A flag whose value, once `check` accepts it, goes to a field of the draft. */
export function draftFlag<K extends DraftField>(
  flag: FlagInfo<keyof FlyEmulatorOptions> & { value: string },
  field: K,
  check: (name: string, text: string) => Draft[K],
): CliFlag {
  return {
    ...flag,
    apply: (draft, text) => {
      draft[field] = check(flag.name, text);
    },
  };
}

/** A flag that takes no value and sets fields of the draft. */
export function draftSwitch(
  flag: FlagInfo<keyof FlyEmulatorOptions>,
  set: Partial<Pick<Draft, "rateLimits" | "retryAfter">>,
): CliFlag {
  return { ...flag, apply: (draft) => void Object.assign(draft, set) };
}
