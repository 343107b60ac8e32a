/**
 * @module api/rate-limit
 * Per-identity limits against abuse (issue 22): a token bucket per (caller, kind), `write` for
 * submissions and `heavy` for reads that scan or build proofs (api/access-policy.ts marks them).
 * The caller is its keyid when signed, else its remote address. Over the limit: RATE_LIMITED
 * (429) with the seconds to wait. The clock decides nothing on the chain: this is the API only.
 */
import { LedgerError } from '../errors/ledger-error.js';

export interface RateLimit {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size: the burst allowed after a quiet spell. */
  burst: number;
}

export type RateLimits = Record<'write' | 'heavy', RateLimit>;

export const DEFAULT_RATE_LIMITS: RateLimits = {
  write: { perSecond: 50, burst: 200 },
  heavy: { perSecond: 20, burst: 100 },
};

/** Buckets beyond this are dropped oldest first (an attacker with many addresses cannot fill memory). */
const MAX_BUCKETS = 50_000;

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limits: RateLimits = DEFAULT_RATE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Takes one token of `kind` for `identity`.
   * @throws LedgerError RATE_LIMITED with `details.retryAfterSeconds`
   */
  take(identity: string, kind: keyof RateLimits): void {
    const limit = this.limits[kind];
    const key = `${kind} ${identity}`;
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: limit.burst, at: now };
    b.tokens = Math.min(limit.burst, b.tokens + ((now - b.at) / 1000) * limit.perSecond);
    b.at = now;
    this.buckets.delete(key); // re-inserted last: the map's order is the least recently used first
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - b.tokens) / limit.perSecond));
      throw new LedgerError('RATE_LIMITED', `too many ${kind} requests from ${identity.slice(0, 100)}: retry after ${retryAfterSeconds} s`, { retryAfterSeconds, kind });
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
  }
}
