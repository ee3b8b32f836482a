/**
 * Admin authentication of the read API and admin endpoints:
 * `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time.
 *
 * @module
 */

import type { MiddlewareHandler } from "hono";
import type { Config } from "../../config.ts";
import { HttpError } from "../errors.ts";
import { authThrottleFor, clientAddress } from "../auth_throttle.ts";

const encoder = new TextEncoder();

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/**
 * Compares two secrets in constant time (both are hashed first, so neither
 * their contents nor their lengths leak through timing).
 *
 * @example
 * ```ts
 * await timingSafeEqualText("a", "a"); // true
 * ```
 */
export async function timingSafeEqualText(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([digest(a), digest(b)]);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

/** The bearer token of an `Authorization` header, or `null`. */
export function bearerToken(header: string | undefined | null): string | null {
  const m = /^Bearer[ ]+(\S+)\s*$/i.exec(header ?? "");
  return m ? m[1] : null;
}

/**
 * Middleware that admits only requests carrying the admin token; others get
 * `401 unauthorized` with `WWW-Authenticate: Bearer`. A client address that
 * presented wrong tokens too often gets `429 too_many_attempts` with
 * `Retry-After` instead, right token or not (routes/auth_throttle.ts).
 *
 * @example
 * ```ts
 * app.use("/v1/kpis/*", adminAuth(config));
 * ```
 */
export function adminAuth(config: Pick<Config, "adminToken">): MiddlewareHandler {
  const throttle = authThrottleFor(config);
  return async (c, next) => {
    const token = bearerToken(c.req.header("authorization"));
    const address = clientAddress(c);
    const wait = token === null ? 0 : throttle.retryAfter(address);
    if (wait > 0) {
      throw new HttpError(
        429,
        "too_many_attempts",
        `Too many wrong admin tokens from this address: retry in ${wait} s`,
        { "Retry-After": String(wait) },
      );
    }
    if (token === null || !(await timingSafeEqualText(token, config.adminToken))) {
      // A missing header is not a guess; only wrong tokens count.
      if (token !== null) throttle.failed(address);
      throw new HttpError(401, "unauthorized", "A valid admin token is required", {
        "WWW-Authenticate": 'Bearer realm="admin"',
      });
    }
    await next();
  };
}
