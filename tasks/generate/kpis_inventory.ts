/**
 * Inventory KPIs of kpis.md per snapshot week, with exact rational days of
 * cover: a SKU's cover is Σ on_hand × 28 / units sold in the 28 days before
 * the week's Monday; medians and roundings run on bigints.
 *
 * @module
 */

import { dayString } from "./calendar.ts";
import { stockValueCents } from "./money.ts";
import type { CatalogEntry, WeekSnapshot } from "./truth_inventory.ts";
import type { InventoryKpis } from "../../pipeline/read/types.ts";

export type { InventoryKpis };

/** A non-negative rational p/q. */
interface Ratio {
  p: bigint;
  q: bigint;
}

/** `round_half_up(p/q, 1 decimal)` as a number. */
function tenths(r: Ratio): number {
  return Number((20n * r.p + r.q) / (2n * r.q)) / 10;
}

function compare(a: Ratio, b: Ratio): number {
  const x = a.p * b.q;
  const y = b.p * a.q;
  return x < y ? -1 : x > y ? 1 : 0;
}

function median(values: Ratio[]): Ratio | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort(compare);
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return sorted[mid];
  const a = sorted[mid - 1], b = sorted[mid];
  return { p: a.p * b.q + b.p * a.q, q: 2n * a.q * b.q };
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The KPIs of one snapshot week.
 *
 * @example
 * ```ts
 * inventoryKpis(week, catalog, facts.unitsBySkuDay);
 * ```
 */
export function inventoryKpis(
  week: WeekSnapshot,
  catalog: Map<string, CatalogEntry>,
  unitsBySkuDay: Map<string, Map<number, number>>,
): InventoryKpis {
  const name = (sku: string) => catalog.get(sku)?.name ?? "";
  const onHandBySku = new Map<string, number>();
  let onHand = 0, stockouts = 0, low = 0, value = 0;
  const stockoutRows: InventoryKpis["stockouts"] = [];
  const lowRows: InventoryKpis["low_stock"] = [];
  for (const r of week.rows) {
    onHandBySku.set(r.sku, (onHandBySku.get(r.sku) ?? 0) + r.onHand);
    onHand += r.onHand;
    if (r.onHand === 0) {
      stockouts++;
      stockoutRows.push({ sku: r.sku, warehouse: r.warehouse, name: name(r.sku) });
    } else if (r.onHand <= r.reorderPoint) {
      low++;
      lowRows.push({
        sku: r.sku,
        warehouse: r.warehouse,
        name: name(r.sku),
        on_hand: r.onHand,
        reorder_point: r.reorderPoint,
      });
    }
    if (r.costD4 !== undefined) value += stockValueCents(r.onHand, r.costD4);
  }
  const covers: Ratio[] = [];
  const atRisk: { sku: string; cover: Ratio; onHand: number }[] = [];
  for (const [sku, units] of onHandBySku) {
    let sold = 0;
    const perDay = unitsBySkuDay.get(sku);
    if (perDay) {
      for (let d = week.monday - 28; d < week.monday; d++) sold += perDay.get(d) ?? 0;
    }
    if (sold === 0) continue;
    const cover = { p: BigInt(units) * 28n, q: BigInt(sold) };
    covers.push(cover);
    if (compare(cover, { p: 7n, q: 1n }) < 0) atRisk.push({ sku, cover, onHand: units });
  }
  atRisk.sort((a, b) => compare(a.cover, b.cover) || byText(a.sku, b.sku));
  const m = median(covers);
  const byRow = (a: { sku: string; warehouse: string }, b: { sku: string; warehouse: string }) =>
    byText(a.sku, b.sku) || byText(a.warehouse, b.warehouse);
  return {
    week: dayString(week.monday),
    skus: onHandBySku.size,
    rows: week.rows.length,
    on_hand_units: onHand,
    stockout_rows: stockouts,
    low_stock_rows: low,
    stock_value_cents: value,
    days_of_cover: m === null ? null : tenths(m),
    at_risk_skus: atRisk.map((a) => ({
      sku: a.sku,
      name: name(a.sku),
      on_hand: a.onHand,
      days_of_cover: tenths(a.cover),
    })),
    stockouts: stockoutRows.sort(byRow),
    low_stock: lowRows.sort(byRow),
  };
}
