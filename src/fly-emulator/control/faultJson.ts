import { z } from "zod";
import type { FaultRule } from "./faultRules.js";

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
export const faultRuleJsonSchema = z.object({
  method: z.string().optional(),
  path: z.string().optional(),
  pathRegExp: z.string().optional(),
  pathFlags: z.string().optional(),
  operationId: z.string().optional(),
  bodyIncludes: z.string().optional(),
  nth: z.int().min(1).optional(),
  times: z.int().min(1).optional(),
  when: z.enum(["before", "after"]).optional(),
  action: actionSchema,
});

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
