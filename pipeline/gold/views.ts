/**
 * The read API's answers as pure functions of gold counters (and, for
 * inventory, of a week's silver rows). The materialise job stores their
 * results as views; rebuild and incremental runs both go through them.
 *
 * @module
 */

import { FUNNEL_STEPS, roundHalfUpDiv } from "../contracts/mod.ts";
import type {
  CategoryFigures,
  DailyRow,
  EventKpis,
  OrderKpis,
  RetentionKpis,
  TopProduct,
} from "../read/types.ts";
import { addIsoWeeks, isoWeekDiff } from "../contracts/mod.ts";

/** Counter values of one bucket, by metric (absent = 0). */
export type Counters = Map<string, number>;

/** Per-SKU counters of one bucket. */
export interface SkuFigures {
  revenue_cents: number;
  units: number;
  revenue_lines: number;
}

/** Category of SKUs that are in no snapshot. */
export const UNKNOWN_CATEGORY = "unknown";

/** What the catalog says about SKUs, for naming products and grouping categories. */
export interface CatalogLookup {
  /** Name and category display name of a SKU; `null` when it is in no snapshot. */
  product(sku: string): { name: string; category: string } | null;
}

function c(counters: Counters, metric: string): number {
  return counters.get(metric) ?? 0;
}

/** `GET /v1/kpis/orders` of one bucket; `null` when the bucket holds no order line. */
export function orderView(
  bucket: string,
  counters: Counters,
  skus: Map<string, SkuFigures>,
  catalog: CatalogLookup,
): OrderKpis | null {
  const products: TopProduct[] = [];
  const categories = new Map<string, CategoryFigures>();
  for (const [sku, f] of skus) {
    // Every revenue line has quantity ≥ 1: units > 0 exactly when the SKU has revenue lines.
    if (f.units <= 0) continue;
    const entry = catalog.product(sku);
    const category = entry?.category ?? UNKNOWN_CATEGORY;
    products.push({
      sku,
      revenue_cents: f.revenue_cents,
      units: f.units,
      name: entry?.name ?? "",
      category,
    });
    const cat = categories.get(category) ?? { category, revenue_cents: 0, units: 0 };
    cat.revenue_cents += f.revenue_cents;
    cat.units += f.units;
    categories.set(category, cat);
  }
  const view: OrderKpis = {
    bucket,
    revenue_cents: c(counters, "revenue_cents"),
    orders: c(counters, "orders"),
    units: c(counters, "units"),
    aov_cents: roundHalfUpDiv(c(counters, "revenue_cents"), c(counters, "orders")),
    customers: c(counters, "customers"),
    repeat_customers: c(counters, "repeat_customers"),
    refunded_cents: c(counters, "refunded_cents"),
    cancelled_lines: c(counters, "cancelled_lines"),
    top_products: products
      .sort((a, b) => b.revenue_cents - a.revenue_cents || cmp(a.sku, b.sku))
      .slice(0, 10),
    categories: [...categories.values()].sort((a, b) =>
      b.revenue_cents - a.revenue_cents || cmp(a.category, b.category)
    ),
  };
  const empty = products.length === 0 && view.refunded_cents === 0 &&
    view.cancelled_lines === 0 && view.revenue_cents === 0 && view.orders === 0;
  return empty ? null : view;
}

/** An order answer with every figure zero (a bucket with no data). */
export function emptyOrderView(bucket: string): OrderKpis {
  return {
    bucket,
    revenue_cents: 0,
    orders: 0,
    units: 0,
    aov_cents: 0,
    customers: 0,
    repeat_customers: 0,
    refunded_cents: 0,
    cancelled_lines: 0,
    top_products: [],
    categories: [],
  };
}

/** `GET /v1/kpis/events` of one bucket; `null` when the bucket has no event. */
export function eventView(bucket: string, counters: Counters): EventKpis | null {
  const view: EventKpis = {
    bucket,
    events: c(counters, "events"),
    persons: c(counters, "persons"),
    page_views: c(counters, "page_views"),
    funnel: {
      steps: [...FUNNEL_STEPS],
      reached: [1, 2, 3, 4].map((k) => c(counters, `funnel_${k}`)),
    },
    cart_persons: c(counters, "cart_persons"),
    cart_abandoned_persons: c(counters, "cart_abandoned_persons"),
  };
  return view.events === 0 ? null : view;
}

/** An event answer with every figure zero. */
export function emptyEventView(bucket: string): EventKpis {
  return {
    bucket,
    events: 0,
    persons: 0,
    page_views: 0,
    funnel: { steps: [...FUNNEL_STEPS], reached: [0, 0, 0, 0] },
    cart_persons: 0,
    cart_abandoned_persons: 0,
  };
}

/** One row of `GET /v1/kpis/daily`; `null` when the day has neither orders nor events. */
export function dailyView(day: string, counters: Counters): DailyRow | null {
  const row = emptyDailyRow(day);
  row.revenue_cents = c(counters, "revenue_cents");
  row.orders = c(counters, "orders");
  row.units = c(counters, "units");
  row.aov_cents = roundHalfUpDiv(row.revenue_cents, row.orders);
  row.events = c(counters, "events");
  row.persons = c(counters, "persons");
  const empty = row.revenue_cents === 0 && row.orders === 0 && row.units === 0 &&
    row.events === 0 && row.persons === 0;
  return empty ? null : row;
}

/** A daily row of zeros. */
export function emptyDailyRow(day: string): DailyRow {
  return {
    date: day,
    revenue_cents: 0,
    orders: 0,
    units: 0,
    aov_cents: 0,
    events: 0,
    persons: 0,
  };
}

/**
 * `GET /v1/kpis/retention` from the retention cells (cohort → k → persons).
 * Cohorts with ≥ 1 person, oldest first, each with `k` up to the latest week
 * that has any event (the latest week of any non-zero cell).
 */
export function retentionView(cells: Map<string, Map<number, number>>): RetentionKpis | null {
  let latest: string | null = null;
  for (const [cohort, ks] of cells) {
    for (const [k, v] of ks) {
      if (v === 0) continue;
      const w = addIsoWeeks(cohort, k);
      if (latest === null || w > latest) latest = w;
    }
  }
  const cohorts = [...cells.keys()].filter((c) => (cells.get(c)!.get(0) ?? 0) > 0).sort();
  if (latest === null || cohorts.length === 0) return null;
  return {
    cohorts: cohorts.map((cohort) => {
      const ks = cells.get(cohort)!;
      const n = isoWeekDiff(cohort, latest!);
      return { cohort, active: Array.from({ length: n + 1 }, (_, k) => ks.get(k) ?? 0) };
    }),
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
