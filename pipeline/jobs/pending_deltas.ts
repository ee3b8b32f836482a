/**
 * Pending-delta records: the counter deltas and dirty marks of a batch that
 * defers them (`WriteSet.deferCounters`), waiting to be folded into gold
 * (`fold.ts`).
 *
 * @module
 */

/**
 * Counter deltas, count-record deltas and dirty marks of a batch, waiting to
 * be folded. `counts` (absent in records of older stores) are deltas to a
 * field of a count record — a record of per-bucket integers, zero fields left
 * out, deleted when empty (`silverCustomerCounts`).
 */
export interface PendingDeltas {
  counters: [Deno.KvKey, number][];
  counts?: [Deno.KvKey, string, number][];
  dirty: [string, string][];
}

/** Entries per pending-delta record (keeps each well under KV's 64 KiB value limit). */
export const DEFERRED_PER_RECORD = 100;
