/**
 * One-time moves of state kept in the layouts of earlier versions:
 *
 * - derived silver state kept one key per bucket (`[..., owner, bucket] =
 *   number`) into one record per owner and part (`bucketPart`): customer
 *   counts and person step masks (`rebuild` recomputes them either way);
 * - order lines kept one key per line (`silverOrderLine`) into order blocks
 *   (`silverOrderBlock`), and clean events kept one key per event
 *   (`silverEvent`) into event blocks (`silverEventBlock`): the silver data
 *   itself.
 *
 * @module
 */

import {
  silverEventsOfShard,
  silverOrder,
  silverOrderBlock,
  silverOrderLines,
} from "../../kv/keys.ts";
import { getManyChunked, listAll } from "../../kv/mod.ts";
import { bucketPart } from "../gold/metrics.ts";
import type { CleanEvent } from "../contracts/types.ts";
import { EventBlocks } from "../silver/event_blocks.ts";
import { blockOfLine, type OrderBlock } from "../silver/order_blocks.ts";
import type { SilverLine } from "../silver/order_types.ts";
import { serialisedBound } from "./commit_size.ts";
import { type Fence, type JobOptions, pastDeadline } from "./fence.ts";
import { WriteSet } from "./write_set.ts";

/** Whether any key is left under `prefix` (one listing). */
export async function hasKeys(kv: Deno.Kv, prefix: Deno.KvKey): Promise<boolean> {
  for await (const _ of kv.list({ prefix }, { limit: 1 })) return true;
  return false;
}

/**
 * Folds every `[...oldPrefix, owner, bucket]` entry into the record at
 * `recordKey(owner, bucketPart(bucket))`, 400 keys per fenced commit, each
 * commit deleting the keys it folded (an interrupted run resumes where it
 * stopped). The caller holds the lease of every writer of that state.
 * Returns the keys folded.
 *
 * @example
 * ```ts
 * await foldBucketKeys(kv, fence, silverCustomerBucketsAll(), silverCustomerCounts);
 * ```
 */
export async function foldBucketKeys(
  kv: Deno.Kv,
  fence: Fence,
  oldPrefix: Deno.KvKey,
  recordKey: (owner: string, part: string) => Deno.KvKey,
): Promise<number> {
  const at = oldPrefix.length;
  let folded = 0;
  for (;;) {
    const old = await listAll<number>(kv, oldPrefix, { limit: 400 });
    if (old.length === 0) return folded;
    const keys = new Map<string, Deno.KvKey>();
    const idOf = (e: Deno.KvEntry<number>) => {
      const owner = e.key[at] as string;
      const part = bucketPart(e.key[at + 1] as string);
      const id = `${owner}\u0001${part}`;
      if (!keys.has(id)) keys.set(id, recordKey(owner, part));
      return id;
    };
    for (const e of old) idOf(e);
    const current = await getManyChunked<Record<string, number>>(kv, [...keys.values()]);
    const ids = [...keys.keys()];
    const records = new Map(ids.map((id, i) => [id, { ...current[i].value }]));
    const ws = new WriteSet();
    for (const e of old) {
      records.get(idOf(e))![e.key[at + 1] as string] = e.value;
      ws.delete(e.key);
    }
    for (const [id, record] of records) ws.set(keys.get(id)!, record);
    if (!(await fence.commit(ws))) throw new Error("Folding per-bucket state failed a check");
    folded += old.length;
  }
}

/**
 * Legacy line keys moved per commit. Keys list by order, so a page touches
 * at most one order moved in part before (≤ 64 lines of blocks read back),
 * and each line costs ≤ 4 mutations: its key and its order's summary
 * deleted, its block and block 0 set.
 */
const LINES_PER_MOVE = 240;

/**
 * Moves every order line of the layout before 2026-11-26 (`silverOrderLine`)
 * into its order's blocks, {@link LINES_PER_MOVE} lines per fenced commit;
 * each commit deletes the line keys it moved and the summaries of their
 * orders (derived, now read from the blocks), so an interrupted run resumes
 * where it stopped. The caller holds the `apply_orders` lease. Returns
 * whether none is left (false: the deadline came first).
 *
 * @example
 * ```ts
 * if (!(await migrateOrderLines(kv, fence, opts))) return; // the next run goes on
 * ```
 */
export async function migrateOrderLines(
  kv: Deno.Kv,
  fence: Fence,
  opts: JobOptions = {},
): Promise<boolean> {
  for (;;) {
    const old = await listAll<SilverLine>(kv, silverOrderLines(), { limit: LINES_PER_MOVE });
    if (old.length === 0) return true;
    if (pastDeadline(opts)) return false;
    const keys = new Map<string, Deno.KvKey>();
    const want = (o: string, b: number) => {
      const id = `${o}\u0001${b}`;
      if (!keys.has(id)) keys.set(id, silverOrderBlock(o, b));
      return id;
    };
    // The key says where a line belongs (its value was written with it).
    const at = (e: Deno.KvEntry<SilverLine>) => ({
      orderId: e.key[2] as string,
      lineNo: e.key[3] as number,
    });
    for (const e of old) {
      const { orderId, lineNo } = at(e);
      want(orderId, 0);
      want(orderId, blockOfLine(lineNo));
    }
    const read = await getManyChunked<OrderBlock>(kv, [...keys.values()]);
    const blocks = new Map<string, OrderBlock>();
    [...keys.keys()].forEach((id, i) => {
      const v = read[i].value;
      blocks.set(id, { ...v, lines: { ...v?.lines } });
    });
    const ws = new WriteSet();
    for (const e of old) {
      const { orderId, lineNo } = at(e);
      const b = blockOfLine(lineNo);
      blocks.get(want(orderId, b))!.lines[String(lineNo)] = e.value;
      const head = blocks.get(want(orderId, 0))!;
      if (b > 0 && !head.more?.includes(b)) {
        head.more = [...(head.more ?? []), b].sort((x, y) => x - y);
      }
      ws.delete(e.key);
      ws.delete(silverOrder(orderId));
    }
    for (const [id, key] of keys) ws.set(key, blocks.get(id));
    if (!(await fence.commit(ws))) throw new Error("Moving order lines to blocks failed a check");
  }
}

/** Legacy event keys listed per commit (fewer when their bytes fill the commit first). */
const EVENTS_PER_MOVE = 400;

/**
 * Moves the clean events of one shard still in the layout before 2026-11-26
 * (`silverEvent`) into event blocks, in ingest-id order, each fenced commit
 * deleting the keys it moved (an interrupted run resumes where it stopped).
 * The caller holds the shard's `clean_events` lease. Returns whether none is
 * left (false: the deadline came first).
 *
 * @example
 * ```ts
 * if (!(await migrateSilverEvents(kv, fence, shard, opts))) return 0; // the next run goes on
 * ```
 */
export async function migrateSilverEvents(
  kv: Deno.Kv,
  fence: Fence,
  shard: number,
  opts: JobOptions = {},
): Promise<boolean> {
  for (;;) {
    const old = await listAll<CleanEvent>(kv, silverEventsOfShard(shard), {
      limit: EVENTS_PER_MOVE,
    });
    if (old.length === 0) return true;
    if (pastDeadline(opts)) return false;
    const ws = new WriteSet();
    const blocks = new EventBlocks(shard);
    let n = 0;
    for (const e of old) {
      const size = serialisedBound(e.value);
      const extra = { mutations: 3, bytes: size + blocks.openBytes + 256, keyBytes: 512 };
      if (n > 0 && !ws.fits(extra)) break;
      blocks.add(ws, { id: e.key[3] as string, value: e.value, size });
      ws.deleteOnce(e.key);
      n++;
    }
    blocks.close(ws);
    if (!(await fence.commit(ws))) throw new Error("Moving silver events to blocks failed a check");
  }
}
