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
  metaRebuildStarted,
  silverCustomerBucketsAll,
  silverCustomerCounts,
} from "../../kv/keys.ts";
import { CommitPipe } from "./commit_pipe.ts";
import { deferringWriteSet } from "./pending_orders.ts";
import { foldPending, foldRecords } from "./fold.ts";
import { foldBucketKeys } from "./migrate.ts";
import { getManyChunked } from "../../kv/mod.ts";
import type { OrderLine } from "../contracts/types.ts";
import type { StagedRow, UploadRecord } from "../ingest/upload_types.ts";
import { OrderStateSet } from "../silver/orders.ts";
import { type Fence, type JobOptions, pastDeadline, step, withLease } from "./fence.ts";
import type { JobOutcome } from "./runner.ts";
import { classifiedUploads, stagedRowsAfter } from "./uploads.ts";
import { DEFERRED_PER_RECORD, type PendingDeltas } from "./pending_deltas.ts";
import { WriteSet } from "./write_set.ts";

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
      // After an interrupted rebuild, lines may exist that their orders do not list.
      const readAllLines = (await kv.get(metaRebuildStarted())).value !== null;
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
        readAllLines,
        committed: [],
      };
      for (const upload of await classifiedUploads(kv, "orders")) {
        if (pastDeadline(opts)) break;
        await applyUpload(kv, ctx, upload);
      }
      await pipe.settle();
      await foldLanded(kv, ctx);
    } catch (err) {
      await pipe.abandon();
      throw err;
    }
  });
  if (!held) outcome.busy = 1;
  return outcome;
}

/**
 * Most mutations one line version adds to a deferring batch: the line, its
 * order, two order-by-day entries, pending-delta records for its ≤ 8
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
  readAllLines: boolean;
  /** Pending-delta records of this run's landed commits (≤ {@link FOLD_IN_MEMORY}). */
  committed: { key: Deno.KvKey; value: PendingDeltas }[];
}

/** Pending-delta records a run keeps to fold without reading them back; the rest are listed. */
const FOLD_IN_MEMORY = 2_000;

/**
 * Folds the pending-delta records of this run's landed commits. The records
 * this run committed are folded as built, without reading them back; the
 * listing then finds only what is left (none, unless a fold failed or the run
 * kept more than {@link FOLD_IN_MEMORY}). State read from KV afterwards holds
 * every customer-count delta: call it before the drain reads state afresh.
 */
async function foldLanded(kv: Deno.Kv, ctx: ApplyContext): Promise<void> {
  const records = ctx.committed;
  ctx.committed = [];
  await foldRecords(ctx.fence, records, ctx.opts);
  await foldPending(kv, ctx.fence, APPLY_ORDERS, ctx.opts);
}

/** Reads the state a batch of line versions needs that the drain does not hold yet. */
async function loadState(
  kv: Deno.Kv,
  state: OrderStateSet,
  lines: OrderLine[],
  readAllLines: boolean,
): Promise<void> {
  // Orders first: they say which lines exist and whose customer buckets a change touches.
  state.loadLinesAndOrders(await getManyChunked(kv, state.orderKeys(lines)));
  if (readAllLines) {
    state.loadLinesAndOrders(await getManyChunked(kv, state.lineKeys(lines, true)));
    state.loadCustomers(await getManyChunked(kv, state.customerKeys(lines)));
    return;
  }
  const [current, customers] = await Promise.all([
    getManyChunked(kv, state.lineKeys(lines, false)),
    getManyChunked(kv, state.customerKeys(lines)),
  ]);
  state.loadLinesAndOrders(current);
  state.loadCustomers(customers);
}

/** Staged rows of a batch with the state they need loaded, or what stopped it (held until awaited). */
type Fetched = { rows: { row: number; value: StagedRow }[]; lines: OrderLine[] } | {
  error: unknown;
};

/**
 * Applies one upload from its cursor. KV serves reads and commits of a handle
 * one at a time, in order, so each batch's rows are listed and its state read
 * before the commit of the batch before is sent; the batch is then computed
 * while that commit is written ({@link CommitPipe}). The last batch marks the
 * upload `applied`. Returns with the last commit possibly in flight.
 */
async function applyUpload(
  kv: Deno.Kv,
  ctx: ApplyContext,
  first: Deno.KvEntry<UploadRecord>,
): Promise<void> {
  const { config, fence, pipe, opts, outcome, drain } = ctx;
  const key = bronzeUpload(first.value.id);
  // The upload as the last commit left it; its versionstamp is null while that
  // commit is in flight (then it is the lease's, renewed by that commit).
  let upload: UploadRecord | null = first.value;
  let versionstamp: string | null = first.versionstamp;
  const limit = opts.batchSize ?? 400;
  // After a failed commit: the drain's state may hold changes that did not land.
  const reload = async () => {
    drain.state = new OrderStateSet(config.fxRates);
    await foldLanded(kv, ctx);
    const e = await kv.get<UploadRecord>(key);
    upload = e.value;
    versionstamp = e.versionstamp;
  };
  const fetch = (from: UploadRecord, into: OrderStateSet): Promise<Fetched> =>
    (async () => {
      const rows = await stagedRowsAfter(kv, from.id, from.applyCursor, limit);
      await step(opts, "listed");
      const lines: OrderLine[] = [];
      for (const r of rows) if (r.value.kind === "line") lines.push(r.value.line);
      if (rows.length > 0) {
        await loadState(kv, into, lines, ctx.readAllLines);
        await step(opts, "read");
      }
      return { rows, lines };
    })().catch((error) => ({ error }));
  let next: Promise<Fetched> | null = null;
  try {
    while (!pastDeadline(opts)) {
      if (!upload || upload.status !== "classified") return;
      if (drain.state.size > STATE_CACHE_LIMIT) {
        // Read afresh only once nothing is in flight: the new state must see every commit.
        if (next) await next;
        next = null;
        if (!(await pipe.settle())) {
          await reload();
          continue;
        }
        drain.state = new OrderStateSet(config.fxRates);
        await foldLanded(kv, ctx);
      }
      const state = drain.state;
      const fetched: Fetched = await (next ?? fetch(upload, state));
      next = null;
      if ("error" in fetched) throw fetched.error;
      const { rows } = fetched;
      if (rows.length === 0) {
        // Rows exhausted by a batch that could not tell (it took exactly `limit`).
        if (!(await pipe.settle())) {
          await reload();
          continue;
        }
        const ws = new WriteSet();
        ws.check({ key, versionstamp: versionstamp ?? fence.leases[0].versionstamp });
        const applied: UploadRecord = { ...upload, status: "applied" };
        ws.set(key, applied);
        if (!(await fence.commit(ws))) {
          await reload();
          continue;
        }
        await step(opts, "committed");
        return;
      }
      const ws = deferringWriteSet(APPLY_ORDERS);
      let cursor = upload.applyCursor;
      let valid = 0;
      let changed = 0;
      let taken = 0;
      for (const r of rows) {
        if (r.value.kind === "line") {
          // Contributions tallied in the state go to pending-delta records when flushed.
          const records = Math.ceil(state.pendingEntries / DEFERRED_PER_RECORD) +
            state.pendingBuckets;
          const extra = {
            mutations: LINE_BOUND + records,
            bytes: 8192 + state.pendingEntries * 80,
            keyBytes: 2048 + records * 80,
          };
          if (valid > 0 && !ws.fits(extra)) break;
          if (state.apply(r.value.line, r.value.version, ws) === "applied") changed++;
          valid++;
        }
        cursor = r.row;
        taken++;
      }
      state.flush(ws);
      // A short listing that was taken whole reached the end: this batch closes the upload.
      const done = rows.length < limit && taken === rows.length;
      const after: UploadRecord = {
        ...upload,
        applyCursor: cursor,
        ...(done ? { status: "applied" as const } : {}),
      };
      ws.set(key, after);
      ws.sums.add(metaBacklog("orders"), -valid);
      await step(opts, "computed");
      if (!done) next = fetch(after, state);
      if (!(await pipe.settle())) {
        // The batch before did not land: this one was computed on top of it.
        if (next) await next;
        next = null;
        await reload();
        continue;
      }
      ws.check({ key, versionstamp: versionstamp ?? fence.leases[0].versionstamp });
      pipe.start(ws, async (ok) => {
        if (!ok) return;
        const records = ws.pendingRecords();
        if (ctx.committed.length + records.length <= FOLD_IN_MEMORY) ctx.committed.push(...records);
        outcome.records_in += valid;
        outcome.records_out += changed;
        await step(opts, "committed");
      });
      upload = after;
      versionstamp = null;
    }
  } finally {
    // A batch read ahead and not used is dropped (its reads only filled the cache).
    if (next) await next;
  }
}
