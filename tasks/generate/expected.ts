/**
 * Assembles `expected.json`, the answer key, from the three tallies: the read
 * API's shapes (api.md, pipeline/read/types.ts) for every bucket with data or
 * inside the range, the quality figures per file, the cross-source checks per
 * day, and the injected dirt.
 *
 * @module
 */

import { dayString, isoWeekLabel, monthLabel } from "./calendar.ts";
import type { DirtTally } from "./dirt.ts";
import { fxTableText } from "./money.ts";
import { emptyOrderKpis, orderFacts, type OrderKpis } from "./kpis_orders.ts";
import { type InventoryKpis, inventoryKpis } from "./kpis_inventory.ts";
import type { EventKpis, EventTally, QualityFigures } from "./truth_events.ts";
import { closeAllEventBuckets, eventKpisOf, retentionOf } from "./truth_event_kpis.ts";
import type { OrderFileQuality, OrderTally } from "./truth_orders.ts";
import { catalogOf, type InventoryFileQuality, type InventoryTally } from "./truth_inventory.ts";
import type { DailyKpis, RetentionKpis } from "../../pipeline/read/types.ts";

/** Parameters of the run, echoed in `meta`. */
export interface ExpectedMeta {
  seed: number;
  days: number;
  persons: number;
  dirty: number;
  start: string;
  end: string;
  fx_rates: Record<string, string>;
  /** How the files must be ingested for these answers to hold (docs/generator.md). */
  ingest: { events_historical: true; received_after: string };
  files: {
    events: string;
    orders: { file: string; date: string }[];
    inventory: { file: string; week: string }[];
  };
}

/** The shape of `expected.json`. */
export interface Expected {
  meta: ExpectedMeta;
  orders: Record<string, OrderKpis>;
  events: Record<string, EventKpis>;
  daily: DailyKpis;
  retention: RetentionKpis;
  inventory: Record<string, InventoryKpis>;
  quality: {
    events: QualityFigures & { rejected_requests: Record<string, number> };
    orders: Record<string, OrderFileQuality & { rejected_requests: Record<string, number> }>;
    inventory: Record<string, InventoryFileQuality & { rejected_requests: Record<string, number> }>;
  };
  cross_source: {
    date: string;
    orders_unknown_sku: number;
    orders_without_event: number;
    events_without_order: number;
  }[];
  dirt: { events: DirtTally; orders: DirtTally; inventory: DirtTally };
}

/** Everything the answer key is computed from. */
export interface ExpectedInput {
  meta: Omit<ExpectedMeta, "fx_rates">;
  fxD4: Readonly<Record<string, number>>;
  startDay: number;
  endDay: number;
  events: EventTally;
  orders: OrderTally;
  inventory: InventoryTally;
  dirt: { events: DirtTally; orders: DirtTally; inventory: DirtTally };
}

function bucketLabels(startDay: number, endDay: number, extra: Iterable<string>): string[] {
  const days = new Set<string>(), weeks = new Set<string>(), months = new Set<string>();
  for (let d = startDay; d <= endDay; d++) {
    days.add(dayString(d));
    weeks.add(isoWeekLabel(d));
    months.add(monthLabel(d));
  }
  for (const label of extra) {
    if (label === "all") continue;
    if (/^\d{4}-\d{2}-\d{2}$/.test(label)) days.add(label);
    else if (label.includes("-W")) weeks.add(label);
    else months.add(label);
  }
  return [...[...days].sort(), ...[...weeks].sort(), ...[...months].sort(), "all"];
}

/**
 * Computes the answer key.
 *
 * @example
 * ```ts
 * const expected = buildExpected(input);
 * expected.orders["all"].revenue_cents;
 * ```
 */
export function buildExpected(input: ExpectedInput): Expected {
  closeAllEventBuckets(input.events);
  const catalog = catalogOf(input.inventory);
  const facts = orderFacts(input.orders.current.values(), catalog, input.fxD4);

  const orders: Record<string, OrderKpis> = {};
  for (const label of bucketLabels(input.startDay, input.endDay, facts.kpis.keys())) {
    orders[label] = facts.kpis.get(label) ?? emptyOrderKpis(label);
  }
  const events: Record<string, EventKpis> = {};
  for (const label of bucketLabels(input.startDay, input.endDay, input.events.closed.keys())) {
    events[label] = eventKpisOf(input.events, label);
  }
  const days: Expected["daily"]["days"] = [];
  for (let d = input.startDay; d <= input.endDay; d++) {
    const o = orders[dayString(d)], e = events[dayString(d)];
    days.push({
      date: dayString(d),
      revenue_cents: o.revenue_cents,
      orders: o.orders,
      units: o.units,
      aov_cents: o.aov_cents,
      events: e.events,
      persons: e.persons,
    });
  }

  const inventory: Record<string, InventoryKpis> = {};
  for (const week of [...input.inventory.weeks].sort((a, b) => a.monday - b.monday)) {
    inventory[dayString(week.monday)] = inventoryKpis(week, catalog, facts.unitsBySkuDay);
  }

  const completedIds = new Set(input.events.completed.map((c) => c.orderId));
  const fileIds = new Set<string>();
  for (const ids of facts.ordersByDay.values()) for (const id of ids) fileIds.add(id);
  const eventsWithout = new Map<number, number>();
  for (const c of input.events.completed) {
    if (!fileIds.has(c.orderId)) eventsWithout.set(c.day, (eventsWithout.get(c.day) ?? 0) + 1);
  }
  const crossDays = new Set<number>();
  for (let d = input.startDay; d <= input.endDay; d++) crossDays.add(d);
  for (const d of facts.ordersByDay.keys()) crossDays.add(d);
  for (const d of eventsWithout.keys()) crossDays.add(d);
  const cross_source = [...crossDays].sort((a, b) => a - b).map((d) => {
    let without = 0;
    for (const id of facts.ordersByDay.get(d) ?? []) if (!completedIds.has(id)) without++;
    return {
      date: dayString(d),
      orders_unknown_sku: facts.unknownSkuLinesByDay.get(d) ?? 0,
      orders_without_event: without,
      events_without_order: eventsWithout.get(d) ?? 0,
    };
  });

  const none = { rejected_requests: {} as Record<string, number> };
  const orderQuality: Expected["quality"]["orders"] = {};
  for (const date of [...input.orders.files.keys()].sort()) {
    orderQuality[date] = { ...input.orders.files.get(date)!, ...none };
  }
  const inventoryQuality: Expected["quality"]["inventory"] = {};
  for (const monday of [...input.inventory.quality.keys()].sort((a, b) => a - b)) {
    inventoryQuality[dayString(monday)] = { ...input.inventory.quality.get(monday)!, ...none };
  }
  return {
    meta: { ...input.meta, fx_rates: fxTableText(input.fxD4) },
    orders,
    events,
    daily: { days },
    retention: retentionOf(input.events),
    inventory,
    quality: {
      events: { ...input.events.quality, ...none },
      orders: orderQuality,
      inventory: inventoryQuality,
    },
    cross_source,
    dirt: input.dirt,
  };
}
