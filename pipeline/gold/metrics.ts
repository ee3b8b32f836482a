/**
 * Names of the gold counters (`goldCounter(metric, bucket)`,
 * `goldSkuCounter(bucket, sku, metric)`) and the dirty-mark kinds. Monitoring
 * reads some of them (daily `revenue_cents`, `orders`, `events`, `persons`;
 * SKU `revenue_lines`); docs/pipeline.md lists them all.
 *
 * @module
 */

import { ALL_BUCKET, bucketsOf, DAY_MS } from "../contracts/mod.ts";

/** Order counters per bucket. */
export const ORDER_METRICS = [
  "revenue_cents",
  "orders",
  "units",
  "customers",
  "repeat_customers",
  "refunded_cents",
  "cancelled_lines",
] as const;

/** Event counters per bucket. */
export const EVENT_METRICS = [
  "events",
  "persons",
  "page_views",
  "funnel_1",
  "funnel_2",
  "funnel_3",
  "funnel_4",
  "cart_persons",
  "cart_abandoned_persons",
] as const;

/** Per-SKU counters per bucket (revenue lines only; `revenue_lines` in day buckets only). */
export const SKU_METRICS = ["revenue_cents", "units", "revenue_lines"] as const;

/** Kinds of dirty marks (`metaDirty(kind, id)`) and of views (`goldView(kind, id)`). */
export const VIEW = {
  orders: "orders",
  events: "events",
  daily: "daily",
  retention: "retention",
  inventory: "inventory",
  /** A catalog change: every orders view is recomputed (names and categories). */
  catalog: "catalog",
} as const;

/** The id of the single retention view and of the catalog mark. */
export const ALL_ID = ALL_BUCKET;

const bucketCache = new Map<number, [string, string, string, string]>();

/**
 * `bucketsOf(ms)` memoised by UTC day: the hot loops of the jobs call it for
 * every record.
 */
export function bucketsOfTime(ms: number): readonly [string, string, string, string] {
  const d = Math.floor(ms / DAY_MS);
  let b = bucketCache.get(d);
  if (!b) {
    b = bucketsOf(ms);
    if (bucketCache.size > 20_000) bucketCache.clear();
    bucketCache.set(d, b);
  }
  return b;
}

/**
 * The part of a bucket in per-owner state records (`silverCustomerCounts`,
 * `silverPersonMasks`): its first four characters (the year of a day, ISO
 * week or month), or `all`. One record then holds ≤ ~430 buckets, and the
 * four buckets of a time fall in ≤ 3 parts.
 */
export function bucketPart(bucket: string): string {
  return bucket === ALL_BUCKET ? ALL_BUCKET : bucket.slice(0, 4);
}
