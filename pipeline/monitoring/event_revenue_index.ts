/**
 * Monitoring's index of event-side revenue: for each `Order Completed` event
 * in silver that carries an `order_id` and a revenue, `goldEventRevenue(order,
 * event)` = its revenue and currency. The pipeline's own indexes count these
 * events per order but do not keep their revenue, which the revenue
 * reconciliation needs.
 *
 * The index follows silver events shard by shard with a cursor
 * (`metaCursor("event_revenue", shard)`). Silver event ids are ingest ids,
 * ordered by receipt time; an id is assigned a moment before its bronze commit,
 * so each scan starts {@link RESCAN_MARGIN_MS} before the cursor to pick up an
 * event committed late. Writes are idempotent sets, so a rescan changes nothing.
 *
 * @module
 */

import type { CleanEvent } from "../contracts/types.ts";
import { dayOf } from "../contracts/buckets.ts";
import {
  goldEventRevenue,
  metaCursor,
  silverEventBlocksOfShard,
  silverEventsOfShard,
} from "../../kv/keys.ts";
import type { EventBlock } from "../silver/event_blocks.ts";
import { EVENT_SHARDS, timeOfOldestFirstId } from "../../kv/ids.ts";
import { getManyChunked } from "../../kv/mod.ts";
import type { EventRevenueEntry } from "./reconciliation_types.ts";

/** How far before its cursor each scan starts again. */
export const RESCAN_MARGIN_MS = 120_000;

const CURSOR = "event_revenue";

function idFloor(ms: number): string {
  return Math.max(0, ms).toString(36).padStart(10, "0");
}

/** The currency an event's revenue is in (`properties.currency`, else USD). */
export function eventCurrency(ev: CleanEvent): string {
  const c = ev.properties?.currency;
  return typeof c === "string" && c.trim() !== "" ? c.trim().toUpperCase() : "USD";
}

/** What one index update did. */
export interface EventRevenueScan {
  scanned: number;
  indexed: number;
  /** Event days that got a new or changed entry. */
  days: Set<string>;
}

/**
 * Brings the event-revenue index up to date with silver events.
 *
 * @example
 * ```ts
 * const { indexed } = await updateEventRevenueIndex(kv);
 * ```
 */
export async function updateEventRevenueIndex(kv: Deno.Kv): Promise<EventRevenueScan> {
  const result: EventRevenueScan = { scanned: 0, indexed: 0, days: new Set() };
  for (let shard = 0; shard < EVENT_SHARDS; shard++) {
    const cursorKey = metaCursor(CURSOR, shard);
    const cursor = await kv.get<string>(cursorKey);
    // Events still in the per-event layout (until clean_events moves them), then the blocks;
    // a block's key is its last id, so one holding an event past the floor is listed.
    const floor = cursor.value
      ? idFloor(timeOfOldestFirstId(cursor.value) - RESCAN_MARGIN_MS)
      : null;
    let last = cursor.value;
    let batch: [Deno.KvKey, EventRevenueEntry][] = [];
    const flush = async () => {
      if (batch.length === 0 && last === cursor.value) return;
      const existing = await getManyChunked<EventRevenueEntry>(kv, batch.map(([k]) => k));
      const op = kv.atomic();
      for (let i = 0; i < batch.length; i++) {
        const [key, value] = batch[i];
        const old = existing[i].value;
        if (old && old.revenue === value.revenue && old.currency === value.currency) continue;
        op.set(key, value);
        result.indexed++;
        result.days.add(value.day);
      }
      if (last) op.set(cursorKey, last);
      await op.commit();
      batch = [];
    };
    const scan = async (id: string, ev: CleanEvent) => {
      result.scanned++;
      if (last === null || id > last) last = id;
      if (ev.step === 4 && ev.orderId && ev.revenue !== undefined) {
        batch.push([goldEventRevenue(ev.orderId, ev.id), {
          revenue: ev.revenue,
          currency: eventCurrency(ev),
          day: dayOf(ev.ts),
        }]);
      }
      if (batch.length >= 400) await flush();
    };
    const legacy = silverEventsOfShard(shard);
    for (const prefix of [legacy, silverEventBlocksOfShard(shard)]) {
      const selector: Deno.KvListSelector = floor
        ? { prefix, start: [...prefix, floor] }
        : { prefix };
      const blocks = prefix !== legacy;
      for await (const e of kv.list<CleanEvent | EventBlock>(selector, { batchSize: 500 })) {
        if (!blocks) await scan(e.key[e.key.length - 1] as string, e.value as CleanEvent);
        else for (const ev of (e.value as EventBlock).events) await scan(ev.id, ev);
      }
    }
    await flush();
  }
  return result;
}
