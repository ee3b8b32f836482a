/**
 * `rebuild`: recomputes all gold from silver. Holding every job lease (so no
 * job runs meanwhile), it deletes gold counters, views and dirty marks and the
 * derived silver state, replays silver events, current order lines (re-valued
 * with the current FX table) and inventory snapshots through the same apply
 * functions as the incremental jobs, and materialises.
 *
 * @module
 */

import type { Config } from "../../config.ts";
import { EVENT_SHARDS } from "../../kv/ids.ts";
import {
  goldCountersAll,
  goldRetentionAll,
  goldSkuCountersAll,
  goldViewsAll,
  metaDirtyOf,
  metaPendingDeltasOf,
  silverCatalog,
  silverCategoryWeek,
  silverCustomerCountsAll,
  silverDerivedPrefixes,
  silverEventBlocksOfShard,
  silverInventoryRowsOfWeek,
  silverInventoryWeeks,
  silverOrderBlocksAll,
  silverPersonMasksAll,
  silverSkuWeek,
} from "../../kv/keys.ts";
import { getManyChunked, listAll } from "../../kv/mod.ts";
import { lineValueCents } from "../contracts/mod.ts";
import type { EventBlock } from "../silver/event_blocks.ts";
import { VIEW } from "../gold/metrics.ts";
import { eventMutationBound, EventState } from "../silver/events.ts";
import {
  type CatalogEntry,
  catalogEntryOf,
  type SilverInventoryRow,
  summariseWeek,
} from "../silver/inventory.ts";
import { linesOfBlock } from "../silver/order_blocks.ts";
import {
  LINE_BLOCK_BYTES,
  LINE_MUTATION_BOUND,
  type OrderBlock,
  OrderStateSet,
  type SilverLine,
} from "../silver/orders.ts";
import { APPLY_INVENTORY } from "./apply_inventory.ts";
import { APPLY_ORDERS } from "./apply_orders.ts";
import { CLEAN_EVENTS } from "./clean_events.ts";
import { type Fence, type JobOptions, step, withLeases } from "./fence.ts";
import { MATERIALISE, materialise } from "./materialise.ts";
import { migrateOrderLines, migrateSilverEvents } from "./migrate.ts";
import type { JobOutcome } from "./runner.ts";
import { WriteSet } from "./write_set.ts";

/** Every lease of the pipeline jobs. */
export function allJobLeases(): { name: string; shard: number }[] {
  return [
    ...Array.from({ length: EVENT_SHARDS }, (_, shard) => ({ name: CLEAN_EVENTS, shard })),
    { name: APPLY_ORDERS, shard: 0 },
    { name: APPLY_INVENTORY, shard: 0 },
    { name: MATERIALISE, shard: 0 },
  ];
}

/**
 * Recomputes every gold counter and view from silver. Throws when another
 * worker holds a job lease (try again when it is done).
 *
 * @example
 * ```ts
 * await rebuild(kv, config);
 * ```
 */
export async function rebuild(
  kv: Deno.Kv,
  config: Config,
  opts: JobOptions = {},
): Promise<JobOutcome> {
  const outcome: JobOutcome = { records_in: 0, records_out: 0 };
  const held = await withLeases(kv, allJobLeases(), opts, async (fence) => {
    // Stores made before order and event blocks: their lines and events move first (the replay reads blocks).
    await migrateOrderLines(kv, fence);
    for (let shard = 0; shard < EVENT_SHARDS; shard++) await migrateSilverEvents(kv, fence, shard);
    await clearDerived(kv, fence, opts);
    outcome.records_in += await replayEvents(kv, fence, opts);
    outcome.records_in += await replayLines(kv, config, fence, opts);
    outcome.records_in += await replayInventory(kv, fence, opts);
  });
  if (!held) throw new Error("A pipeline job is running; rebuild needs every job lease");
  const m = await materialise(kv, config, opts);
  outcome.records_out = m.records_out;
  return outcome;
}

async function deletePrefix(kv: Deno.Kv, fence: Fence, prefix: Deno.KvKey): Promise<void> {
  for (;;) {
    const ws = new WriteSet();
    for await (const e of kv.list({ prefix }, { limit: 800, batchSize: 800 })) ws.delete(e.key);
    if (ws.mutations === 0) return;
    await fence.commit(ws);
  }
}

async function clearDerived(kv: Deno.Kv, fence: Fence, opts: JobOptions): Promise<void> {
  const prefixes = [
    goldCountersAll(),
    goldSkuCountersAll(),
    goldRetentionAll(),
    goldViewsAll(),
    ...Object.values(VIEW).map((v) => metaDirtyOf(v)),
    // Deltas not yet folded describe silver that is replayed below.
    metaPendingDeltasOf(APPLY_ORDERS),
    ...silverDerivedPrefixes(),
    silverCustomerCountsAll(),
    silverPersonMasksAll(),
  ];
  for (const p of prefixes) await deletePrefix(kv, fence, p);
  await step(opts, "cleared");
}

/**
 * Replays every shard's event blocks onto person state read afresh per
 * batch. A batch may end inside a block: the next one lists from that block
 * and skips what was replayed.
 */
async function replayEvents(kv: Deno.Kv, fence: Fence, opts: JobOptions): Promise<number> {
  let n = 0;
  for (let shard = 0; shard < EVENT_SHARDS; shard++) {
    const prefix = silverEventBlocksOfShard(shard);
    let start: Deno.KvKey | undefined;
    /** Events of the first listed block that the batch before replayed. */
    let skip = 0;
    for (;;) {
      const blocks: Deno.KvEntry<EventBlock>[] = [];
      const selector = start ? { prefix, start } : { prefix };
      for await (const e of kv.list<EventBlock>(selector, { limit: 4, batchSize: 4 })) {
        blocks.push(e);
      }
      if (blocks.length === 0) break;
      const items = blocks.flatMap((b, i) => {
        const from = i === 0 ? skip : 0;
        return b.value.events.slice(from).map((event, j) => ({ event, block: i, at: from + j }));
      });
      const state = new EventState();
      state.load(await getManyChunked(kv, state.keysFor(items.map((x) => x.event))));
      const ws = new WriteSet();
      let taken = 0;
      for (const { event } of items) {
        const bound = eventMutationBound(state.weeksOf(event.person));
        const mutations = bound + state.pendingMutations;
        if (taken > 0 && !ws.fits({ mutations, keyBytes: 4096 })) break;
        state.apply(event, ws);
        taken++;
      }
      state.flush(ws);
      await fence.commit(ws);
      await step(opts, "committed");
      n += taken;
      if (taken === items.length) {
        start = nextKey(blocks[blocks.length - 1].key);
        skip = 0;
      } else {
        start = blocks[items[taken].block].key;
        skip = items[taken].at;
      }
    }
  }
  return n;
}

/** A start key just after `key` (every extension of a key sorts after it). */
function nextKey(key: Deno.KvKey): Deno.KvKey {
  return [...key, new Uint8Array()];
}

/** Entries of order state a replay keeps before starting afresh at an order boundary. */
const REPLAY_STATE_LIMIT = 200_000;

/**
 * Replays every order block's lines, re-valued with the current FX table,
 * onto empty order summaries, and writes the blocks back whole. A batch may
 * end inside an order (even inside a block): the order's summary carries over
 * in memory, which is safe because an interrupted rebuild starts over.
 */
async function replayLines(
  kv: Deno.Kv,
  config: Config,
  fence: Fence,
  opts: JobOptions,
): Promise<number> {
  let n = 0;
  let start: Deno.KvKey | undefined;
  /** Lines of the first listed block that the batch before replayed. */
  let skip = 0;
  let state = new OrderStateSet(config.fxRates);
  for (;;) {
    const prefix = silverOrderBlocksAll();
    const entries: Deno.KvEntry<OrderBlock>[] = [];
    for await (
      const e of kv.list<OrderBlock>(start ? { prefix, start } : { prefix }, {
        limit: 100,
        batchSize: 100,
      })
    ) {
      entries.push({ ...e, value: revalued(e.value, config) });
    }
    if (entries.length === 0) break;
    if (state.size > REPLAY_STATE_LIMIT && skip === 0 && entries[0].key[3] === 0) {
      state = new OrderStateSet(config.fxRates);
    }
    state.orders.holdBlocks(entries);
    const lines = entries.flatMap((e) => linesOfBlock(e.value).map((l) => l.line));
    state.loadCustomers(await getManyChunked(kv, state.customerKeys(lines)));
    const ws = new WriteSet();
    let taken = 0;
    let stop: { entry: number; line: number } | null = null;
    outer: for (let i = 0; i < entries.length; i++) {
      const blockLines = linesOfBlock(entries[i].value);
      for (let j = i === 0 ? skip : 0; j < blockLines.length; j++) {
        const extra = {
          mutations: LINE_MUTATION_BOUND + state.pendingEntries + state.pendingBlocks,
          bytes: 8192 + LINE_BLOCK_BYTES + state.pendingEntries * 80 + state.pendingBlockBytes,
          keyBytes: (state.pendingEntries + state.pendingBlocks) * 60,
        };
        if (taken > 0 && !ws.fits(extra)) {
          stop = { entry: i, line: j };
          break outer;
        }
        state.replace(null, blockLines[j], ws);
        taken++;
      }
    }
    state.flush(ws);
    await fence.commit(ws);
    await step(opts, "committed");
    n += taken;
    if (stop) {
      start = entries[stop.entry].key;
      skip = stop.line;
    } else {
      start = nextKey(entries[entries.length - 1].key);
      skip = 0;
    }
  }
  return n;
}

/** A block with each line valued with the current FX table. */
function revalued(block: OrderBlock, config: Config): OrderBlock {
  const lines: Record<string, SilverLine> = {};
  for (const k in block.lines) {
    const l = block.lines[k];
    lines[k] = { ...l, cents: lineValueCents(l.line, config.fxRates) };
  }
  return block.more ? { lines, more: block.more } : { lines };
}

async function replayInventory(kv: Deno.Kv, fence: Fence, opts: JobOptions): Promise<number> {
  let n = 0;
  const catalog = new Map<string, CatalogEntry>();
  let ws = new WriteSet();
  const flush = async () => {
    if (ws.mutations > 0) await fence.commit(ws);
    ws = new WriteSet();
  };
  for (const w of await listAll(kv, silverInventoryWeeks())) {
    const week = w.key[2] as string;
    const rows = (await listAll<SilverInventoryRow>(kv, silverInventoryRowsOfWeek(week)))
      .map((e) => e.value);
    n += rows.length;
    const { skus, categories } = summariseWeek(rows);
    for (const [sku, s] of skus) {
      if (!ws.fits({ mutations: 1, bytes: 1024 })) await flush();
      ws.set(silverSkuWeek(sku, week), s);
      catalog.set(sku, catalogEntryOf(week, s));
    }
    for (const [key, c] of categories) {
      if (!ws.fits({ mutations: 1, bytes: 1024 })) await flush();
      ws.set(silverCategoryWeek(key, week), c.spelling);
    }
    ws.dirty(VIEW.inventory, week);
  }
  for (const [sku, entry] of catalog) {
    if (!ws.fits({ mutations: 1, bytes: 1024 })) await flush();
    ws.set(silverCatalog(sku), entry);
  }
  ws.dirty(VIEW.catalog, "all");
  await flush();
  await step(opts, "committed");
  return n;
}
