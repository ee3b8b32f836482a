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
import { bronzeUpload, metaBacklog, metaPendingDeltas } from "../../kv/keys.ts";
import { oldestFirstId } from "../../kv/ids.ts";
import { foldPending } from "./fold.ts";
import { getManyChunked } from "../../kv/mod.ts";
import type { OrderLine } from "../contracts/types.ts";
import type { UploadRecord } from "../ingest/upload_types.ts";
import { OrderStateSet } from "../silver/orders.ts";
import { type Fence, type JobOptions, pastDeadline, step, withLease } from "./fence.ts";
import type { JobOutcome } from "./runner.ts";
import { classifiedUploads, stagedRowsAfter } from "./uploads.ts";
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
    // Order and customer state read in earlier batches stays valid while the
    // lease is held: only this worker writes it.
    const drain = { state: new OrderStateSet(config.fxRates) };
    await foldPending(kv, fence, APPLY_ORDERS, opts);
    for (const upload of await classifiedUploads(kv, "orders")) {
      if (pastDeadline(opts)) break;
      await applyUpload(kv, { config, fence, opts, outcome, drain }, upload);
    }
    await foldPending(kv, fence, APPLY_ORDERS, opts);
  });
  if (!held) outcome.busy = 1;
  return outcome;
}

/**
 * A write set whose gold counters and dirty marks go to pending-delta records
 * (folded at the end of the run): a line touches ~10 counters, mostly per SKU,
 * and folding many batches at once writes each counter once.
 */
function deferringWriteSet(): WriteSet {
  const ws = new WriteSet();
  const batch = oldestFirstId();
  // Parts padded so that a batch's records list in part order (its dirty marks come last).
  ws.deferCounters((part) =>
    metaPendingDeltas(APPLY_ORDERS, `${batch}-${String(part).padStart(4, "0")}`)
  );
  return ws;
}

/**
 * Most mutations one line version adds to a deferring batch: the line, its
 * order, two order-by-day entries, eight customer buckets, and one more
 * pending-delta record for its counters and marks.
 */
const LINE_BOUND = 1 + 1 + 2 + 8 + 1;

/** Entries of state kept between batches of one run before starting afresh. */
const STATE_CACHE_LIMIT = 200_000;

interface ApplyContext {
  config: Config;
  fence: Fence;
  opts: JobOptions;
  outcome: JobOutcome;
  drain: { state: OrderStateSet };
}

async function applyUpload(
  kv: Deno.Kv,
  ctx: ApplyContext,
  first: Deno.KvEntry<UploadRecord>,
): Promise<void> {
  const { config, fence, opts, outcome, drain } = ctx;
  const key = bronzeUpload(first.value.id);
  let entry: Deno.KvEntryMaybe<UploadRecord> = first;
  const limit = opts.batchSize ?? 400;
  while (!pastDeadline(opts)) {
    const upload = entry.value;
    if (!upload || upload.status !== "classified") return;
    const rows = await stagedRowsAfter(kv, upload.id, upload.applyCursor, limit);
    await step(opts, "listed");
    const ws = deferringWriteSet();
    ws.check({ key, versionstamp: entry.versionstamp });
    if (rows.length === 0) {
      ws.set(key, { ...upload, status: "applied" } satisfies UploadRecord);
      if (await fence.commit(ws)) await step(opts, "committed");
      entry = await kv.get<UploadRecord>(key);
      continue;
    }
    const lines: OrderLine[] = [];
    for (const r of rows) if (r.value.kind === "line") lines.push(r.value.line);
    if (drain.state.size > STATE_CACHE_LIMIT) drain.state = new OrderStateSet(config.fxRates);
    const state = drain.state;
    state.loadLinesAndOrders(await getManyChunked(kv, state.lineAndOrderKeys(lines)));
    state.loadCustomers(await getManyChunked(kv, state.customerKeys(lines)));
    await step(opts, "read");
    let cursor = upload.applyCursor;
    let valid = 0;
    let changed = 0;
    for (const r of rows) {
      if (r.value.kind === "line") {
        if (valid > 0 && !ws.fits({ mutations: LINE_BOUND, bytes: 8192, keyBytes: 2048 })) break;
        if (state.apply(r.value.line, r.value.version, ws) === "applied") changed++;
        valid++;
      }
      cursor = r.row;
    }
    const next: UploadRecord = { ...upload, applyCursor: cursor };
    ws.set(key, next);
    ws.sums.add(metaBacklog("orders"), -valid);
    await step(opts, "computed");
    if (await fence.commit(ws)) {
      outcome.records_in += valid;
      outcome.records_out += changed;
      // The upload record was written by this commit: its versionstamp is the lease's.
      entry = { key, value: next, versionstamp: fence.leases[0].versionstamp };
      await step(opts, "committed");
    } else {
      drain.state = new OrderStateSet(config.fxRates);
      entry = await kv.get<UploadRecord>(key);
    }
  }
}
