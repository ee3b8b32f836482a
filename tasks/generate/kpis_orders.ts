/**
 * Order KPIs of kpis.md from the current line versions, written straight
 * from the definitions: revenue lines by current status, distinct orders and
 * customers per bucket, top products and categories through the catalog.
 *
 * @module
 */

import { dayString, isoWeekLabel, monthLabel } from "./calendar.ts";
import { lineValueCents, roundHalfUpDiv } from "./money.ts";
import type { NormLine } from "./records.ts";
import type { CatalogEntry } from "./truth_inventory.ts";
// The answer key has the read API's shapes (checked by the compiler); its arithmetic is its own.
import type { OrderKpis, TopProduct } from "../../pipeline/read/types.ts";

export type { OrderKpis, TopProduct };

interface Acc {
  revenue: number;
  units: number;
  refunded: number;
  cancelled: number;
  orders: Set<string>;
  customers: Map<string, Set<string>>;
  skus: Map<string, { revenue: number; units: number }>;
}

/** What the other answers need from the orders. */
export interface OrderFacts {
  kpis: Map<string, OrderKpis>;
  /** Units on revenue lines per SKU and order day. */
  unitsBySkuDay: Map<string, Map<number, number>>;
  /** Distinct order ids (any status) per order day. */
  ordersByDay: Map<number, Set<string>>;
  /** Revenue lines whose SKU is in no snapshot, per order day. */
  unknownSkuLinesByDay: Map<number, number>;
}

const REVENUE = new Set(["placed", "shipped", "delivered"]);
const UNKNOWN: CatalogEntry = { name: "", category: "unknown" };

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function finish(label: string, a: Acc, catalog: Map<string, CatalogEntry>): OrderKpis {
  const orders = a.orders.size;
  let repeat = 0;
  for (const set of a.customers.values()) if (set.size >= 2) repeat++;
  const products = [...a.skus.entries()].map(([sku, s]) => {
    const entry = catalog.get(sku) ?? UNKNOWN;
    return {
      sku,
      revenue_cents: s.revenue,
      units: s.units,
      name: entry.name,
      category: entry.category,
    };
  });
  products.sort((x, y) => y.revenue_cents - x.revenue_cents || byText(x.sku, y.sku));
  const categories = new Map<string, { revenue_cents: number; units: number }>();
  for (const p of products) {
    const c = categories.get(p.category) ?? { revenue_cents: 0, units: 0 };
    c.revenue_cents += p.revenue_cents;
    c.units += p.units;
    categories.set(p.category, c);
  }
  return {
    bucket: label,
    revenue_cents: a.revenue,
    orders,
    units: a.units,
    aov_cents: orders === 0 ? 0 : Number(roundHalfUpDiv(BigInt(a.revenue), BigInt(orders))),
    customers: a.customers.size,
    repeat_customers: repeat,
    refunded_cents: a.refunded,
    cancelled_lines: a.cancelled,
    top_products: products.slice(0, 10),
    categories: [...categories.entries()]
      .map(([category, c]) => ({ category, ...c }))
      .sort((x, y) => y.revenue_cents - x.revenue_cents || byText(x.category, y.category)),
  };
}

function newAcc(): Acc {
  return {
    revenue: 0,
    units: 0,
    refunded: 0,
    cancelled: 0,
    orders: new Set(),
    customers: new Map(),
    skus: new Map(),
  };
}

/**
 * Computes every order bucket that has a line, and the per-day facts the
 * inventory and cross-source answers use.
 *
 * @example
 * ```ts
 * const facts = orderFacts(tally.current.values(), catalog, DEFAULT_FX_D4);
 * facts.kpis.get("all")?.revenue_cents;
 * ```
 */
export function orderFacts(
  lines: Iterable<NormLine>,
  catalog: Map<string, CatalogEntry>,
  fxD4: Readonly<Record<string, number>>,
): OrderFacts {
  const accs = new Map<string, Acc>();
  const unitsBySkuDay = new Map<string, Map<number, number>>();
  const ordersByDay = new Map<number, Set<string>>();
  const unknownSkuLinesByDay = new Map<number, number>();
  // Bucket labels per day: lines share few days, and each label costs a Date.
  const labelsByDay = new Map<number, string[]>();
  for (const line of lines) {
    const day = Math.floor(line.orderTs / 86_400_000);
    const value = lineValueCents({
      quantity: line.quantity,
      priceD4: line.priceD4,
      discountD4: line.discountD4,
      rateD4: fxD4[line.currency],
    });
    let ids = ordersByDay.get(day);
    if (!ids) ordersByDay.set(day, ids = new Set());
    ids.add(line.orderId);
    const revenue = REVENUE.has(line.status);
    if (revenue) {
      let perDay = unitsBySkuDay.get(line.sku);
      if (!perDay) unitsBySkuDay.set(line.sku, perDay = new Map());
      perDay.set(day, (perDay.get(day) ?? 0) + line.quantity);
      if (!catalog.has(line.sku)) {
        unknownSkuLinesByDay.set(day, (unknownSkuLinesByDay.get(day) ?? 0) + 1);
      }
    }
    let labels = labelsByDay.get(day);
    if (!labels) {
      labelsByDay.set(day, labels = [dayString(day), isoWeekLabel(day), monthLabel(day), "all"]);
    }
    for (const label of labels) {
      let a = accs.get(label);
      if (!a) accs.set(label, a = newAcc());
      if (revenue) {
        a.revenue += value;
        a.units += line.quantity;
        a.orders.add(line.orderId);
        let orders = a.customers.get(line.customerId);
        if (!orders) a.customers.set(line.customerId, orders = new Set());
        orders.add(line.orderId);
        const s = a.skus.get(line.sku) ?? { revenue: 0, units: 0 };
        s.revenue += value;
        s.units += line.quantity;
        a.skus.set(line.sku, s);
      } else if (line.status === "refunded") a.refunded += value;
      else if (line.status === "cancelled") a.cancelled++;
    }
  }
  const kpis = new Map<string, OrderKpis>();
  for (const [label, a] of accs) kpis.set(label, finish(label, a, catalog));
  return { kpis, unitsBySkuDay, ordersByDay, unknownSkuLinesByDay };
}

/** The order KPIs of an empty bucket. */
export function emptyOrderKpis(label: string): OrderKpis {
  return finish(label, newAcc(), new Map());
}
