/**
 * A reference model of kpis.md for the pipeline tests: computes every read
 * answer directly from a dataset in memory, the simple way (no counters, no
 * incremental state), so the pipeline's answers can be compared with it.
 *
 * @module
 */

import {
  addIsoWeeks,
  bucketsOf,
  categoryKey,
  compareVersions,
  FUNNEL_STEPS,
  isoWeekDiff,
  isoWeekOf,
  isoWeekOfMonday,
  lineValueCents,
  roundHalfUp,
  roundHalfUpDiv,
  stockValueCents,
} from "../pipeline/contracts/mod.ts";
import type { InventoryRow, LineVersion, OrderLine } from "../pipeline/contracts/types.ts";
import type {
  DailyRow,
  EventKpis,
  InventoryKpis,
  OrderKpis,
  RetentionKpis,
} from "../pipeline/read/types.ts";
import type { TestEvent, TestInventoryFile, TestOrdersFile } from "./pipeline_fixtures.ts";
import { assertEquals } from "./assert.ts";
import { goldViewsOf } from "../kv/keys.ts";
import {
  readDaily,
  readEventKpis,
  readInventoryKpis,
  readOrderKpis,
  readRetention,
} from "../pipeline/read/kpis.ts";
import { emptyDailyRow, emptyEventView, emptyOrderView } from "../pipeline/gold/views.ts";

/** A dataset as accepted (duplicates of events and files already dropped, files in upload order). */
export interface OracleInput {
  events: TestEvent[];
  orders: TestOrdersFile[];
  inventory: TestInventoryFile[];
  fxRates: Record<string, string>;
}

/** Every answer of the read API for the dataset. */
export interface OracleOutput {
  orders: Map<string, OrderKpis>;
  events: Map<string, EventKpis>;
  daily: Map<string, DailyRow>;
  retention: RetentionKpis;
  inventory: Map<string, InventoryKpis>;
}

const REVENUE = new Set(["placed", "shipped", "delivered"]);

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Drops events whose messageId was seen before, and files identical to an earlier one. */
export function acceptedInput(
  events: TestEvent[],
  orders: TestOrdersFile[],
  inventory: TestInventoryFile[],
  fxRates: Record<string, string>,
): OracleInput {
  const seen = new Set<string>();
  const ev = events.filter((e) => !seen.has(e.messageId) && seen.add(e.messageId));
  const files = new Set<string>();
  const o = orders.filter((f) => {
    const k = JSON.stringify(f);
    return !files.has(k) && files.add(k);
  });
  const i = inventory.filter((f) => {
    const k = JSON.stringify(f);
    return !files.has(k) && files.add(k);
  });
  return { events: ev, orders: o, inventory: i, fxRates };
}

function catalogOf(inventory: TestInventoryFile[]) {
  // The snapshot of each week is the last upload for it; the last of repeated rows wins.
  const weeks = new Map<string, { row: InventoryRow; pos: number }[]>();
  for (const f of inventory) {
    const byKey = new Map<string, { row: InventoryRow; pos: number }>();
    f.rows.forEach((row, i) => byKey.set(`${row.sku}|${row.warehouse}`, { row, pos: i + 1 }));
    weeks.set(f.week, [...byKey.values()]);
  }
  const sortedWeeks = [...weeks.keys()].sort();
  const products = new Map<string, { name: string; category: string }>();
  const display = new Map<string, string>();
  for (const w of sortedWeeks) {
    const rows = [...weeks.get(w)!].sort((a, b) => a.pos - b.pos);
    const firstOfSku = new Map<string, InventoryRow>();
    for (const r of rows) if (!firstOfSku.has(r.row.sku)) firstOfSku.set(r.row.sku, r.row);
    for (const [sku, r] of firstOfSku) {
      products.set(sku, { name: r.productName, category: r.category });
    }
    for (const r of rows) {
      const k = categoryKey(r.row.category);
      if (!display.has(k)) display.set(k, r.row.category);
    }
  }
  return { weeks, products, display };
}

/** Computes every answer of the read API from the dataset. */
export function oracle(input: OracleInput): OracleOutput {
  const { weeks, products, display } = catalogOf(input.inventory);

  // Current lines: the latest version under (date, upload, row).
  const current = new Map<string, { line: OrderLine; v: LineVersion }>();
  input.orders.forEach((f, u) => {
    f.lines.forEach((line, i) => {
      const v = { date: f.date, upload: u + 1, row: i + 1 };
      const k = `${line.orderId}|${line.lineNo}`;
      const cur = current.get(k);
      if (!cur || compareVersions(v, cur.v) > 0) current.set(k, { line, v });
    });
  });
  interface Acc {
    revenue: number;
    units: number;
    refunded: number;
    cancelled: number;
    orders: Set<string>;
    custOrders: Map<string, Set<string>>;
    skus: Map<string, { revenue: number; units: number }>;
    lines: number;
  }
  const acc = new Map<string, Acc>();
  const get = (b: string) => {
    let a = acc.get(b);
    if (!a) {
      a = {
        revenue: 0,
        units: 0,
        refunded: 0,
        cancelled: 0,
        orders: new Set(),
        custOrders: new Map(),
        skus: new Map(),
        lines: 0,
      };
      acc.set(b, a);
    }
    return a;
  };
  for (const { line } of current.values()) {
    const cents = lineValueCents(line, input.fxRates);
    for (const b of bucketsOf(line.orderTs)) {
      const a = get(b);
      a.lines++;
      if (REVENUE.has(line.status)) {
        a.revenue += cents;
        a.units += line.quantity;
        a.orders.add(line.orderId);
        const s = a.custOrders.get(line.customerId) ?? new Set();
        s.add(line.orderId);
        a.custOrders.set(line.customerId, s);
        const k = a.skus.get(line.sku) ?? { revenue: 0, units: 0 };
        k.revenue += cents;
        k.units += line.quantity;
        a.skus.set(line.sku, k);
      } else if (line.status === "refunded") a.refunded += cents;
      else a.cancelled++;
    }
  }
  const orders = new Map<string, OrderKpis>();
  for (const [b, a] of acc) {
    const named = (sku: string) => {
      const p = products.get(sku);
      return p
        ? { name: p.name, category: display.get(categoryKey(p.category))! }
        : { name: "", category: "unknown" };
    };
    const top = [...a.skus].map(([sku, k]) => ({
      sku,
      revenue_cents: k.revenue,
      units: k.units,
      ...named(sku),
    })).sort((x, y) => y.revenue_cents - x.revenue_cents || cmp(x.sku, y.sku));
    const cats = new Map<string, { category: string; revenue_cents: number; units: number }>();
    for (const t of top) {
      const c = cats.get(t.category) ?? { category: t.category, revenue_cents: 0, units: 0 };
      c.revenue_cents += t.revenue_cents;
      c.units += t.units;
      cats.set(t.category, c);
    }
    const view: OrderKpis = {
      bucket: b,
      revenue_cents: a.revenue,
      orders: a.orders.size,
      units: a.units,
      aov_cents: roundHalfUpDiv(a.revenue, a.orders.size),
      customers: a.custOrders.size,
      repeat_customers: [...a.custOrders.values()].filter((s) => s.size >= 2).length,
      refunded_cents: a.refunded,
      cancelled_lines: a.cancelled,
      top_products: top.slice(0, 10),
      categories: [...cats.values()].sort((x, y) =>
        y.revenue_cents - x.revenue_cents || cmp(x.category, y.category)
      ),
    };
    const empty = view.top_products.length === 0 && view.refunded_cents === 0 &&
      view.cancelled_lines === 0;
    if (!empty) orders.set(b, view);
  }

  // Events.
  const eacc = new Map<
    string,
    { events: number; pages: number; steps: Map<string, Set<number>> }
  >();
  const firstTs = new Map<string, number>();
  const activeWeeks = new Map<string, Set<string>>();
  for (const e of input.events) {
    const person = e.userId ?? e.anonymousId!;
    const step = e.type === "track" && e.event
      ? FUNNEL_STEPS.findIndex((s) => s.toLowerCase() === e.event!.trim().toLowerCase()) + 1
      : 0;
    for (const b of bucketsOf(e.ts)) {
      const a = eacc.get(b) ?? { events: 0, pages: 0, steps: new Map() };
      a.events++;
      if (e.type === "page") a.pages++;
      const s = a.steps.get(person) ?? new Set<number>();
      if (step > 0) s.add(step);
      a.steps.set(person, s);
      eacc.set(b, a);
    }
    firstTs.set(person, Math.min(firstTs.get(person) ?? Infinity, e.ts));
    const w = activeWeeks.get(person) ?? new Set<string>();
    w.add(isoWeekOf(e.ts));
    activeWeeks.set(person, w);
  }
  const events = new Map<string, EventKpis>();
  for (const [b, a] of eacc) {
    const has = (s: Set<number>, k: number) => [1, 2, 3, 4].slice(0, k).every((i) => s.has(i));
    const sets = [...a.steps.values()];
    events.set(b, {
      bucket: b,
      events: a.events,
      persons: a.steps.size,
      page_views: a.pages,
      funnel: {
        steps: [...FUNNEL_STEPS],
        reached: [1, 2, 3, 4].map((k) => sets.filter((s) => has(s, k)).length),
      },
      cart_persons: sets.filter((s) => s.has(2)).length,
      cart_abandoned_persons: sets.filter((s) => s.has(2) && !s.has(4)).length,
    });
  }

  // Daily.
  const daily = new Map<string, DailyRow>();
  for (const b of new Set([...orders.keys(), ...events.keys()])) {
    if (b.length !== 10) continue;
    const o = orders.get(b);
    const e = events.get(b);
    const row: DailyRow = {
      date: b,
      revenue_cents: o?.revenue_cents ?? 0,
      orders: o?.orders ?? 0,
      units: o?.units ?? 0,
      aov_cents: o?.aov_cents ?? 0,
      events: e?.events ?? 0,
      persons: e?.persons ?? 0,
    };
    if (row.revenue_cents || row.orders || row.units || row.events || row.persons) {
      daily.set(b, row);
    }
  }

  // Retention.
  const cohorts = new Map<string, Map<number, number>>();
  let latest = "";
  for (const [p, ws] of activeWeeks) {
    const c = isoWeekOf(firstTs.get(p)!);
    const m = cohorts.get(c) ?? new Map<number, number>();
    for (const w of ws) {
      const k = isoWeekDiff(c, w);
      m.set(k, (m.get(k) ?? 0) + 1);
      if (w > latest) latest = w;
    }
    cohorts.set(c, m);
  }
  const retention: RetentionKpis = {
    cohorts: [...cohorts.keys()].sort().map((c) => ({
      cohort: c,
      active: Array.from(
        { length: isoWeekDiff(c, latest) + 1 },
        (_, k) => cohorts.get(c)!.get(k) ?? 0,
      ),
    })),
  };

  // Inventory.
  const inventory = new Map<string, InventoryKpis>();
  for (const [monday, rows] of weeks) {
    const week = isoWeekOfMonday(monday);
    const sold = new Map<string, number>();
    for (let k = 1; k <= 4; k++) {
      const a = acc.get(addIsoWeeks(week, -k));
      for (const [sku, s] of a?.skus ?? []) sold.set(sku, (sold.get(sku) ?? 0) + s.units);
    }
    const nameOf = new Map([...products].map(([sku, p]) => [sku, p.name]));
    const sorted = [...rows].map((r) => r.row).sort((a, b) =>
      cmp(a.sku, b.sku) || cmp(a.warehouse, b.warehouse)
    );
    const onHand = new Map<string, number>();
    for (const r of sorted) onHand.set(r.sku, (onHand.get(r.sku) ?? 0) + r.onHand);
    const covers: { sku: string; num: bigint; den: bigint; oh: number }[] = [];
    for (const [sku, oh] of onHand) {
      const u = sold.get(sku) ?? 0;
      if (u > 0) covers.push({ sku, num: BigInt(oh) * 28n, den: BigInt(u), oh });
    }
    const byCover = (a: { num: bigint; den: bigint; sku: string }, b: typeof a) =>
      a.num * b.den < b.num * a.den ? -1 : a.num * b.den > b.num * a.den ? 1 : cmp(a.sku, b.sku);
    covers.sort(byCover);
    let median: number | null = null;
    if (covers.length % 2 === 1) {
      const m = covers[covers.length >> 1];
      median = Number(roundHalfUp(m.num * 10n, m.den)) / 10;
    } else if (covers.length > 0) {
      const a = covers[covers.length / 2 - 1];
      const b = covers[covers.length / 2];
      median = Number(roundHalfUp((a.num * b.den + b.num * a.den) * 10n, 2n * a.den * b.den)) / 10;
    }
    inventory.set(monday, {
      week: monday,
      skus: onHand.size,
      rows: sorted.length,
      on_hand_units: sorted.reduce((s, r) => s + r.onHand, 0),
      stockout_rows: sorted.filter((r) => r.onHand === 0).length,
      low_stock_rows: sorted.filter((r) => r.onHand > 0 && r.onHand <= r.reorderPoint).length,
      stock_value_cents: sorted.reduce(
        (s, r) => s + (r.unitCost === undefined ? 0 : stockValueCents(r.onHand, r.unitCost)),
        0,
      ),
      days_of_cover: median,
      at_risk_skus: covers.filter((c) => c.num < 7n * c.den).map((c) => ({
        sku: c.sku,
        name: nameOf.get(c.sku)!,
        on_hand: c.oh,
        days_of_cover: Number(roundHalfUp(c.num * 10n, c.den)) / 10,
      })),
      stockouts: sorted.filter((r) => r.onHand === 0).map((r) => ({
        sku: r.sku,
        warehouse: r.warehouse,
        name: nameOf.get(r.sku)!,
      })),
      low_stock: sorted.filter((r) => r.onHand > 0 && r.onHand <= r.reorderPoint).map((r) => ({
        sku: r.sku,
        warehouse: r.warehouse,
        name: nameOf.get(r.sku)!,
        on_hand: r.onHand,
        reorder_point: r.reorderPoint,
      })),
    });
  }
  return { orders, events, daily, retention, inventory };
}

/**
 * Asserts that every read answer of the pipeline equals the oracle's: every
 * bucket either side has (orders, events, daily), retention and every
 * inventory week.
 */
export async function assertMatchesOracle(kv: Deno.Kv, expected: OracleOutput): Promise<void> {
  const buckets = new Set<string>([...expected.orders.keys(), ...expected.events.keys()]);
  for await (const e of kv.list({ prefix: goldViewsOf("orders") })) buckets.add(e.key[3] as string);
  for await (const e of kv.list({ prefix: goldViewsOf("events") })) buckets.add(e.key[3] as string);
  for (const b of buckets) {
    assertEquals(
      await readOrderKpis(kv, b),
      expected.orders.get(b) ?? emptyOrderView(b),
      `orders ${b}`,
    );
    assertEquals(
      await readEventKpis(kv, b),
      expected.events.get(b) ?? emptyEventView(b),
      `events ${b}`,
    );
  }
  const days = [...buckets].filter((b) => b.length === 10).sort();
  if (days.length > 0) {
    const { days: rows } = await readDaily(kv, days[0], days[days.length - 1]);
    for (const r of rows) {
      assertEquals(r, expected.daily.get(r.date) ?? emptyDailyRow(r.date), `daily ${r.date}`);
    }
  }
  assertEquals(await readRetention(kv), expected.retention, "retention");
  const weeks = [...expected.inventory.keys()].sort();
  for (const w of weeks) {
    assertEquals(await readInventoryKpis(kv, w), expected.inventory.get(w)!, `inventory ${w}`);
  }
  assertEquals(
    await readInventoryKpis(kv, "latest"),
    weeks.length ? expected.inventory.get(weeks[weeks.length - 1])! : null,
    "inventory latest",
  );
}
