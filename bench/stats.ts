/**
 * Order statistics the benchmarks report: a figure is a median (or a p95) of
 * several samples, since single runs on a shared machine move by tens of
 * percent.
 *
 * @module
 */

/**
 * The `p` quantile of `xs` (nearest rank; `p` in (0, 1]).
 *
 * @example
 * ```ts
 * percentile([5, 1, 3, 2, 4], 0.95); // 5
 * ```
 */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
}

/**
 * The median of `xs` (the upper one of an even count).
 *
 * @example
 * ```ts
 * medianOf([3, 1, 2]); // 2
 * ```
 */
export function medianOf(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}
