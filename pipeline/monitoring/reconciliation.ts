/**
 * Cross-source reconciliation per order day (shared/spec/kpis.md, "Data
 * quality"), computed by the checks job from the pipeline's silver indexes:
 *
 * - `orders_unknown_sku`: revenue lines of the day whose SKU no inventory
 *   snapshot contains (SKU counters `revenue_lines` of the day, against the
 *   catalog);
 * - `orders_without_event`: orders with a line on the day that no
 *   `Order Completed` event names (`silverOrderByDay`, `silverOrderEvent`);
 * - `events_without_order`: `Order Completed` events of the day naming an
 *   order no orders file has (`silverOrderEventByDay`, `silverOrder`);
 * - revenue mismatches: orders whose event revenue (the latest such event,
 *   valued with the FX table) differs from the value of their revenue lines.
 *
 * Each day's figures go to `goldView("cross_source", day)` and its findings to
 * `goldReconciliation(day, kind, item)`, browsable with {@link listReconciliation}.
 *
 * @module
 */

import type { Config } from "../../config.ts";
import {
  goldEventRevenueOf,
  goldReconciliation,
  goldReconciliationOf,
  goldSkusOfBucket,
  goldView,
  goldViewsOf,
  metaDirty,
  silverCatalog,
  silverInventoryWeeks,
  silverOrder,
  silverOrderEvent,
  silverOrderEventsByDayAll,
  silverOrderEventsOfDay,
  silverOrderLinesOf,
  silverOrdersByDayAll,
  silverOrdersOfDay,
} from "../../kv/keys.ts";
import { counterValue } from "../../kv/counters.ts";
import { getManyChunked } from "../../kv/mod.ts";
import { isDay, lineValueCents, REVENUE_STATUSES } from "../contracts/mod.ts";
import type { OrderStatus } from "../contracts/types.ts";
import { VIEW } from "../gold/metrics.ts";
import type { OrderDay, OrderState, SilverLine } from "../silver/orders.ts";
import {
  CROSS_SOURCE_VIEW,
  type CrossSourceView,
  type EventRevenueEntry,
  RECONCILIATION_KINDS,
  type ReconciliationItem,
  type ReconciliationKind,
} from "./reconciliation_types.ts";
import { updateEventRevenueIndex } from "./event_revenue_index.ts";
import { decodeCursor, encodeCursor } from "./quarantine_list.ts";

/** The most recent order days always recomputed (their inputs change across days). */
export const RECENT_DAYS_ALWAYS_CHECKED = 7;

async function listMap<T>(kv: Deno.Kv, prefix: Deno.KvKey): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  for await (const e of kv.list<T>({ prefix }, { batchSize: 1000 })) {
    out.set(e.key[prefix.length] as string, e.value);
  }
  return out;
}

/** Every distinct key part after `prefix` (one read per value: a skip scan). */
async function distinctParts(kv: Deno.Kv, prefix: Deno.KvKey): Promise<string[]> {
  const out: string[] = [];
  let start: Deno.KvKey | undefined;
  for (;;) {
    let next: string | null = null;
    for await (const e of kv.list(start ? { prefix, start } : { prefix }, { limit: 1 })) {
      next = e.key[prefix.length] as string;
    }
    if (next === null) return out;
    out.push(next);
    start = [...prefix, `${next}\u0000`];
  }
}

/** The order days any index knows of, plus the days already checked. */
async function knownDays(kv: Deno.Kv): Promise<string[]> {
  const [a, b, c] = await Promise.all([
    distinctParts(kv, silverOrdersByDayAll()),
    distinctParts(kv, silverOrderEventsByDayAll()),
    distinctParts(kv, goldViewsOf(CROSS_SOURCE_VIEW)),
  ]);
  return [...new Set([...a, ...b, ...c])].filter(isDay).sort();
}

async function catalogVersion(kv: Deno.Kv): Promise<string> {
  let max = "";
  for await (const e of kv.list({ prefix: silverInventoryWeeks() })) {
    if (e.versionstamp > max) max = e.versionstamp;
  }
  return max;
}

/** What the day's figures depend on, as versionstamps (equal fingerprints: nothing to redo). */
async function fingerprints(
  kv: Deno.Kv,
  days: string[],
  catalog: string,
): Promise<Map<string, string>> {
  const keys: Deno.KvKey[] = [];
  for (const d of days) {
    keys.push(
      goldView(VIEW.orders, d),
      goldView(VIEW.events, d),
      metaDirty(VIEW.orders, d),
      metaDirty(VIEW.events, d),
    );
  }
  const entries = await getManyChunked(kv, keys);
  const out = new Map<string, string>();
  days.forEach((d, i) => {
    const parts = entries.slice(i * 4, i * 4 + 4).map((e) => e.versionstamp ?? "-");
    out.set(d, [...parts, catalog].join("."));
  });
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

interface DayResult {
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
  const [eventCounts, orderStates, catalog] = await Promise.all([
    getManyChunked(kv, orderIds.map(silverOrderEvent)),
    getManyChunked<OrderState>(kv, eventOrderIds.map(silverOrder)),
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
    const state = orderStates[i].value;
    if (state && Object.keys(state.lines).length > 0) return;
    eventsWithoutOrder += n;
    items.push({ kind: "events_without_order", order_id: o, events: n });
  });

  let compared = 0;
  let mismatches = 0;
  let difference = 0;
  let uncomparable = 0;
  for (let i = 0; i < withEvent.length; i += 20) {
    const chunk = withEvent.slice(i, i + 20);
    const results = await Promise.all(chunk.map(async (o) => {
      const revenues = [...(await listMap<EventRevenueEntry>(kv, goldEventRevenueOf(o))).entries()];
      if (revenues.length === 0) return null;
      // The latest event (ids sort by receipt) states the order's revenue.
      revenues.sort(([a], [b]) => a.localeCompare(b));
      const latest = revenues[revenues.length - 1][1];
      let orderCents = 0;
      for await (
        const e of kv.list<SilverLine>({ prefix: silverOrderLinesOf(o) })
      ) {
        if (isRevenueStatus(e.value.line.status)) orderCents += e.value.cents;
      }
      return { o, eventCents: eventCents(latest, config.fxRates), orderCents };
    }));
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

function itemId(item: ReconciliationItem): string {
  return item.kind === "orders_unknown_sku" ? item.sku : item.order_id;
}

/** Replaces a day's stored findings and figures by `result`. */
async function storeDay(
  kv: Deno.Kv,
  result: DayResult,
  fingerprint: string,
  now: number,
): Promise<void> {
  const day = result.view.date;
  const wanted = new Map<string, [Deno.KvKey, ReconciliationItem]>();
  for (const item of result.items) {
    const key = goldReconciliation(day, item.kind, itemId(item));
    wanted.set(JSON.stringify(key), [key, item]);
  }
  const mutations: ((op: Deno.AtomicOperation) => void)[] = [];
  for await (const e of kv.list<ReconciliationItem>({ prefix: goldReconciliationOf(day) })) {
    const id = JSON.stringify(e.key);
    const w = wanted.get(id);
    if (!w) mutations.push((op) => op.delete(e.key));
    else if (JSON.stringify(w[1]) === JSON.stringify(e.value)) wanted.delete(id);
  }
  for (const [key, item] of wanted.values()) mutations.push((op) => op.set(key, item));
  for (let i = 0; i < mutations.length; i += 800) {
    const op = kv.atomic();
    for (const m of mutations.slice(i, i + 800)) m(op);
    await op.commit();
  }
  const view: CrossSourceView = {
    ...result.view,
    checked_at: new Date(now).toISOString(),
    fingerprint,
  };
  const empty = result.view.orders_checked === 0 && result.view.order_events_checked === 0;
  if (empty) await kv.delete(goldView(CROSS_SOURCE_VIEW, day));
  else await kv.set(goldView(CROSS_SOURCE_VIEW, day), view);
}

/** Options of {@link runChecks}. */
export interface RunChecksOptions {
  /** Only these order days (default: every day whose inputs changed, plus the latest 7). */
  days?: string[];
  /** Recompute every known day, changed or not. */
  full?: boolean;
  /** Epoch ms stamped as `checked_at` (default `Date.now()`). */
  now?: number;
}

/** What one checks run did. */
export interface ChecksOutcome {
  /** Order days recomputed. */
  days_checked: number;
  /** Order days left as they were (inputs unchanged). */
  days_unchanged: number;
  /** New or changed event-revenue index entries. */
  event_revenues_indexed: number;
  /** Findings stored over the recomputed days. */
  findings: number;
}

/**
 * The checks job: refreshes the event-revenue index, then recomputes the
 * cross-source figures and findings of every order day whose inputs changed
 * (by the versionstamps of the day's order and event views, the inventory
 * weeks and new event revenues), and always of the latest
 * {@link RECENT_DAYS_ALWAYS_CHECKED} days, whose figures can change through
 * another day's data (an order applied on one day, its event on the next).
 *
 * @example
 * ```ts
 * const outcome = await runChecks(kv, config);
 * ```
 */
export async function runChecks(
  kv: Deno.Kv,
  config: Config,
  options: RunChecksOptions = {},
): Promise<ChecksOutcome> {
  const now = options.now ?? Date.now();
  const scan = await updateEventRevenueIndex(kv);
  const days = options.days ? [...new Set(options.days)].filter(isDay).sort() : await knownDays(kv);
  const catalog = await catalogVersion(kv);
  const prints = await fingerprints(kv, days, catalog);
  const stored = await getManyChunked<CrossSourceView>(
    kv,
    days.map((d) => goldView(CROSS_SOURCE_VIEW, d)),
  );
  const recent = new Set(days.slice(-RECENT_DAYS_ALWAYS_CHECKED));
  const outcome: ChecksOutcome = {
    days_checked: 0,
    days_unchanged: 0,
    event_revenues_indexed: scan.indexed,
    findings: 0,
  };
  for (let i = 0; i < days.length; i++) {
    const day = days[i];
    const print = prints.get(day)!;
    const force = options.full || options.days !== undefined || recent.has(day) ||
      scan.days.has(day);
    if (!force && stored[i].value?.fingerprint === print) {
      outcome.days_unchanged++;
      continue;
    }
    const result = await computeDay(kv, config, day);
    await storeDay(kv, result, print, now);
    outcome.days_checked++;
    outcome.findings += result.items.length;
  }
  return outcome;
}

/** Options of {@link listReconciliation}. */
export interface ListReconciliationOptions {
  day: string;
  kind: ReconciliationKind;
  /** The `next_cursor` of the previous page. */
  cursor?: string;
  /** Findings per page (default 50, at most 500). */
  limit?: number;
}

/** One page of findings, by SKU or order id ascending. */
export interface ReconciliationPage {
  items: ReconciliationItem[];
  next_cursor: string | null;
}

/** True for a kind of reconciliation finding. */
export function isReconciliationKind(value: string): value is ReconciliationKind {
  return (RECONCILIATION_KINDS as readonly string[]).includes(value);
}

/**
 * Browses the findings of one order day and kind, as of the last checks run.
 *
 * @example
 * ```ts
 * const page = await listReconciliation(kv, { day: "2026-11-25", kind: "orders_without_event" });
 * ```
 */
export async function listReconciliation(
  kv: Deno.Kv,
  options: ListReconciliationOptions,
): Promise<ReconciliationPage> {
  const limit = Math.min(Math.max(1, Math.floor(options.limit ?? 50)), 500);
  const prefix = goldReconciliationOf(options.day, options.kind);
  const after = options.cursor !== undefined ? decodeCursor(options.cursor) : undefined;
  const selector: Deno.KvListSelector = after !== undefined
    ? { prefix, start: [...prefix, `${after}\u0000`] }
    : { prefix };
  const items: ReconciliationItem[] = [];
  let last: string | null = null;
  let more = false;
  for await (const e of kv.list<ReconciliationItem>(selector, { limit: limit + 1 })) {
    if (items.length === limit) {
      more = true;
      break;
    }
    items.push(e.value);
    last = e.key[e.key.length - 1] as string;
  }
  return { items, next_cursor: more && last !== null ? encodeCursor(last) : null };
}
