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
import { bronzeUpload, metaBacklog } from "../../kv/keys.ts";
import { getManyChunked } from "../../kv/mod.ts";
import type { OrderLine } from "../contracts/types.ts";
import type { UploadRecord } from "../ingest/upload_types.ts";
import { LINE_MUTATION_BOUND, OrderStateSet } from "../silver/orders.ts";
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
    for (const upload of await classifiedUploads(kv, "orders")) {
      if (pastDeadline(opts)) break;
      await applyUpload(kv, config, fence, upload, opts, outcome);
    }
  });
  if (!held) outcome.busy = 1;
  return outcome;
}

async function applyUpload(
  kv: Deno.Kv,
  config: Config,
  fence: Fence,
  first: Deno.KvEntry<UploadRecord>,
  opts: JobOptions,
  outcome: JobOutcome,
): Promise<void> {
  const key = bronzeUpload(first.value.id);
  let entry: Deno.KvEntryMaybe<UploadRecord> = first;
  const limit = opts.batchSize ?? 300;
  while (!pastDeadline(opts)) {
    const upload = entry.value;
    if (!upload || upload.status !== "classified") return;
    const rows = await stagedRowsAfter(kv, upload.id, upload.applyCursor, limit);
    await step(opts, "listed");
    const ws = new WriteSet();
    ws.check({ key, versionstamp: entry.versionstamp });
    if (rows.length === 0) {
      ws.set(key, { ...upload, status: "applied" } satisfies UploadRecord);
      if (await fence.commit(ws)) await step(opts, "committed");
      entry = await kv.get<UploadRecord>(key);
      continue;
    }
    const lines: OrderLine[] = [];
    for (const r of rows) if (r.value.kind === "line") lines.push(r.value.line);
    const state = new OrderStateSet(config.fxRates);
    state.loadLinesAndOrders(await getManyChunked(kv, OrderStateSet.lineAndOrderKeys(lines)));
    state.loadCustomers(await getManyChunked(kv, state.customerKeys(lines)));
    await step(opts, "read");
    let cursor = upload.applyCursor;
    let valid = 0;
    let changed = 0;
    for (const r of rows) {
      if (r.value.kind === "line") {
        if (valid > 0 && !ws.fits({ mutations: LINE_MUTATION_BOUND, bytes: 8192 })) break;
        if (state.apply(r.value.line, r.value.version, ws) === "applied") changed++;
        valid++;
      }
      cursor = r.row;
    }
    ws.set(key, { ...upload, applyCursor: cursor } satisfies UploadRecord);
    ws.counters.add(metaBacklog("orders"), -valid);
    await step(opts, "computed");
    if (await fence.commit(ws)) {
      outcome.records_in += valid;
      outcome.records_out += changed;
      await step(opts, "committed");
    }
    entry = await kv.get<UploadRecord>(key);
  }
}
