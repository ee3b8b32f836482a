/**
 * Throttling of failed admin-token attempts, shared by the dashboard's
 * `POST /login` and the admin bearer auth of the API, so that guessing the
 * token through either costs the same: each client address may fail
 * {@link AUTH_FAILURE_BURST} times, and earns one more attempt every
 * {@link AUTH_FAILURE_REFILL_SECONDS} seconds. Once exhausted, every attempt
 * from it (right or wrong) is refused with `429` until it has earned one.
 *
 * The state is per process, like the ingest rate limits (docs/dashboard.md
 * says why that is enough for a long random token).
 *
 * @module
 */

import type { Context } from "hono";

/** Failed attempts a client address may make in a row. */
export const AUTH_FAILURE_BURST = 10;

/** Seconds after which a client address earns one more attempt. */
export const AUTH_FAILURE_REFILL_SECONDS = 6;

/** Client addresses tracked at most; the least recently failed are forgotten first. */
const MAX_TRACKED = 10_000;

interface Allowance {
  /** Attempts left (fractional while refilling). */
  left: number;
  /** When `left` was last computed, ms. */
  at: number;
}

/**
 * Counts failed attempts per client address.
 *
 * @example
 * ```ts
 * const throttle = new AuthThrottle();
 * if (throttle.retryAfter("203.0.113.7") > 0) refuse();
 * else if (!tokenOk) throttle.failed("203.0.113.7");
 * ```
 */
export class AuthThrottle {
  readonly #allowances = new Map<string, Allowance>();

  /** Seconds the address must wait before its next attempt; 0 when it may try now. */
  retryAfter(address: string, now: number = performance.now()): number {
    const a = this.#refilled(address, now);
    if (a === null || a.left >= 1) return 0;
    return Math.max(1, Math.ceil((1 - a.left) * AUTH_FAILURE_REFILL_SECONDS));
  }

  /** Records a failed attempt of the address. */
  failed(address: string, now: number = performance.now()): void {
    const a = this.#refilled(address, now) ?? { left: AUTH_FAILURE_BURST, at: now };
    a.left = Math.max(0, a.left - 1);
    // Re-inserting keeps the map in order of last failure, oldest first.
    this.#allowances.delete(address);
    this.#allowances.set(address, a);
    if (this.#allowances.size > MAX_TRACKED) {
      this.#allowances.delete(this.#allowances.keys().next().value!);
    }
  }

  #refilled(address: string, now: number): Allowance | null {
    const a = this.#allowances.get(address);
    if (!a) return null;
    a.left = Math.min(
      AUTH_FAILURE_BURST,
      a.left + Math.max(0, now - a.at) / 1000 / AUTH_FAILURE_REFILL_SECONDS,
    );
    a.at = now;
    if (a.left >= AUTH_FAILURE_BURST) {
      this.#allowances.delete(address);
      return null;
    }
    return a;
  }
}

const throttles = new WeakMap<object, AuthThrottle>();

/**
 * The one throttle of an app, keyed by its config object, so the page routes
 * and every API route group built from the same config share it.
 */
export function authThrottleFor(config: object): AuthThrottle {
  let throttle = throttles.get(config);
  if (!throttle) {
    throttle = new AuthThrottle();
    throttles.set(config, throttle);
  }
  return throttle;
}

/**
 * The client address of a request: the peer of the connection as
 * `Deno.serve` reports it (on Deno Deploy, the client's IP). Forwarding
 * headers are not trusted: anyone can send them. Requests without a
 * connection (`app.request()` in tests) share the address `"local"`.
 */
export function clientAddress(c: Context): string {
  const env = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  return env?.remoteAddr?.hostname ?? "local";
}
