/**
 * Folding pending deltas into gold. A job that defers its counters (see
 * `WriteSet.deferCounters`) commits each batch with one small record of its
 * counter deltas and dirty marks instead of hundreds of `sum`s; folding adds
 * many such records at once — deltas to the same counter collapse into one
 * `sum` — and deletes them in the same commit, so every delta lands once.
 *
 * @module
 */

import { metaPendingDeltasOf } from "../../kv/keys.ts";
import { getManyChunked, listAll } from "../../kv/mod.ts";
import { CommitPipe } from "./commit_pipe.ts";
import { type Fence, type JobOptions, step } from "./fence.ts";
import { keyId, keySize, valueSize } from "./commit_size.ts";
import type { PendingDeltas } from "./pending_deltas.ts";
import { expandPending, type PendingRecord } from "./pending_codec.ts";
import { WriteSet } from "./write_set.ts";

/**
 * Folds every pending-delta record of `job` into gold counters and dirty
 * marks, holding the job's lease. Returns the records folded.
 *
 * @example
 * ```ts
 * await foldPending(kv, fence, "apply_orders", opts);
 * ```
 */
export async function foldPending(
  kv: Deno.Kv,
  fence: Fence,
  job: string,
  opts: JobOptions,
): Promise<number> {
  let folded = 0;
  for (;;) {
    const listed = await listAll<PendingRecord>(kv, metaPendingDeltasOf(job), {
      limit: FOLD_LISTING,
    });
    if (listed.length === 0) return folded;
    const records = listed.map((r) => ({ key: r.key, value: expandPending(r.value) }));
    folded += (await foldRecords(fence, records, opts)).folded;
  }
}

/**
 * Folds `records` (pending-delta records in KV, as listed, or as the commits
 * that wrote them built them) into gold counters and dirty marks, deleting
 * each in the commit that applies it. Each fold commit is built while the one
 * before is in flight; it starts only once that one landed, so a batch's dirty
 * marks never land before its counters, and after a failed commit the rest is
 * left for {@link foldPending} (`complete` false).
 *
 * `final`, when given, answers the value a count record will have once
 * `records` are folded (a job's in-memory state, when `records` are every
 * unfolded record of the job): the stored value is then that minus their
 * deltas, without reading it. Keys it does not answer are read.
 *
 * @example
 * ```ts
 * await foldRecords(fence, committedRecords, opts);
 * ```
 */
export async function foldRecords(
  fence: Fence,
  records: { key: Deno.KvKey; value: PendingDeltas }[],
  opts: JobOptions,
  final?: (key: Deno.KvKey) => Record<string, number> | undefined,
): Promise<{ folded: number; complete: boolean }> {
  let folded = 0;
  const pipe = new CommitPipe(fence);
  const send = async (ws: WriteSet, n: number): Promise<boolean> => {
    if (!(await pipe.settle())) return false;
    pipe.start(ws, async (ok) => {
      if (!ok) return;
      folded += n;
      await step(opts, "folded");
    });
    return true;
  };
  try {
    // Count records as this fold left them (read once; later commits of this fold see them here).
    const counts = await readCounts(fence.kv, records, final);
    let ws = new WriteSet();
    /** Count records this commit writes, new objects (the commit in flight keeps its own). */
    let own = new Map<string, { key: Deno.KvKey; record: Record<string, number> }>();
    const close = () => {
      for (const { key, record } of own.values()) {
        if (Object.keys(record).length > 0) ws.set(key, record);
        else ws.delete(key);
      }
    };
    /** Bytes of the count records in `own` (measured as first taken). */
    let ownBytes = 0;
    let n = 0;
    let sent = true;
    for (const r of foldOrder(records)) {
      const ids = r.value.counters.map(([key]) => keyId(key));
      const countEntries = r.value.counts ?? [];
      const countIds = countEntries.map(([key]) => keyId(key));
      // Only counters, count records and marks not yet in this commit add mutations.
      let m = 1 + r.value.dirty.length;
      let bytes = 0;
      for (const id of ids) if (!ws.counters.hasId(id)) m++;
      const fresh = new Set<string>();
      countIds.forEach((id, i) => {
        if (own.has(id) || fresh.has(id)) return;
        fresh.add(id);
        m++;
        bytes += valueSize(counts.get(id)) + keySize(countEntries[i][0]) + 64;
      });
      const extra = {
        mutations: m + own.size,
        keyBytes: (m + own.size) * 60,
        bytes: m * 80 + bytes + ownBytes,
      };
      if (ws.mutations + own.size > 0 && !ws.fits(extra)) {
        close();
        if (!(sent = await send(ws, n))) break;
        ws = new WriteSet();
        own = new Map();
        ownBytes = 0;
        n = 0;
      }
      ownBytes += bytes;
      r.value.counters.forEach(([key, delta], i) => ws.counters.addById(ids[i], key, delta));
      countEntries.forEach(([key, field, delta], i) => {
        const id = countIds[i];
        let mine = own.get(id);
        if (!mine) {
          mine = { key, record: { ...counts.get(id) } };
          own.set(id, mine);
          counts.set(id, mine.record);
        }
        const v = (mine.record[field] ?? 0) + delta;
        if (v === 0) delete mine.record[field];
        else mine.record[field] = v;
      });
      for (const [kind, id] of r.value.dirty) ws.dirty(kind, id);
      ws.delete(r.key);
      n++;
    }
    if (sent && n > 0) {
      close();
      sent = await send(ws, n);
    }
    return { folded, complete: (await pipe.settle()) && sent };
  } catch (err) {
    await pipe.abandon();
    throw err;
  }
}

/**
 * Whether a landed record may be folded early, inside a later batch's commit
 * ({@link foldInto}): it holds gold counter deltas only. Count deltas and
 * dirty marks wait for the fold at the end of the run (customer records are
 * written once per fold commit; marks land after every counter).
 */
export function foldsEarly(record: PendingDeltas): boolean {
  return record.p !== undefined && record.p.startsWith("gold\u0001") &&
    record.dirty.length === 0 && (record.counts?.length ?? 0) === 0;
}

/**
 * Adds the counter deltas of landed pending-delta records to `ws` as `sum`s,
 * each record deleted in the same commit, in {@link foldOrder} while the
 * commit has room: a batch's commit then carries the fold of earlier
 * batches, which KV writes while the job computes the next batch. Every
 * record must satisfy {@link foldsEarly}. Returns the records taken; they
 * are folded once that commit lands (if it fails, they stay in KV).
 *
 * @example
 * ```ts
 * const taken = foldInto(ws, landed.filter((r) => foldsEarly(r.value)));
 * ```
 */
export function foldInto<R extends { key: Deno.KvKey; value: PendingDeltas }>(
  ws: WriteSet,
  records: R[],
): R[] {
  const taken: R[] = [];
  for (const r of foldOrder(records)) {
    const ids = r.value.counters.map(([key]) => keyId(key));
    let m = 1;
    for (const id of ids) if (!ws.sums.hasId(id)) m++;
    if (!ws.fits({ mutations: m, keyBytes: m * 60 + keySize(r.key), bytes: m * 80 })) break;
    r.value.counters.forEach(([key, delta], i) => ws.sums.addById(ids[i], key, delta));
    ws.delete(r.key);
    taken.push(r);
  }
  return taken;
}

/**
 * The count records the `counts` of `records` change, as stored (absent as
 * empty), by key identity: `final` minus the deltas of `records` where
 * `final` answers, read otherwise. Only the job's lease holder writes them,
 * and it folds before it reads them for anything else.
 */
async function readCounts(
  kv: Deno.Kv,
  records: { value: PendingDeltas }[],
  final?: (key: Deno.KvKey) => Record<string, number> | undefined,
): Promise<Map<string, Record<string, number>>> {
  const deltas = new Map<string, { key: Deno.KvKey; fields: Map<string, number> }>();
  for (const r of records) {
    for (const [key, field, delta] of r.value.counts ?? []) {
      const id = keyId(key);
      let d = deltas.get(id);
      if (!d) deltas.set(id, d = { key, fields: new Map() });
      d.fields.set(field, (d.fields.get(field) ?? 0) + delta);
    }
  }
  const out = new Map<string, Record<string, number>>();
  const unknown: Deno.KvKey[] = [];
  for (const [id, { key, fields }] of deltas) {
    const after = final?.(key);
    if (!after) {
      unknown.push(key);
      continue;
    }
    const stored: Record<string, number> = { ...after };
    for (const [field, delta] of fields) {
      const v = (stored[field] ?? 0) - delta;
      if (v === 0) delete stored[field];
      else stored[field] = v;
    }
    out.set(id, stored);
  }
  if (unknown.length === 0) return out;
  const entries = await getManyChunked<Record<string, number>>(kv, unknown);
  for (const e of entries) out.set(keyId(e.key), e.value ?? {});
  return out;
}

/** Pending-delta records read per round of folding. */
const FOLD_LISTING = 1000;

/**
 * The order in which records are folded: by partition, then by their first
 * counter key (or count-record key), records with neither last, otherwise in
 * listing order. A batch's records hold its entries sorted by partition and
 * key (records of older stores: ranges of its counters in key order), so the same part of different batches
 * is folded together (each counter is written once per commit, not once per
 * batch), while the parts of one batch keep their order: its dirty marks,
 * which come last, never land before its counters.
 */
function foldOrder<R extends { value: PendingDeltas }>(records: R[]): R[] {
  const firstKey = (r: R) => {
    const key = r.value.counters[0]?.[0] ?? r.value.counts?.[0]?.[0];
    const first = key ? keyId(key) : "\uffff";
    // Records of older stores have no partition: their first key orders them.
    return r.value.p === undefined ? first : `${r.value.p}\u0000${first}`;
  };
  return records
    .map((r, i) => ({ r, i, k: firstKey(r) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i))
    .map((x) => x.r);
}
