/**
 * Webhook delivery of alerts from the outbox (`meta/alert_outbox`).
 *
 * An entry is claimed before its attempt (attempts + 1 and the next attempt
 * time written with a versionstamp check), so two deliverers never post the
 * same alert at once; it is deleted only after a 2xx answer. A failing or
 * hanging webhook costs at most the run's time budget: every request has a
 * timeout, errors are recorded on the entry, and nothing is thrown.
 *
 * @module
 */

import type { Config } from "../../config.ts";
import { goldAlert, metaAlertOutbox, metaAlertOutboxAll } from "../../kv/keys.ts";
import type { OutboxEntry, StoredAlert } from "./alerts.ts";

/** Options of {@link deliverAlerts}. */
export interface DeliverAlertsOptions {
  /** The fetch to use (tests pass their own); defaults to the global one. */
  fetch?: typeof fetch;
  /** Epoch ms taken as the current time (default `Date.now()`). */
  now?: number;
  /** Timeout of one POST, ms (default 5,000). */
  timeoutMs?: number;
  /** Delay after the first failed attempt, ms (default 10,000); doubles with each failure. */
  baseDelayMs?: number;
  /** Longest delay between attempts, ms (default one hour). */
  maxDelayMs?: number;
  /** Most attempts in one call (default 50). */
  maxPerRun?: number;
  /** Wall-clock budget of one call, ms (default 15,000): no attempt starts after it. */
  budgetMs?: number;
}

/** What one call of {@link deliverAlerts} did. */
export interface DeliveryOutcome {
  /** POSTs made. */
  attempted: number;
  /** Alerts acknowledged with a 2xx and removed from the outbox. */
  delivered: number;
  /** Attempts that failed (non-2xx, network error or timeout). */
  failed: number;
  /** Entries left in the outbox after the call. */
  pending: number;
  /** False when no webhook is configured (the outbox is kept for later). */
  configured: boolean;
}

/**
 * Delay before the attempt that follows failed attempt number `attempts`
 * (1-based): base × 2^(attempts − 1), capped.
 *
 * @example
 * ```ts
 * backoffDelay(3, 10_000, 3_600_000); // 40000
 * ```
 */
export function backoffDelay(attempts: number, baseDelayMs: number, maxDelayMs: number): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  return Math.min(maxDelayMs, baseDelayMs * 2 ** exponent);
}

async function post(
  fetchFn: typeof fetch,
  url: string,
  alert: StoredAlert,
  timeoutMs: number,
): Promise<string | null> {
  try {
    const res = await fetchFn(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        // Lets a receiver drop a repeat should our acknowledgement be lost.
        "idempotency-key": alert.id,
      },
      body: JSON.stringify(alert),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}`;
  } catch (err) {
    return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
}

/**
 * POSTs every due outbox alert to `config.alertWebhookUrl` as JSON, retrying
 * failures with exponential backoff on later calls. Never throws because of
 * the webhook.
 *
 * @example
 * ```ts
 * const outcome = await deliverAlerts(kv, config, { now: Date.now() });
 * console.log(outcome.delivered, outcome.pending);
 * ```
 */
export async function deliverAlerts(
  kv: Deno.Kv,
  config: Config,
  options: DeliverAlertsOptions = {},
): Promise<DeliveryOutcome> {
  const now = options.now ?? Date.now();
  const fetchFn = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const baseDelayMs = options.baseDelayMs ?? 10_000;
  const maxDelayMs = options.maxDelayMs ?? 3_600_000;
  const maxPerRun = options.maxPerRun ?? 50;
  const deadline = Date.now() + (options.budgetMs ?? 15_000);
  const outcome: DeliveryOutcome = {
    attempted: 0,
    delivered: 0,
    failed: 0,
    pending: 0,
    configured: config.alertWebhookUrl !== undefined,
  };
  const entries: Deno.KvEntry<OutboxEntry>[] = [];
  for await (const e of kv.list<OutboxEntry>({ prefix: metaAlertOutboxAll() })) entries.push(e);
  outcome.pending = entries.length;
  const url = config.alertWebhookUrl;
  if (url === undefined) return outcome;

  const due = entries
    .filter((e) => e.value.next_attempt_at <= now)
    .sort((a, b) => a.value.enqueued_at - b.value.enqueued_at)
    .slice(0, maxPerRun);
  for (const entry of due) {
    if (Date.now() >= deadline) break;
    const alert = await kv.get<StoredAlert>(goldAlert(entry.value.alert_id));
    if (alert.value === null) {
      // The alert itself is gone (deleted by an operator): nothing to deliver.
      await kv.atomic().check(entry).delete(entry.key).commit();
      outcome.pending--;
      continue;
    }
    const attempts = entry.value.attempts + 1;
    const claimed: OutboxEntry = {
      ...entry.value,
      attempts,
      next_attempt_at: now + backoffDelay(attempts, baseDelayMs, maxDelayMs),
    };
    const claim = await kv.atomic().check(entry).set(entry.key, claimed).commit();
    if (!claim.ok) continue; // another deliverer took it
    outcome.attempted++;
    const error = await post(fetchFn, url, alert.value, timeoutMs);
    if (error === null) {
      await kv.delete(metaAlertOutbox(entry.value.alert_id));
      outcome.delivered++;
      outcome.pending--;
    } else {
      outcome.failed++;
      await kv.atomic()
        .check({ key: entry.key, versionstamp: claim.versionstamp })
        .set(entry.key, { ...claimed, last_error: error.slice(0, 500) })
        .commit();
    }
  }
  return outcome;
}

/** The outbox entries, oldest first (for `/metrics` and the dashboard). */
export async function listOutbox(kv: Deno.Kv): Promise<OutboxEntry[]> {
  const out: OutboxEntry[] = [];
  for await (const e of kv.list<OutboxEntry>({ prefix: metaAlertOutboxAll() })) out.push(e.value);
  return out.sort((a, b) => a.enqueued_at - b.enqueued_at);
}
