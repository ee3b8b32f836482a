/**
 * Data-quality figures (shared/spec/kpis.md, "Data quality"): per source and
 * received day, from the quality counters ingest writes in the commits of the
 * records it counts (`gold/quality/<day>/<source>/<metric>`), plus the
 * cross-source checks of the checks job and the freshness of each source.
 *
 * A (day, source) pair with no counter at all is omitted: a source that sent
 * nothing that day has no row (the freshness rows say whether it should have).
 *
 * @module
 */

import type { Config } from "../../config.ts";
import { goldQualityAll, goldViewsOf } from "../../kv/keys.ts";
import { counterValue } from "../../kv/counters.ts";
import { addDays, daysInRange } from "../contracts/buckets.ts";
import type { CrossSourceDay, QualityDay, QualityReport } from "../read/types.ts";
import { readFreshness } from "./freshness.ts";
import { CROSS_SOURCE_VIEW, type CrossSourceView } from "./reconciliation_types.ts";

/**
 * A quality row. A replayed record stays counted on its original received
 * day, moved from `quarantined` to `accepted` or `duplicates` (see replay.ts).
 */
export type QualityDayFull = QualityDay;

const SOURCES = ["events", "orders", "inventory"] as const;

function emptyDay(date: string, source: QualityDay["source"]): QualityDayFull {
  return {
    date,
    source,
    received: 0,
    accepted: 0,
    quarantined: 0,
    duplicates: 0,
    updates: 0,
    quarantined_by_reason: {},
    warnings_by_field: {},
    rejected_requests: {},
  };
}

function applyMetric(row: QualityDayFull, metric: string, value: number): void {
  const colon = metric.indexOf(":");
  if (colon >= 0) {
    const kind = metric.slice(0, colon);
    const name = metric.slice(colon + 1);
    const map = kind === "reason"
      ? row.quarantined_by_reason
      : kind === "warning"
      ? row.warnings_by_field
      : kind === "rejected"
      ? row.rejected_requests
      : null;
    if (map && value !== 0) map[name] = value;
    return;
  }
  switch (metric) {
    case "received":
    case "accepted":
    case "quarantined":
    case "duplicates":
    case "updates":
      row[metric] = value;
  }
}

/**
 * Quality rows of received days `from`…`to` (inclusive), by day then source.
 *
 * @example
 * ```ts
 * const rows = await readQualityDays(kv, "2026-11-01", "2026-11-30");
 * ```
 */
export async function readQualityDays(
  kv: Deno.Kv,
  from: string,
  to: string,
): Promise<QualityDayFull[]> {
  const prefix = goldQualityAll();
  const rows = new Map<string, QualityDayFull>();
  const selector = { start: [...prefix, from], end: [...prefix, addDays(to, 1)] };
  for await (const e of kv.list(selector, { batchSize: 1000 })) {
    const [, , day, source, metric] = e.key as [string, string, string, string, string];
    if (!(SOURCES as readonly string[]).includes(source)) continue;
    const id = `${day}\u0001${source}`;
    let row = rows.get(id);
    if (!row) rows.set(id, row = emptyDay(day, source as QualityDay["source"]));
    applyMetric(row, metric, counterValue(e.value));
  }
  return [...rows.values()].sort((a, b) =>
    a.date === b.date
      ? SOURCES.indexOf(a.source) - SOURCES.indexOf(b.source)
      : a.date.localeCompare(b.date)
  );
}

/** The cross-source figures of one order day, with what the checks job adds. */
export type CrossSourceRow = CrossSourceDay & Partial<Omit<CrossSourceView, "date">>;

/**
 * The cross-source check figures of every order day `from`…`to`, as computed
 * by the last checks run; a day with nothing to check (or not checked yet)
 * has zeros and no `checked_at`.
 */
export async function readCrossSource(
  kv: Deno.Kv,
  from: string,
  to: string,
): Promise<CrossSourceRow[]> {
  const prefix = goldViewsOf(CROSS_SOURCE_VIEW);
  const found = new Map<string, CrossSourceView>();
  const selector = { start: [...prefix, from], end: [...prefix, addDays(to, 1)] };
  for await (const e of kv.list<CrossSourceView>(selector, { batchSize: 500 })) {
    found.set(e.value.date, e.value);
  }
  return daysInRange(from, to).map((date) =>
    found.get(date) ??
      { date, orders_unknown_sku: 0, orders_without_event: 0, events_without_order: 0 }
  );
}

/** Options of {@link readQuality}. */
export interface ReadQualityOptions {
  /** First day, inclusive (`YYYY-MM-DD`). */
  from: string;
  /** Last day, inclusive. */
  to: string;
  /** Epoch ms for the freshness rows (default `Date.now()`). */
  now?: number;
}

/**
 * `GET /v1/quality`: quality per source and received day, cross-source checks
 * per order day, and freshness now.
 *
 * @example
 * ```ts
 * const report = await readQuality(kv, config, { from: "2026-11-01", to: "2026-11-30" });
 * ```
 */
export async function readQuality(
  kv: Deno.Kv,
  config: Config,
  options: ReadQualityOptions,
): Promise<QualityReport & { days: QualityDayFull[] }> {
  const [days, cross, freshness] = await Promise.all([
    readQualityDays(kv, options.from, options.to),
    readCrossSource(kv, options.from, options.to),
    readFreshness(kv, config, options.now ?? Date.now()),
  ]);
  return { days, cross_source: cross, freshness: freshness.rows };
}
