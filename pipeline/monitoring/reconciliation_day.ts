/**
 * The reconciliation of one order day, computed from the pipeline's silver
 * indexes and monitoring's event-revenue index (no writes). The figures are
 * described in reconciliation.ts and docs/monitoring.md.
 *
 * @module
 */

import type { Config } from "../../config.ts";
import {
  goldEventRevenueOf,
  goldSkusOfBucket,
  silverCatalog,
  silverOrderEvent,
  silverOrderEventsOfDay,
  silverOrdersOfDay,
} from "../../kv/keys.ts";
import { counterValue } from "../../kv/counters.ts";
import { getManyChunked } from "../../kv/mod.ts";
import { lineValueCents, REVENUE_STATUSES } from "../contracts/mod.ts";
import type { OrderStatus } from "../contracts/types.ts";
import { ordersExist, readOrderLines } from "../silver/order_blocks.ts";
import type { OrderDay } from "../silver/orders.ts";
import type {
  CrossSourceView,
  EventRevenueEntry,
  ReconciliationItem,
} from "./reconciliation_types.ts";

/** Every entry under `prefix`, by the key part that follows it. */
export async function listMap<T>(kv: Deno.Kv, prefix: Deno.KvKey): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  for await (const e of kv.list<T>({ prefix }, { batchSize: 1000 })) {
    out.set(e.key[prefix.length] as string, e.value);
  }
  return out;
}

function isRevenueStatus(status: OrderStatus): boolean {
  return REVENUE_STATUSES.includes(status);
}

function eventCents(entry: EventRevenueEntry, fxRates: Record<string, string>): number | null {
  if (!Object.hasOwn(fxRates, entry.currency)) return null;
  return lineValueCents(
    { quantity: 1, unitPrice: entry.revenue, discount: "0", currency: entry.currency },
    fxRates,
  );
}

/** A day's figures and findings. */
export interface DayResult {
  view: Omit<CrossSourceView, "checked_at" | "fingerprint">;
  items: ReconciliationItem[];
}

/**
 * The reconciliation of one order day, computed from silver (no writes).
 *
 * @example
 * ```ts
 * const { view, items } = await computeDay(kv, config, "2026-11-25");
 * ```
 */
export async function computeDay(kv: Deno.Kv, config: Config, day: string): Promise<DayResult> {
  const [orders, events, skuEntries] = await Promise.all([
    listMap<OrderDay>(kv, silverOrdersOfDay(day)),
    listMap<Deno.KvU64>(kv, silverOrderEventsOfDay(day)),
    (async () => {
      const prefix = goldSkusOfBucket(day);
      const lines = new Map<string, number>();
      for await (const e of kv.list({ prefix }, { batchSize: 1000 })) {
        if (e.key[prefix.length + 1] !== "revenue_lines") continue;
        const n = counterValue(e.value);
        if (n > 0) lines.set(e.key[prefix.length] as string, n);
      }
      return lines;
    })(),
  ]);
  const items: ReconciliationItem[] = [];
  const orderIds = [...orders.keys()];
  const eventOrderIds = [...events.keys()];
  const skus = [...skuEntries.keys()];
  const [eventCounts, known, catalog] = await Promise.all([
    getManyChunked(kv, orderIds.map(silverOrderEvent)),
    ordersExist(kv, eventOrderIds),
    getManyChunked(kv, skus.map(silverCatalog)),
  ]);

  let unknownSkuLines = 0;
  skus.forEach((sku, i) => {
    if (catalog[i].value !== null) return;
    const n = skuEntries.get(sku)!;
    unknownSkuLines += n;
    items.push({ kind: "orders_unknown_sku", sku, revenue_lines: n });
  });

  const withEvent: string[] = [];
  orderIds.forEach((o, i) => {
    if (counterValue(eventCounts[i].value) > 0) {
      withEvent.push(o);
      return;
    }
    const d = orders.get(o)!;
    items.push({
      kind: "orders_without_event",
      order_id: o,
      lines: d.lines,
      revenue_lines: d.revenue_lines,
    });
  });

  let eventsWithoutOrder = 0;
  let orderEvents = 0;
  eventOrderIds.forEach((o, i) => {
    const n = counterValue(events.get(o));
    orderEvents += n;
    if (known[i]) return;
    eventsWithoutOrder += n;
    items.push({ kind: "events_without_order", order_id: o, events: n });
  });

  let compared = 0;
  let mismatches = 0;
  let difference = 0;
  let uncomparable = 0;
  for (let i = 0; i < withEvent.length; i += 20) {
    const chunk = withEvent.slice(i, i + 20);
    // The chunk's order lines in one read of their blocks, beside the revenue listings.
    const [lineSets, revenueMaps] = await Promise.all([
      readOrderLines(kv, chunk),
      Promise.all(chunk.map((o) => listMap<EventRevenueEntry>(kv, goldEventRevenueOf(o)))),
    ]);
    const results = chunk.map((o, k) => {
      const revenues = [...revenueMaps[k].entries()];
      if (revenues.length === 0) return null;
      // The latest event (ids sort by receipt) states the order's revenue.
      revenues.sort(([a], [b]) => a.localeCompare(b));
      const latest = revenues[revenues.length - 1][1];
      let orderCents = 0;
      for (const l of lineSets[k]) if (isRevenueStatus(l.line.status)) orderCents += l.cents;
      return { o, eventCents: eventCents(latest, config.fxRates), orderCents };
    });
    for (const r of results) {
      if (r === null) continue;
      if (r.eventCents === null) {
        uncomparable++;
        continue;
      }
      compared++;
      if (r.eventCents !== r.orderCents) {
        mismatches++;
        difference += r.eventCents - r.orderCents;
        items.push({
          kind: "revenue_mismatch",
          order_id: r.o,
          event_revenue_cents: r.eventCents,
          order_revenue_cents: r.orderCents,
          difference_cents: r.eventCents - r.orderCents,
        });
      }
    }
  }

  return {
    view: {
      date: day,
      orders_unknown_sku: unknownSkuLines,
      orders_without_event: orderIds.length - withEvent.length,
      events_without_order: eventsWithoutOrder,
      orders_checked: orderIds.length,
      order_events_checked: orderEvents,
      revenue_compared: compared,
      revenue_mismatches: mismatches,
      revenue_difference_cents: difference,
      revenue_uncomparable: uncomparable,
    },
    items,
  };
}
