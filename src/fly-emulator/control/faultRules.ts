/**
 * Fault injection: rules that name API requests (by method, path, operationId, body, order) and make them fail
 * before or after Fly's work, be dropped, or wait; seeded random faults; and the JSON form rules travel in over
 * the driving API. The server asks `FaultInjector.select` about every API request.
 */
import { z } from "zod";
import type { RandomFaultKind, RandomFaultOptions } from "../options.js";
import { Random } from "../world/random.js";

/** What a fault does: answer with a status, drop the connection, or delay (real milliseconds, not scaled). */
export type FaultAction =
  { status: number; body?: unknown; headers?: Record<string, string> } | { drop: true } | { latencyMs: number };

/** A rule: which requests it hits and what it does to them. */
export interface FaultRule {
  method?: string;
  /** Matched against the path without the query: a string with `*` wildcards, or a RegExp. */
  path?: string | RegExp;
  /** An operationId from the OpenAPI document, e.g. "Machines_create". */
  operationId?: string;
  /** Only requests whose raw body contains this text, e.g. `"approve"` for one exec command among others. */
  bodyIncludes?: string;
  /** The nth matching request fires first (1-based); default 1. */
  nth?: number;
  /** How many consecutive matching requests fire from the nth; default 1. */
  times?: number;
  /** "before" (default): the request never reaches the API. "after": it is processed, then the reply is replaced or lost. */
  when?: "before" | "after";
  action: FaultAction;
}

/** A fault that fired, as listed by `faults.fired()`. */
export interface FiredFault {
  /** The rule id, or "random" for a seeded random fault. */
  ruleId: string;
  requestSeq: number;
  method: string;
  path: string;
  operationId: string | null;
  when: "before" | "after";
  action: FaultAction;
}

/** The test-facing fault API. */
export interface FaultsHandle {
  /** Adds a rule; returns its id. */
  add(rule: FaultRule): string;
  /** Removes one rule; returns whether it existed. */
  remove(id: string): boolean;
  /** Removes every rule (random faults stay as configured). */
  clear(): void;
  /** The rules in force. */
  list(): Array<FaultRule & { id: string }>;
  /** What fired so far, in order. */
  fired(): FiredFault[];
}

/** A request as faults see it. */
export interface FaultTarget {
  /** The raw request body, when the request has one. */
  body?: string;
  seq: number;
  method: string;
  path: string;
  operationId: string | null;
}

const ALL_KINDS: RandomFaultKind[] = ["500", "502", "503", "429", "408", "drop"];
const RANDOM_BODIES: Record<Exclude<RandomFaultKind, "drop">, string> = {
  "500": "internal: injected random fault",
  "502": "bad gateway: injected random fault",
  "503": "unavailable: injected random fault",
  "429": "rate limit exceeded",
  "408": "deadline_exceeded: injected random fault",
};

interface StoredRule extends FaultRule {
  id: string;
  seen: number;
}

/** Holds fault rules and decides, per request, which fire. */
export class FaultInjector implements FaultsHandle {
  private rules: StoredRule[] = [];
  private readonly log: FiredFault[] = [];
  private nextId = 1;
  private readonly random: Random | null;

  constructor(private readonly randomFaults: RandomFaultOptions | null) {
    this.random = randomFaults ? new Random(randomFaults.seed) : null;
  }

  add(rule: FaultRule): string {
    validateRule(rule);
    const id = `fault_${this.nextId++}`;
    this.rules.push({ ...rule, id, seen: 0 });
    return id;
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((rule) => rule.id !== id);
    return this.rules.length !== before;
  }

  clear(): void {
    this.rules = [];
  }

  list(): Array<FaultRule & { id: string }> {
    return this.rules.map(({ seen: _seen, ...rule }) => rule);
  }

  fired(): FiredFault[] {
    return [...this.log];
  }

  /**
   * Decides which faults hit this request (counting it toward every matching rule's `nth`) and records them.
   * Random faults apply to API requests only (`operationId` known).
   */
  select(target: FaultTarget): FiredFault[] {
    const hits: FiredFault[] = [];
    for (const rule of this.rules) {
      if (!ruleMatches(rule, target)) continue;
      rule.seen += 1;
      const first = rule.nth ?? 1;
      if (rule.seen >= first && rule.seen < first + (rule.times ?? 1)) {
        hits.push(firedFault(target, rule.id, rule.when ?? "before", rule.action));
      }
    }
    const random = this.drawRandom(target);
    if (random) hits.push(random);
    this.log.push(...hits);
    return hits;
  }

  private drawRandom(target: FaultTarget): FiredFault | null {
    const options = this.randomFaults;
    if (!options || !this.random || target.operationId === null) return null;
    if (options.operationIds && !options.operationIds.includes(target.operationId)) return null;
    if (this.random.next() >= options.rate) return null;
    const kind = this.random.pick(options.kinds && options.kinds.length > 0 ? options.kinds : ALL_KINDS);
    // 429 and 503 come from Fly's edge before any work; the others may strike after the work was done.
    const when = kind === "429" || kind === "503" || this.random.next() < 0.5 ? "before" : "after";
    const action: FaultAction =
      kind === "drop" ? { drop: true } : { status: Number(kind), body: { error: RANDOM_BODIES[kind] } };
    return firedFault(target, "random", when, action);
  }
}

function firedFault(target: FaultTarget, ruleId: string, when: "before" | "after", action: FaultAction): FiredFault {
  return {
    ruleId,
    requestSeq: target.seq,
    method: target.method,
    path: target.path,
    operationId: target.operationId,
    when,
    action,
  };
}

/** Whether a rule (of a fault, or of a hold) names this request. */
export function ruleMatches(
  rule: Pick<FaultRule, "method" | "path" | "operationId" | "bodyIncludes">,
  target: FaultTarget,
): boolean {
  if (rule.method && rule.method.toUpperCase() !== target.method) return false;
  if (rule.operationId && rule.operationId !== target.operationId) return false;
  if (rule.path !== undefined && !pathMatches(rule.path, target.path)) return false;
  if (rule.bodyIncludes !== undefined && !(target.body ?? "").includes(rule.bodyIncludes)) return false;
  return true;
}

function pathMatches(pattern: string | RegExp, path: string): boolean {
  if (pattern instanceof RegExp) return pattern.test(path);
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`).test(path);
}

function validateRule(rule: FaultRule): void {
  if ((rule.nth ?? 1) < 1 || !Number.isInteger(rule.nth ?? 1))
    throw new Error(`Invalid fault nth ${rule.nth}: pass a whole number from 1`);
  if ((rule.times ?? 1) < 1 || !Number.isInteger(rule.times ?? 1))
    throw new Error(`Invalid fault times ${rule.times}: pass a whole number from 1`);
  const action = rule.action;
  if ("status" in action && !(Number.isInteger(action.status) && action.status >= 100 && action.status <= 599)) {
    throw new Error(`Invalid fault status ${action.status}: pass an HTTP status from 100 to 599`);
  }
  if ("latencyMs" in action && !(action.latencyMs >= 0))
    throw new Error(`Invalid fault latencyMs ${action.latencyMs}: pass 0 or more`);
}

// ---- the JSON form, for the driving API ------------------------------------------------------------------

/** A fault rule as JSON: a RegExp `path` travels as `pathRegExp` (its source) and `pathFlags`. */
export type FaultRuleJson = Omit<FaultRule, "path"> & { path?: string; pathRegExp?: string; pathFlags?: string };

const actionSchema = z.union([
  z.object({
    status: z.int().min(100).max(599),
    body: z.unknown().optional(),
    headers: z.record(z.string(), z.string()).optional(),
  }),
  z.object({ drop: z.literal(true) }),
  z.object({ latencyMs: z.number().min(0) }),
]);

/** The JSON form of a fault rule (POST /__emulator/faults). */
export const faultRuleJsonSchema = z
  .object({
    method: z.string(),
    path: z.string(),
    pathRegExp: z.string(),
    pathFlags: z.string(),
    operationId: z.string(),
    bodyIncludes: z.string(),
    nth: z.int().min(1),
    times: z.int().min(1),
    when: z.enum(["before", "after"]),
  })
  .partial()
  .extend({ action: actionSchema });

/** Serialises a rule for the driving API. */
export function faultRuleToJson(rule: FaultRule): FaultRuleJson {
  const { path, ...rest } = rule;
  if (path instanceof RegExp) return { ...rest, pathRegExp: path.source, pathFlags: path.flags };
  return path === undefined ? rest : { ...rest, path };
}

/** Rebuilds a rule received over HTTP. */
export function faultRuleFromJson(json: z.infer<typeof faultRuleJsonSchema>): FaultRule {
  const { pathRegExp, pathFlags, path, ...rest } = json;
  if (pathRegExp !== undefined && path !== undefined) throw new Error("Pass either path or pathRegExp, not both");
  const rule: FaultRule = { ...rest };
  if (pathRegExp !== undefined) rule.path = new RegExp(pathRegExp, pathFlags);
  else if (path !== undefined) rule.path = path;
  return rule;
}
