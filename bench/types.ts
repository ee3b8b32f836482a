/**
 * The shape every benchmark reports; `deno task bench` prints and records them.
 *
 * @module
 */

/** One benchmark figure, with the baseline it is compared to in the same run. */
export interface BenchResult {
  /** What was measured, e.g. `ingest: single-event POSTs`. */
  name: string;
  /** The measured figure. */
  value: number;
  /** Its unit, e.g. `req/s`, `events/s`, `ms`, `MiB`. */
  unit: string;
  /** The baseline measured in the same run, in the same unit. */
  baseline?: number;
  /** `value / baseline` (or the ratio that the target speaks of). */
  ratio?: number;
  /** The target, in words, e.g. `≥ 0.5× bare Deno.serve`. */
  target?: string;
  /** Whether the target was met, when there is one. */
  met?: boolean;
}
