/**
 * Token pacing: a bucket refilled at `rate` tokens per second and holding at
 * most `burst`, so that after any stall (a slow server, a busy machine) the
 * simulator catches up by at most `burst` events instead of flooding.
 *
 * @module
 */

/** A token bucket. Times are milliseconds of one monotonic clock. */
export interface Pacer {
  /** Tokens per second. */
  readonly rate: number;
  /** Most tokens held. */
  readonly burst: number;
  tokens: number;
  last: number;
}

/**
 * A bucket for `rate` events per second holding 100 ms of traffic (at least
 * one token). It starts with one token: the first event goes at once, and
 * after `t` ms at most `1 + rate · t / 1000` tokens were ever handed out.
 *
 * @example
 * ```ts
 * const pacer = createPacer(50, performance.now());
 * pacer.burst; // 5
 * ```
 */
export function createPacer(rate: number, now: number): Pacer {
  if (!(rate > 0) || !Number.isFinite(rate)) {
    throw new RangeError(`Rate "${rate}" must be a positive number`);
  }
  return { rate, burst: Math.max(1, Math.ceil(rate / 10)), tokens: 1, last: now };
}

/**
 * Takes one token if one is available at `now`.
 *
 * @example
 * ```ts
 * if (tryTake(pacer, performance.now())) client.page("Home");
 * ```
 */
export function tryTake(p: Pacer, now: number): boolean {
  if (now > p.last) {
    p.tokens = Math.min(p.burst, p.tokens + ((now - p.last) * p.rate) / 1000);
    p.last = now;
  }
  if (p.tokens < 1) return false;
  p.tokens -= 1;
  return true;
}

/**
 * Milliseconds until the next whole token (0 when one is available).
 *
 * @example
 * ```ts
 * await sleep(waitMs(pacer));
 * ```
 */
export function waitMs(p: Pacer): number {
  return p.tokens >= 1 ? 0 : ((1 - p.tokens) * 1000) / p.rate;
}
