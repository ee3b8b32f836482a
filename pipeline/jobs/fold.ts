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
import { listAll } from "../../kv/mod.ts";
import { type Fence, type JobOptions, step } from "./fence.ts";
import { type PendingDeltas, WriteSet } from "./write_set.ts";

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
    const records = await listAll<PendingDeltas>(kv, metaPendingDeltasOf(job), { limit: 100 });
    if (records.length === 0) return folded;
    let ws = new WriteSet();
    for (const r of records) {
      const n = r.value.counters.length + r.value.dirty.length + 1;
      if (ws.mutations > 0 && !ws.fits({ mutations: n, keyBytes: n * 60, bytes: n * 80 })) {
        await fence.commit(ws);
        await step(opts, "folded");
        ws = new WriteSet();
      }
      for (const [key, delta] of r.value.counters) ws.counters.add(key, delta);
      for (const [kind, id] of r.value.dirty) ws.dirty(kind, id);
      ws.delete(r.key);
      folded++;
    }
    await fence.commit(ws);
    await step(opts, "folded");
  }
}
