/**
 * Fly's documented rate limits as token buckets, one per action (operationId) and identifier (the Machine id, else
 * the app), refilled on the emulator's clock. Off unless the `rateLimits` option turns them on.
 */
import type { RateLimitOptions, RateLimitRule } from "../options.js";
import type { Clock } from "../world/clock.js";

/** A rate-limit decision: allowed, or refused with the real seconds until a token is back. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Fly's limits: a token bucket per action (operationId) and per identifier (the Machine id, or the app).
 * Refill follows the emulator's time scale, so a sped-up emulator is also rate-limited proportionally.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limits: Required<RateLimitOptions>,
    private readonly clock: Clock,
  ) {}

  /** Takes one token from the bucket of (`operationId`, `identifier`). */
  take(operationId: string, identifier: string): RateDecision {
    const rule: RateLimitRule = this.limits.perOperation[operationId] ?? this.limits.default;
    const key = `${operationId}\u0000${identifier}`;
    const now = this.clock.now();
    const refillPerMs = rule.perSecond / this.clock.scaled(1000);
    const bucket = this.buckets.get(key) ?? { tokens: rule.burst, updatedAt: now };
    bucket.tokens = Math.min(rule.burst, bucket.tokens + (now - bucket.updatedAt) * refillPerMs);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    const waitMs = (1 - bucket.tokens) / refillPerMs;
    return { allowed: false, retryAfterSeconds: waitMs / 1000 };
  }

  /** Whether 429s carry `Retry-After`. */
  get retryAfterHeader(): boolean {
    return this.limits.retryAfterHeader;
  }
}
