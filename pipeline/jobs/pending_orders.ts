/**
 * How `apply_orders` defers its gold counters, customer-count changes and
 * dirty marks to pending-delta records, and how those records are
 * partitioned for the fold.
 *
 * @module
 */

import { oldestFirstId, shardOf } from "../../kv/ids.ts";
import { metaPendingDeltas } from "../../kv/keys.ts";
import { WriteSet } from "./write_set.ts";

/**
 * A write set whose gold counters, customer-count changes and dirty marks go
 * to pending-delta records of `job` (folded at the end of the run): a line
 * touches ~10 counters, mostly per SKU, and folding many batches at once
 * writes each counter once.
 *
 * @example
 * ```ts
 * const ws = deferringWriteSet("apply_orders");
 * ```
 */
export function deferringWriteSet(job: string): WriteSet {
  const ws = new WriteSet();
  const batch = oldestFirstId();
  // Parts padded so that a batch's records list in part order (its dirty marks come last).
  ws.deferCounters(
    (part) => metaPendingDeltas(job, `${batch}-${String(part).padStart(4, "0")}`),
    pendingPartition,
  );
  return ws;
}

/** Partitions of customer-count records in pending-delta records. */
const CUSTOMER_PARTITIONS = 8;

/**
 * The partition of a deferred key: gold counters by bucket, customer-count
 * records by a hash of the customer. Records of one partition from different
 * batches then hold about the same keys (a day's, week's, month's or `all`'s
 * counters; the same customers), so a fold commit takes them together and
 * writes each key once.
 */
function pendingPartition(key: Deno.KvKey): string {
  if (key[0] === "gold") return `gold\u0001${String(key[1])}\u0001${String(key[2])}`;
  return `customers\u0001${shardOf(String(key[2]), CUSTOMER_PARTITIONS)}`;
}
