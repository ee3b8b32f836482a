/**
 * Delivery of one batch over `fetch`, with retries on network errors, timeouts, 429 and 5xx.
 *
 * @module
 */

import { backoffMs, retryAfterMs } from "./retry.ts";
import type { DeliveryError } from "./types.ts";
import { batchBody, type Pending } from "./wire.ts";

/** What {@link deliver} needs from its client. */
export interface DeliverContext {
  /** `{host}/v1/batch`. */
  url: string;
  /** The `Authorization` header value. */
  auth: string;
  /** The fetch to use. */
  fetch: typeof fetch;
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff step. */
  retryBaseMs: number;
  /** Cap of one backoff step. */
  retryMaxMs: number;
  /** Per-request timeout. */
  timeoutMs: number;
  /** Where drops and quarantines are reported. */
  report: (error: DeliveryError) => void;
  /** True when the browser says it is offline: the batch is then kept, not retried. */
  offline: () => boolean;
}

/** How a delivery ended: acknowledged, given up (and reported), or parked until online. */
export type Outcome = "delivered" | "dropped" | "offline";

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Reports the events a `200` answer says were quarantined (`errors[].index`). */
function reportQuarantined(text: string, items: Pending[], ctx: DeliverContext): void {
  let errors: unknown;
  try {
    errors = (JSON.parse(text) as { errors?: unknown }).errors;
  } catch {
    return;
  }
  if (!Array.isArray(errors) || !errors.length) return;
  const ids = errors.map((e: { index?: number }) => items[e?.index ?? -1]?.event.messageId)
    .filter((id): id is string => !!id);
  ctx.report({
    reason: "quarantined",
    message: `Server quarantined ${errors.length} event(s): ${text.slice(0, 300)}`,
    messageIds: ids,
    status: 200,
  });
}

/**
 * Sends one batch until it is acknowledged, rejected or out of retries. Every attempt carries
 * the same events (so the same `messageId`s) and a fresh batch-level `sentAt`. A 4xx other
 * than 429 is never retried; a 429's `Retry-After` replaces the backoff wait.
 */
export async function deliver(items: Pending[], ctx: DeliverContext): Promise<Outcome> {
  const ids = () => items.map((p) => p.event.messageId);
  for (let attempt = 0;; attempt++) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), ctx.timeoutMs);
    let status = 0;
    let text = "";
    let wait: number | undefined;
    try {
      const res = await ctx.fetch(ctx.url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Authorization": ctx.auth },
        body: batchBody(items, new Date().toISOString()),
        signal: abort.signal,
      });
      status = res.status;
      wait = retryAfterMs(res.headers.get("Retry-After"));
      text = await res.text().catch(() => "");
    } catch {
      // A network error or a timeout: the server may or may not have the batch; a retry
      // with the same messageIds is safe because the server deduplicates them.
    } finally {
      clearTimeout(timer);
    }
    if (status >= 200 && status < 300) {
      reportQuarantined(text, items, ctx);
      return "delivered";
    }
    if (status && status < 500 && status !== 429) {
      ctx.report({
        reason: "rejected",
        message: `Server rejected a batch of ${items.length} with status ${status}: ${
          text.slice(0, 300)
        }`,
        messageIds: ids(),
        status,
      });
      return "dropped";
    }
    if (!status && ctx.offline()) return "offline";
    if (attempt >= ctx.maxRetries) {
      ctx.report({
        reason: "retries_exhausted",
        message: `Gave up on a batch of ${items.length} after ${
          attempt + 1
        } attempts (last status ${status || "network error"})`,
        messageIds: ids(),
        status: status || undefined,
      });
      return "dropped";
    }
    await sleep(
      wait ?? backoffMs(attempt, ctx.retryBaseMs, ctx.retryMaxMs),
    );
  }
}
