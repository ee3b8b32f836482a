/**
 * The robust anomaly score of shared/spec/kpis.md ("Anomalies"): a value is
 * compared with the same weekday of the 8 weeks before it, through the median
 * and the median absolute deviation (MAD), which a single earlier outlier
 * cannot drag the way a mean and a standard deviation would.
 *
 * @module
 */

/** Weeks of history in a baseline. */
export const BASELINE_WEEKS = 8;

/** Fewest baseline values that allow a verdict. */
export const MIN_BASELINE_VALUES = 4;

/** |score| above this is an anomaly. */
export const SCORE_THRESHOLD = 3.5;

/** Consistency constant that makes the MAD estimate a normal standard deviation. */
export const MAD_TO_SIGMA = 1.4826;

/**
 * Median of a list of numbers (mean of the two middle values for an even
 * count). Throws on an empty list.
 *
 * @example
 * ```ts
 * median([4, 1, 3, 2]); // 2.5
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("Median of an empty list is undefined");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The verdict on one value against its baseline. */
export interface RobustVerdict {
  /** Median of the baseline. */
  median: number;
  /** Median absolute deviation from {@link RobustVerdict.median}. */
  mad: number;
  /** 1.4826 × MAD, or max(1, 0.1 × |median|) when the MAD is 0. */
  scale: number;
  /** (value − median) / scale. */
  score: number;
  /** |score| > 3.5. */
  anomaly: boolean;
  direction: "up" | "down";
}

/**
 * Scores `value` against `baseline`; `null` (no verdict) when the baseline has
 * fewer than {@link MIN_BASELINE_VALUES} values.
 *
 * @example
 * ```ts
 * robustScore(30, [100, 102, 98, 101]); // { median: 100.5, …, anomaly: true, direction: "down" }
 * ```
 */
export function robustScore(value: number, baseline: readonly number[]): RobustVerdict | null {
  if (baseline.length < MIN_BASELINE_VALUES) return null;
  const m = median(baseline);
  const mad = median(baseline.map((x) => Math.abs(x - m)));
  const scale = mad === 0 ? Math.max(1, 0.1 * Math.abs(m)) : MAD_TO_SIGMA * mad;
  const score = (value - m) / scale;
  return {
    median: m,
    mad,
    scale,
    score,
    anomaly: Math.abs(score) > SCORE_THRESHOLD,
    direction: score >= 0 ? "up" : "down",
  };
}
