/**
 * Pending-delta records: the counter deltas and dirty marks of a batch that
 * defers them (`WriteSet.deferCounters`), waiting to be folded into gold
 * (`fold.ts`).
 *
 * @module
 */

/** Counter deltas and dirty marks of a batch, waiting to be folded into gold. */
export interface PendingDeltas {
  counters: [Deno.KvKey, number][];
  dirty: [string, string][];
}

/** Entries per pending-delta record (keeps each well under KV's 64 KiB value limit). */
export const DEFERRED_PER_RECORD = 100;
