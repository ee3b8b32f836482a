/**
 * Pending-delta records: the counter deltas, count-record deltas and dirty
 * marks of a batch that defers them (`WriteSet.deferCounters`), waiting to be
 * folded (`fold.ts`).
 *
 * @module
 */

/**
 * Counter deltas, count-record deltas and dirty marks of a batch, waiting to
 * be folded. `counts` are deltas to a field of a count record — a record of
 * per-bucket integers, zero fields left out, deleted when empty
 * (`silverCustomerCounts`). `p` is the record's partition: the entries of a
 * batch are split by a partition of their keys, so records of one partition
 * from different batches hold about the same keys and the fold takes them
 * together. Records of older stores have neither `counts` nor `p`.
 */
export interface PendingDeltas {
  p?: string;
  counters: [Deno.KvKey, number][];
  counts?: [Deno.KvKey, string, number][];
  dirty: [string, string][];
}

/** Entries per pending-delta record (keeps each well under KV's 64 KiB value limit). */
export const DEFERRED_PER_RECORD = 250;

/** Partition of the dirty-mark records: after every other, so marks land after their counters. */
export const DIRTY_PARTITION = "\uffff";

/** What a deferring batch hands to {@link pendingRecordValues}. */
export interface DeferredEntries {
  counters: { id: string; key: Deno.KvKey; delta: number }[];
  counts: { id: string; key: Deno.KvKey; field: string; delta: number }[];
  dirty: [string, string][];
}

/**
 * The pending-delta records of a batch, in the order their parts are to be
 * numbered: entries sorted by partition, then key, at most
 * {@link DEFERRED_PER_RECORD} per record and one partition per record; dirty
 * marks last. Zero deltas are left out.
 *
 * @example
 * ```ts
 * const values = pendingRecordValues(entries, (key) => String(key[2]));
 * ```
 */
export function pendingRecordValues(
  entries: DeferredEntries,
  partitionOf: (key: Deno.KvKey) => string,
): PendingDeltas[] {
  type Item = { id: string; c?: [Deno.KvKey, number]; n?: [Deno.KvKey, string, number] };
  // Grouped by partition first: only the few partition names and each group's ids are sorted.
  const groups = new Map<string, Item[]>();
  const add = (p: string, item: Item) => {
    const group = groups.get(p);
    if (group) group.push(item);
    else groups.set(p, [item]);
  };
  for (const { id, key, delta } of entries.counters) {
    if (delta !== 0) add(partitionOf(key), { id, c: [key, delta] });
  }
  for (const { id, key, field, delta } of entries.counts) {
    if (delta !== 0) add(partitionOf(key), { id: `${id}\u0002${field}`, n: [key, field, delta] });
  }
  const out: PendingDeltas[] = [];
  for (const p of [...groups.keys()].sort()) {
    const items = groups.get(p)!.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (let i = 0; i < items.length; i += DEFERRED_PER_RECORD) {
      const record: PendingDeltas = { p, counters: [], dirty: [] };
      for (const item of items.slice(i, i + DEFERRED_PER_RECORD)) {
        if (item.c) record.counters.push(item.c);
        else (record.counts ??= []).push(item.n!);
      }
      out.push(record);
    }
  }
  for (let i = 0; i < entries.dirty.length; i += DEFERRED_PER_RECORD) {
    const dirty = entries.dirty.slice(i, i + DEFERRED_PER_RECORD);
    out.push({ p: DIRTY_PARTITION, counters: [], dirty });
  }
  return out;
}

/**
 * How many records {@link pendingRecordValues} makes at most, given the
 * entries per partition and the dirty marks.
 */
export function pendingRecordCount(perPartition: Iterable<number>, dirty: number): number {
  let n = Math.ceil(dirty / DEFERRED_PER_RECORD);
  for (const entries of perPartition) n += Math.ceil(entries / DEFERRED_PER_RECORD);
  return n;
}
