/**
 * The checks a flag's value goes through (a number, a whole number in range, a duration, a probability, a list,
 * a rate rule, `KEY=VALUE`), each throwing a {@link CliUsageError} that names the flag and what it needs.
 */
import type { RateLimitRule } from "../options.js";

/** A command-line mistake, with a message for the user. */
export class CliUsageError extends Error {}

export function nonEmpty(flag: string, text: string): string {
  if (text.trim() === "") throw new CliUsageError(`${flag} needs a non-empty value`);
  return text;
}

export function number(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) throw new CliUsageError(`${flag} needs a number, got "${text}"`);
  return value;
}

export function integer(flag: string, text: string, min: number, max: number): number {
  const value = number(flag, text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new CliUsageError(`${flag} needs a whole number from ${min} to ${max}, got "${text}"`);
  return value;
}

export function positive(flag: string, text: string): number {
  const value = number(flag, text);
  if (value <= 0) throw new CliUsageError(`${flag} needs a number greater than 0, got "${text}"`);
  return value;
}

export function nonNegative(flag: string, text: string): number {
  const value = number(flag, text);
  if (value < 0) throw new CliUsageError(`${flag} needs 0 or more milliseconds, got "${text}"`);
  return value;
}

export function probability(flag: string, text: string): number {
  const value = number(flag, text);
  if (value < 0 || value > 1) throw new CliUsageError(`${flag} needs a probability from 0 to 1, got "${text}"`);
  return value;
}

export function rateRule(flag: string, text: string): RateLimitRule {
  const [perSecond, burst, extra] = text.split(",");
  if (burst === undefined || extra !== undefined)
    throw new CliUsageError(`${flag} needs PER_S,BURST (e.g. 1,3), got "${text}"`);
  return { perSecond: positive(flag, perSecond), burst: integer(flag, burst, 1, 1_000_000) };
}

export function list(flag: string, text: string): string[] {
  const items = text
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) throw new CliUsageError(`${flag} needs at least one item`);
  return items;
}

/** `KEY=VALUE` split at its first `=`; `usage` is the error when there is no key. */
export function assignment(text: string, usage: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new CliUsageError(usage);
  return [text.slice(0, eq), text.slice(eq + 1)];
}
