/**
 * The pure part of anomaly detection: given daily series, which days are
 * anomalous (shared/spec/kpis.md, "Anomalies").
 *
 * A series maps a day to its value, or to nothing when the day has no value:
 * before the metric's first data, or a quarantine rate of a day on which the
 * source sent nothing. Days without a value are neither judged nor part of a
 * baseline, so the weeks before a shop's first sale do not count as zeros.
 *
 * @module
 */

import { addDays } from "../contracts/buckets.ts";
import { BASELINE_WEEKS, robustScore, type RobustVerdict } from "./robust_score.ts";

/** A daily series: day → value (absent: no value that day). */
export type DailySeries = Map<string, number>;

/** One anomalous day of one series. */
export interface Finding {
  metric: string;
  /** The source of a per-source metric (quarantine rates), else null. */
  source: string | null;
  day: string;
  value: number;
  verdict: RobustVerdict;
}

/** A named series to scan. */
export interface NamedSeries {
  metric: string;
  source: string | null;
  values: DailySeries;
}

/**
 * The values of the same weekday in the {@link BASELINE_WEEKS} weeks before
 * `day` that exist in `series`, oldest first.
 *
 * @example
 * ```ts
 * baselineOf(new Map([["2026-11-18", 5]]), "2026-11-25"); // [5]
 * ```
 */
export function baselineOf(series: DailySeries, day: string): number[] {
  const values: number[] = [];
  for (let k = BASELINE_WEEKS; k >= 1; k--) {
    const v = series.get(addDays(day, -7 * k));
    if (v !== undefined) values.push(v);
  }
  return values;
}

/**
 * Every anomalous (series, day) among `days`.
 *
 * @example
 * ```ts
 * const findings = scanSeries([{ metric: "orders", source: null, values }], ["2026-11-25"]);
 * ```
 */
export function scanSeries(series: readonly NamedSeries[], days: readonly string[]): Finding[] {
  const findings: Finding[] = [];
  for (const s of series) {
    for (const day of days) {
      const value = s.values.get(day);
      if (value === undefined) continue;
      const verdict = robustScore(value, baselineOf(s.values, day));
      if (verdict?.anomaly) {
        findings.push({ metric: s.metric, source: s.source, day, value, verdict });
      }
    }
  }
  return findings;
}

/**
 * A series from dense daily values, starting at the first day whose value is
 * "data" by `hasData` (earlier days get no value).
 *
 * @example
 * ```ts
 * seriesFrom([["d1", 0], ["d2", 5], ["d3", 0]], (v) => v !== 0); // d2 → 5, d3 → 0
 * ```
 */
export function seriesFrom(
  rows: Iterable<[string, number]>,
  hasData: (value: number) => boolean,
): DailySeries {
  const series: DailySeries = new Map();
  let started = false;
  for (const [day, value] of rows) {
    if (!started && !hasData(value)) continue;
    started = true;
    series.set(day, value);
  }
  return series;
}
