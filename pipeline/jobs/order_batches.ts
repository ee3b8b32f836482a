/**
 * Listing the staged rows of `apply_orders` batches, which may run from the
 * end of one upload into the next ones, and reading the state they need.
 *
 * @module
 */

import { getManyChunked } from "../../kv/mod.ts";
import type { OrderLine } from "../contracts/types.ts";
import type { StagedRow, UploadRecord } from "../ingest/upload_types.ts";
import type { OrderStateSet } from "../silver/orders.ts";
import { type JobOptions, step } from "./fence.ts";
import { stagedRowsAfter } from "./uploads.ts";

/**
 * A classified upload in the order `apply_orders` takes them: its record as
 * the last computed batch left it, and the versionstamp to check it against
 * (null while the commit that wrote it is in flight: then it is the lease's,
 * renewed by that commit).
 */
export interface UploadSlot {
  key: Deno.KvKey;
  record: UploadRecord | null;
  versionstamp: string | null;
}

/** Rows of one upload in a batch; `exhausted` when the listing reached its end. */
export interface Segment {
  slot: number;
  rows: { row: number; value: StagedRow }[];
  exhausted: boolean;
}

/** The rows of a batch with the state they need loaded, or what stopped it (held until awaited). */
export type Fetched = { segments: Segment[] } | { error: unknown };

/** Whether a slot still has rows to apply. */
export function pendingSlot(slot: UploadSlot | undefined): boolean {
  return slot?.record?.status === "classified";
}

/**
 * Lists up to `limit` rows from slot `from` (after its cursor), going on to
 * the next pending slots when an upload ends before, and reads the state
 * their lines need into `into`.
 *
 * @example
 * ```ts
 * const fetched = await fetchBatch(kv, { slots, from: 0, into: state, limit: 500, opts });
 * ```
 */
export function fetchBatch(
  kv: Deno.Kv,
  args: {
    slots: UploadSlot[];
    from: number;
    into: OrderStateSet;
    limit: number;
    opts: JobOptions;
  },
): Promise<Fetched> {
  const { slots, into, limit, opts } = args;
  // Cursors as they are now: the caller changes slots only after this batch is awaited.
  const cursors = slots.map((s) => s.record?.applyCursor ?? 0);
  return (async () => {
    const segments: Segment[] = [];
    let want = limit;
    for (let j = args.from; j < slots.length && want > 0; j++) {
      const record = slots[j].record;
      if (!record || !pendingSlot(slots[j])) continue;
      const rows = await stagedRowsAfter(kv, record.id, cursors[j], want);
      const exhausted = rows.length < want;
      segments.push({ slot: j, rows, exhausted });
      want -= rows.length;
      if (!exhausted) break;
    }
    await step(opts, "listed");
    const lines: OrderLine[] = [];
    for (const s of segments) {
      for (const r of s.rows) if (r.value.kind === "line") lines.push(r.value.line);
    }
    if (lines.length > 0) {
      await loadState(kv, into, lines);
      await step(opts, "read");
    }
    return { segments };
  })().catch((error) => ({ error }));
}

/** Reads the state a batch of line versions needs that the drain does not hold yet. */
async function loadState(kv: Deno.Kv, state: OrderStateSet, lines: OrderLine[]): Promise<void> {
  // Orders first (block 0, then any further blocks it lists): they hold the
  // current lines and say whose customer buckets a change touches.
  let keys = state.orders.orderKeys(lines);
  while (keys.length > 0) keys = state.orders.loadBlocks(await getManyChunked(kv, keys));
  state.loadCustomers(await getManyChunked(kv, state.customerKeys(lines)));
}
