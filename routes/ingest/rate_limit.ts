/**
 * Per-write-key rate limiting: an in-memory token bucket per process
 * (shared/spec/api.md: 1,000 requests/s with bursts, configurable). Several
 * processes each allow the rate; docs/ingest.md says why that is accepted.
 *
 * @module
 */

interface Bucket {
  tokens: number;
  at: number;
}

/** The verdict for one request. */
export type RateVerdict = { ok: true } | { ok: false; retryAfterSeconds: number };

/**
 * Token buckets keyed by write key: each holds up to `burst` tokens and
 * refills at `perSecond`; a request takes one.
 *
 * @example
 * ```ts
 * const limiter = new RateLimiter({ perSecond: 1000, burst: 2000 });
 * limiter.take("wk_1").ok; // true
 * ```
 */
export class RateLimiter {
  readonly #perSecond: number;
  readonly #burst: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(options: { perSecond: number; burst: number }) {
    this.#perSecond = Math.max(0, options.perSecond);
    this.#burst = Math.max(1, options.burst);
  }

  /** Takes a token for `key` at time `now` (ms), or says how long to wait. */
  take(key: string, now: number = performance.now()): RateVerdict {
    let b = this.#buckets.get(key);
    if (!b) {
      b = { tokens: this.#burst, at: now };
      this.#buckets.set(key, b);
    }
    const refill = ((now - b.at) / 1000) * this.#perSecond;
    b.tokens = Math.min(this.#burst, b.tokens + refill);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    if (this.#perSecond <= 0) return { ok: false, retryAfterSeconds: 60 };
    const wait = (1 - b.tokens) / this.#perSecond;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(wait)) };
  }
}
