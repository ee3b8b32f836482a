/**
 * `apply_orders`: staged order lines of classified uploads → current silver
 * lines, order and customer state, and order counters. One lease (`shard` 0):
 * the order and customer state are read-modify-write. Each batch commits the
 * silver and gold changes with the upload's advanced `applyCursor`, the
 * `orders` backlog decrement and the lease renewal (docs/pipeline.md).
 *
 * @module
 */

import type { Config } from "../../config.ts";
import {
  bronzeUpload,
  metaBacklog,
  silverCustomerBucketsAll,
  silverCustomerCounts,
} from "../../kv/keys.ts";
import { CommitPipe } from "./commit_pipe.ts";
import { deferringWriteSet } from "./pending_orders.ts";
import { foldInto, foldPending, foldRecords, foldsEarly } from "./fold.ts";
import { foldBucketKeys, migrateOrderLines } from "./migrate.ts";
import type { UploadRecord } from "../ingest/upload_types.ts";
import { LINE_BLOCK_BYTES, OrderStateSet } from "../silver/orders.ts";
import { type Fence, type JobOptions, pastDeadline, step, withLease } from "./fence.ts";
import type { JobOutcome } from "./runner.ts";
import { classifiedUploads } from "./uploads.ts";
import { fetchBatch, type Fetched, pendingSlot, type UploadSlot } from "./order_batches.ts";
import { DEFERRED_PER_RECORD, type PendingDeltas } from "./pending_deltas.ts";

/** Lease name of the job. */
export const APPLY_ORDERS = "apply_orders";

/**
 * Applies every classified orders upload, in upload order, from its cursor.
 * `records_in` counts staged valid rows consumed, `records_out` line versions
 * that changed silver.
 *
 * @example
 * ```ts
 * await applyOrders(kv, config);
 * ```
 */
export async function applyOrders(
  kv: Deno.Kv,
  config: Config,
  opts: JobOptions = {},
): Promise<JobOutcome> {
  const outcome: JobOutcome = { records_in: 0, records_out: 0, busy: 0 };
  const held = await withLease(kv, { name: APPLY_ORDERS }, opts, async (fence) => {
    const pipe = new CommitPipe(fence);
    try {
      // Order and customer state read in earlier batches stays valid while the
      // lease is held: only this worker writes it.
      const drain = { state: new OrderStateSet(config.fxRates) };
      // Stores made before order blocks: move their lines first (a deadline may stop it).
      if (!(await migrateOrderLines(kv, fence, opts))) return;
      // Stores made before customer counts records: fold their per-bucket keys once.
      await foldBucketKeys(kv, fence, silverCustomerBucketsAll(), silverCustomerCounts);
      await foldPending(kv, fence, APPLY_ORDERS, opts);
      const ctx: ApplyContext = {
        config,
        fence,
        pipe,
        opts,
        outcome,
        drain,
        committed: [],
        keptAll: true,
        folding: new Set(),
        recent: [],
      };
      await applyUploads(kv, ctx, await classifiedUploads(kv, "orders"));
      // The drain's state is then what the landed commits leave, unless the last one failed.
      await foldLanded(kv, ctx, await pipe.settle());
    } catch (err) {
      await pipe.abandon();
      throw err;
    }
  });
  if (!held) outcome.busy = 1;
  return outcome;
}

/**
 * Most mutations one line version adds to a deferring batch: its block and
 * block 0, two order-by-day entries, pending-delta records for its ≤ 8
 * customer-count deltas (≤ 2 partitions, each may start a record) and for
 * the counters of a day not tallied yet (4 buckets, one more record).
 */
const LINE_BOUND = 1 + 1 + 2 + 4 + 5;

/** Entries of state kept between batches of one run before starting afresh. */
const STATE_CACHE_LIMIT = 200_000;

interface ApplyContext {
  config: Config;
  fence: Fence;
  pipe: CommitPipe;
  opts: JobOptions;
  outcome: JobOutcome;
  drain: { state: OrderStateSet };
  /** Pending-delta records of this run's landed commits (≤ {@link FOLD_IN_MEMORY}). */
  committed: { key: Deno.KvKey; value: PendingDeltas }[];
  /** Whether `committed` holds every record landed since the last fold. */
  keptAll: boolean;
  /** Records of `committed` that the commit in flight folds ({@link foldInto}). */
  folding: Set<{ key: Deno.KvKey; value: PendingDeltas }>;
  /** Partitions of the records of the last {@link RECENT_BATCHES} landed batches. */
  recent: Set<string>[];
}

/**
 * Landed batches whose partitions are not folded early: the next batches
 * likely add to them again (the same day), and folded together later each
 * counter is written once.
 */
const RECENT_BATCHES = 2;

/** Pending-delta records a run keeps to fold without reading them back; the rest are listed. */
const FOLD_IN_MEMORY = 2_000;

/**
 * Folds the pending-delta records of this run's landed commits. The records
 * this run committed are folded as built, without reading them back; the
 * listing then finds only what is left (none, unless a fold failed or the run
 * kept more than {@link FOLD_IN_MEMORY}). State read from KV afterwards holds
 * every customer-count delta: call it before the drain reads state afresh.
 *
 * With `stateLanded` (the drain's state is exactly what the landed commits
 * left) and every landed record at hand, the customer-count records the fold
 * changes are not read: each is the drain's value minus the records' deltas.
 */
async function foldLanded(kv: Deno.Kv, ctx: ApplyContext, stateLanded = false): Promise<void> {
  const records = ctx.committed;
  const final = stateLanded && ctx.keptAll
    ? (key: Deno.KvKey) =>
      key[1] === "customer_counts"
        ? ctx.drain.state.customers.get(`${String(key[2])}\u0001${String(key[3])}`)
        : undefined
    : undefined;
  ctx.committed = [];
  ctx.keptAll = true;
  ctx.folding.clear();
  await foldRecords(ctx.fence, records, ctx.opts, final);
  await foldPending(kv, ctx.fence, APPLY_ORDERS, ctx.opts);
}

/** Staged rows listed per batch (a commit takes about 480 lines). */
const ROWS_PER_BATCH = 500;

/**
 * Applies the classified uploads in order, from their cursors. A batch runs
 * on from the end of one upload into the next (one commit then moves both
 * cursors), so small uploads do not each cost a commit. KV serves reads and
 * commits of a handle one at a time, in order, so each batch's rows are
 * listed and its state read before the commit of the batch before is sent;
 * the batch is then computed while that commit is written
 * ({@link CommitPipe}). The batch that takes an upload's last row marks it
 * `applied`. Returns with the last commit possibly in flight.
 */
async function applyUploads(
  kv: Deno.Kv,
  ctx: ApplyContext,
  entries: Deno.KvEntry<UploadRecord>[],
): Promise<void> {
  const { config, fence, pipe, opts, outcome, drain } = ctx;
  const slots: UploadSlot[] = entries.map((e) => ({
    key: bronzeUpload(e.value.id),
    record: e.value,
    versionstamp: e.versionstamp,
  }));
  const limit = opts.batchSize ?? ROWS_PER_BATCH;
  /** The first slot not finished by a computed batch. */
  let at = 0;
  /** Slots the commit in flight writes. */
  let inflight: number[] = [];
  // After a failed commit: the drain's state may hold changes that did not land,
  // and the slots it (or the batch computed on top of it) wrote are read again.
  const reload = async (written: number[]) => {
    drain.state = new OrderStateSet(config.fxRates);
    await foldLanded(kv, ctx);
    for (const j of written) {
      const e = await kv.get<UploadRecord>(slots[j].key);
      slots[j].record = e.value;
      slots[j].versionstamp = e.versionstamp;
    }
    at = Math.min(at, ...written);
    inflight = [];
  };
  const fetch = (into: OrderStateSet) => fetchBatch(kv, { slots, from: at, into, limit, opts });
  let next: Promise<Fetched> | null = null;
  try {
    while (!pastDeadline(opts)) {
      while (at < slots.length && !pendingSlot(slots[at])) at++;
      if (at >= slots.length) return;
      if (drain.state.size > STATE_CACHE_LIMIT) {
        // Read afresh only once nothing is in flight: the new state must see every commit.
        if (next) await next;
        next = null;
        if (!(await pipe.settle())) {
          await reload(inflight);
          continue;
        }
        drain.state = new OrderStateSet(config.fxRates);
        await foldLanded(kv, ctx);
      }
      const state = drain.state;
      const fetched: Fetched = await (next ?? fetch(state));
      next = null;
      if ("error" in fetched) throw fetched.error;
      const ws = deferringWriteSet(APPLY_ORDERS);
      let valid = 0;
      let changed = 0;
      const written: { slot: number; after: UploadRecord }[] = [];
      for (const seg of fetched.segments) {
        const upload = slots[seg.slot].record!;
        let cursor = upload.applyCursor;
        let taken = 0;
        let full = false;
        for (const r of seg.rows) {
          if (r.value.kind === "line") {
            // Contributions tallied in the state go to pending-delta records when flushed.
            const records = Math.ceil(state.pendingEntries / DEFERRED_PER_RECORD) +
              state.pendingBuckets;
            // Changed order blocks go to the write set when flushed, whole.
            const extra = {
              mutations: LINE_BOUND + records + state.pendingBlocks,
              bytes: 8192 + LINE_BLOCK_BYTES + state.pendingEntries * 80 + state.pendingBlockBytes,
              keyBytes: 2048 + (records + state.pendingBlocks) * 80,
            };
            if (valid > 0 && !ws.fits(extra)) {
              full = true;
              break;
            }
            if (state.apply(r.value.line, r.value.version, ws) === "applied") changed++;
            valid++;
          }
          cursor = r.row;
          taken++;
        }
        // A listing that reached the upload's end and was taken whole closes it.
        const done = seg.exhausted && taken === seg.rows.length;
        if (taken === 0 && !done) break;
        const after: UploadRecord = {
          ...upload,
          applyCursor: cursor,
          ...(done ? { status: "applied" as const } : {}),
        };
        ws.set(slots[seg.slot].key, after);
        written.push({ slot: seg.slot, after });
        if (full || !done) break;
      }
      state.flush(ws);
      ws.sums.add(metaBacklog("orders"), -valid);
      // The commit's spare room folds landed records of partitions no recent batch touched.
      const early = foldInto(
        ws,
        ctx.committed.filter((r) =>
          foldsEarly(r.value) && !ctx.folding.has(r) && !ctx.recent.some((p) => p.has(r.value.p!))
        ),
      );
      await step(opts, "computed");
      // Checked against the versionstamps the slots had before this batch.
      const stamps = written.map((w) => slots[w.slot].versionstamp);
      for (const w of written) {
        slots[w.slot].record = w.after;
        slots[w.slot].versionstamp = null;
      }
      const slotsOfBatch = written.map((w) => w.slot);
      while (at < slots.length && !pendingSlot(slots[at])) at++;
      if (at < slots.length) next = fetch(state);
      if (!(await pipe.settle())) {
        // The batch before did not land: this one was computed on top of it.
        if (next) await next;
        next = null;
        await reload([...inflight, ...slotsOfBatch]);
        continue;
      }
      // The next batch's reads go before this commit, which is then written while
      // that batch is computed (sent earlier, it held up those reads).
      if (next) await next;
      written.forEach((w, k) => {
        const versionstamp = stamps[k] ?? fence.leases[0].versionstamp;
        ws.check({ key: slots[w.slot].key, versionstamp });
      });
      inflight = slotsOfBatch;
      for (const r of early) ctx.folding.add(r);
      pipe.start(ws, async (ok) => {
        if (!ok) return;
        if (early.length > 0) {
          const folded = new Set(early);
          ctx.committed = ctx.committed.filter((r) => !folded.has(r));
          for (const r of early) ctx.folding.delete(r);
        }
        const records = ws.pendingRecords();
        ctx.recent = [...ctx.recent, new Set(records.map((r) => r.value.p ?? ""))]
          .slice(-RECENT_BATCHES);
        if (ctx.committed.length + records.length <= FOLD_IN_MEMORY) ctx.committed.push(...records);
        else ctx.keptAll = false;
        outcome.records_in += valid;
        outcome.records_out += changed;
        await step(opts, "committed");
      });
    }
  } finally {
    // A batch read ahead and not used is dropped (its reads only filled the cache).
    if (next) await next;
  }
}
