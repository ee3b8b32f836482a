/**
 * Anomaly detection (shared/spec/kpis.md, "Anomalies") on the daily
 * `revenue_cents`, `orders`, `events` and `persons` (from gold, through the
 * read layer's `readDaily`) and on each source's quarantine rate per received
 * day (from the quality counters).
 *
 * - A day is judged once it is settled: `ordersDueHours` after its end (the
 *   orders file of the day is due then), and only when every record received
 *   before that moment has been processed by the pipeline, so a day is never
 *   judged on half-applied data.
 * - A series starts on its first day with data (orders or revenue ≠ 0; events
 *   ≠ 0); earlier days are neither judged nor baseline values. A quarantine
 *   rate exists only on days the source received something: it is
 *   100 × quarantined / received, in percent (a rate in [0, 1] could never
 *   leave the floor scale of 1 the spec sets when the MAD is 0).
 * - Each anomaly is stored once (deterministic id per metric, source and day)
 *   and enqueued for the webhook.
 * - A cursor (`metaCursor("anomalies")`) keeps the last settled day judged;
 *   each run judges again the 7 days before it (late data), and the first run
 *   looks back 400 days.
 *
 * @module
 */

import type { Config } from "../../config.ts";
import { metaCursor } from "../../kv/keys.ts";
import { addDays, dayOf } from "../contracts/buckets.ts";
import { readDaily } from "../read/kpis.ts";
import { alertId, raiseAlert, type StoredAlert } from "./alerts.ts";
import { type Finding, type NamedSeries, scanSeries, seriesFrom } from "./anomaly_scan.ts";
import { BASELINE_WEEKS } from "./robust_score.ts";
import { readQualityDays } from "./quality.ts";
import { oldestPendingReceipt } from "./pipeline_report.ts";

/** Days judged again before the cursor on every run. */
export const REJUDGE_DAYS = 7;

/** How far back the first run looks. */
export const FIRST_RUN_LOOKBACK_DAYS = 400;

/** The daily KPI metrics checked. */
export const DAILY_METRICS = ["revenue_cents", "orders", "events", "persons"] as const;

/** The metric name of quarantine-rate alerts (with the source in `source`). */
export const QUARANTINE_RATE = "quarantine_rate";

const CURSOR = "anomalies";
const HOUR_MS = 3_600_000;

/** Options of {@link detectAnomalies}. */
export interface DetectAnomaliesOptions {
  /** Epoch ms taken as the current time (default `Date.now()`). */
  now?: number;
  /** First day to judge (default: from the cursor). */
  from?: string;
  /** Last day to judge (default and at most: the last settled day). */
  to?: string;
}

/** What one detection run did. */
export interface AnomalyOutcome {
  /** The days judged, or null when none was settled. */
  from: string | null;
  to: string | null;
  /** Anomalies found (including those alerted before). */
  found: number;
  /** Alerts raised by this run. */
  raised: StoredAlert[];
}

/** The last day whose figures are settled at `now` (and fully processed). */
export function lastSettledDay(config: Config, now: number, pendingSince: number | null): string {
  const dueMs = config.freshness.ordersDueHours * HOUR_MS;
  const limit = pendingSince === null ? now : Math.min(now, pendingSince);
  // Day d is settled at start(d + 1) + due, i.e. when d + 1 <= dayOf(limit - due).
  return addDays(dayOf(limit - dueMs), -1);
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function alertOf(f: Finding, now: number): StoredAlert {
  const identity = { kind: "anomaly" as const, metric: f.metric, source: f.source, day: f.day };
  const what = f.source ? `${f.metric} of ${f.source}` : f.metric;
  const value = round(f.value, 4);
  const baseline = round(f.verdict.median, 4);
  return {
    id: alertId(identity),
    ...identity,
    value,
    baseline,
    score: round(f.verdict.score, 2),
    direction: f.verdict.direction,
    raised_at: new Date(now).toISOString(),
    message: `${what} on ${f.day} was ${value}, ${
      f.verdict.direction === "up" ? "above" : "below"
    } the median ${baseline} of the same weekday in the ${BASELINE_WEEKS} weeks before (score ${
      round(f.verdict.score, 2)
    })`,
  };
}

/**
 * The series of every checked metric over `[from, to]`.
 *
 * @example
 * ```ts
 * const series = await anomalySeries(kv, "2026-09-01", "2026-11-30");
 * ```
 */
export async function anomalySeries(
  kv: Deno.Kv,
  from: string,
  to: string,
): Promise<NamedSeries[]> {
  const [daily, quality] = await Promise.all([
    readDaily(kv, from, to),
    readQualityDays(kv, from, to),
  ]);
  const rows = daily.days;
  const orderStart = rows.findIndex((r) => r.orders !== 0 || r.revenue_cents !== 0);
  const eventStart = rows.findIndex((r) => r.events !== 0);
  const series: NamedSeries[] = DAILY_METRICS.map((metric) => {
    const start = metric === "revenue_cents" || metric === "orders" ? orderStart : eventStart;
    const values = new Map<string, number>();
    if (start >= 0) { for (const r of rows.slice(start)) values.set(r.date, r[metric]); }
    return { metric, source: null, values };
  });
  for (const source of ["events", "orders", "inventory"] as const) {
    const values = seriesFrom(
      quality.filter((q) => q.source === source && q.received > 0)
        .map((q) => [q.date, (100 * q.quarantined) / q.received] as [string, number]),
      () => true,
    );
    series.push({ metric: QUARANTINE_RATE, source, values });
  }
  return series;
}

/**
 * Judges every settled day not judged yet (and the week before), stores each
 * new anomaly once and enqueues it for the webhook.
 *
 * @example
 * ```ts
 * const { raised } = await detectAnomalies(kv, config, { now: Date.now() });
 * ```
 */
export async function detectAnomalies(
  kv: Deno.Kv,
  config: Config,
  options: DetectAnomaliesOptions = {},
): Promise<AnomalyOutcome> {
  const now = options.now ?? Date.now();
  const settled = lastSettledDay(config, now, await oldestPendingReceipt(kv));
  const to = options.to !== undefined && options.to < settled ? options.to : settled;
  const cursor = await kv.get<string>(metaCursor(CURSOR));
  const from = options.from ??
    (cursor.value ? addDays(cursor.value, -REJUDGE_DAYS) : addDays(to, -FIRST_RUN_LOOKBACK_DAYS));
  if (from > to) return { from: null, to: null, found: 0, raised: [] };
  const series = await anomalySeries(kv, addDays(from, -7 * BASELINE_WEEKS), to);
  const days: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) days.push(d);
  const findings = scanSeries(series, days);
  const raised: StoredAlert[] = [];
  for (const f of findings) {
    const alert = alertOf(f, now);
    if (await raiseAlert(kv, alert, now)) raised.push(alert);
  }
  if (
    options.from === undefined && options.to === undefined && (!cursor.value || cursor.value < to)
  ) {
    await kv.atomic().check(cursor).set(metaCursor(CURSOR), to).commit();
  }
  return { from, to, found: findings.length, raised };
}
