/**
 * Retry timing: exponential backoff with full jitter, and `Retry-After`.
 *
 * @module
 */

/** Longest server-requested wait honoured, so a bad header cannot stall a client for ever. */
const MAX_RETRY_AFTER_MS = 600_000;

/**
 * Full-jitter backoff (a random wait in `[0, min(maxMs, baseMs·2^attempt)]`), which spreads
 * the retries of many clients instead of synchronising them.
 *
 * @example
 * ```ts
 * backoffMs(3, 500, 30_000); // somewhere in [0, 4000]
 * ```
 */
export function backoffMs(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * Math.min(maxMs, baseMs * 2 ** attempt));
}

/**
 * Milliseconds to wait according to a `Retry-After` header (delay-seconds or an HTTP date),
 * or `undefined` when it is absent or unreadable.
 *
 * @example
 * ```ts
 * retryAfterMs("2"); // 2000
 * ```
 */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const text = header.trim();
  const ms = /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  return Number.isFinite(ms) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms)) : undefined;
}
