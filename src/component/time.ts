/** Waiting inside actions. */

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Exponential backoff with full jitter: attempt 1 waits up to `baseMs`, doubling up to `capMs`. */
export function backoffMs(attempt: number, baseMs: number, capMs: number): number {
  return Math.round(Math.random() * Math.min(capMs, baseMs * 2 ** (attempt - 1)));
}
