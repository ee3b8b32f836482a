/**
 * The alert store: every anomaly and freshness alert is written once under a
 * deterministic id, in the same commit as its outbox entry for the webhook,
 * so a detector that runs again (or twice at once) never raises it twice.
 *
 * Ids start with the alert's day inverted, so a plain listing of
 * `gold/alerts` is newest day first and a day range is one key range.
 *
 * @module
 */

import { dayNumber } from "../contracts/calendar.ts";
import { goldAlert, goldAlerts, metaAlertOutbox } from "../../kv/keys.ts";
import type { Alert } from "../read/types.ts";

/** An alert as stored: the API's `Alert` plus a human-readable explanation. */
export interface StoredAlert extends Alert {
  /** One sentence saying what was seen, e.g. `No orders file for "2026-11-24"`. */
  message: string;
}

/** An alert waiting for webhook delivery (`meta/alert_outbox/<id>`). */
export interface OutboxEntry {
  alert_id: string;
  /** Delivery attempts made so far. */
  attempts: number;
  /** Epoch ms before which no new attempt is made. */
  next_attempt_at: number;
  enqueued_at: number;
  /** HTTP status or error message of the last failed attempt. */
  last_error: string | null;
}

/** What identifies an alert: one per kind, metric, source, day (and period, where a day has several). */
export interface AlertIdentity {
  kind: Alert["kind"];
  metric: string;
  source: string | null;
  day: string;
  /** Distinguishes several periods of one day (e.g. separate silences of the event stream). */
  period?: string;
}

// Day numbers of years 0000–9999 lie in (-719529, 2932897); 3,000,000 minus
// one is positive and 7 digits wide, so the string order is newest day first.
const INVERT_BASE = 3_000_000;

function invertedDay(day: string): string {
  return String(INVERT_BASE - dayNumber(day)).padStart(7, "0");
}

/**
 * The deterministic id of an alert.
 *
 * @example
 * ```ts
 * alertId({ kind: "anomaly", metric: "revenue_cents", source: null, day: "2026-11-25" });
 * // "2979218:2026-11-25:anomaly:revenue_cents:all"
 * ```
 */
export function alertId(identity: AlertIdentity): string {
  const parts = [
    invertedDay(identity.day),
    identity.day,
    identity.kind,
    identity.metric,
    identity.source ?? "all",
  ];
  if (identity.period !== undefined) parts.push(identity.period);
  return parts.join(":");
}

/**
 * Stores `alert` and enqueues it for the webhook, unless an alert with its id
 * exists. Returns `true` when this call raised it.
 *
 * @example
 * ```ts
 * const raised = await raiseAlert(kv, alert, Date.now());
 * ```
 */
export async function raiseAlert(kv: Deno.Kv, alert: StoredAlert, now: number): Promise<boolean> {
  const entry: OutboxEntry = {
    alert_id: alert.id,
    attempts: 0,
    next_attempt_at: now,
    enqueued_at: now,
    last_error: null,
  };
  const result = await kv.atomic()
    .check({ key: goldAlert(alert.id), versionstamp: null })
    .set(goldAlert(alert.id), alert)
    .set(metaAlertOutbox(alert.id), entry)
    .commit();
  return result.ok;
}

/** Options of {@link readAlerts}. */
export interface ReadAlertsOptions {
  /** First day, inclusive (`YYYY-MM-DD`); open when absent. */
  from?: string;
  /** Last day, inclusive; open when absent. */
  to?: string;
  /** Most alerts returned (default 1000). */
  limit?: number;
}

/**
 * Alerts whose day lies in `[from, to]`, newest day first, then newest
 * raised first.
 *
 * @example
 * ```ts
 * const alerts = await readAlerts(kv, { from: "2026-11-01", to: "2026-11-30" });
 * ```
 */
export async function readAlerts(
  kv: Deno.Kv,
  options: ReadAlertsOptions = {},
): Promise<StoredAlert[]> {
  const prefix = goldAlerts();
  // ":" follows the 7-digit day part of every id, and ";" sorts right after it.
  const selector: Deno.KvListSelector = options.to !== undefined && options.from !== undefined
    ? {
      start: [...prefix, invertedDay(options.to)],
      end: [...prefix, `${invertedDay(options.from)};`],
    }
    : options.to !== undefined
    ? { prefix, start: [...prefix, invertedDay(options.to)] }
    : options.from !== undefined
    ? { prefix, end: [...prefix, `${invertedDay(options.from)};`] }
    : { prefix };
  const alerts: StoredAlert[] = [];
  for await (
    const e of kv.list<StoredAlert>(selector, { batchSize: 500, limit: options.limit ?? 1000 })
  ) alerts.push(e.value);
  return alerts.sort((a, b) =>
    a.day === b.day
      ? b.raised_at.localeCompare(a.raised_at) || a.id.localeCompare(b.id)
      : b.day.localeCompare(a.day)
  );
}

/** Number of stored alerts by kind (for `/metrics`). */
export async function countAlerts(kv: Deno.Kv): Promise<Record<Alert["kind"], number>> {
  const counts: Record<Alert["kind"], number> = { anomaly: 0, freshness: 0 };
  for await (const e of kv.list<StoredAlert>({ prefix: goldAlerts() }, { batchSize: 1000 })) {
    counts[e.value.kind]++;
  }
  return counts;
}
