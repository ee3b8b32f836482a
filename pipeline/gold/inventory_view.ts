/**
 * The inventory answer of one snapshot week, from its silver rows and the
 * units each SKU sold (revenue lines) in the 28 days before the week's Monday.
 *
 * @module
 */

import { roundHalfUp, stockValueCents } from "../contracts/mod.ts";
import type { InventoryKpis } from "../read/types.ts";
import type { SilverInventoryRow } from "../silver/inventory.ts";

/** Days of cover as an exact fraction `num / den` (on hand × 28 / units). */
interface Cover {
  num: bigint;
  den: bigint;
}

function lessThan(a: Cover, b: Cover): boolean {
  return a.num * b.den < b.num * a.den;
}

/** A fraction rounded half-up to one decimal, as a number like `12.3`. */
function tenths(num: bigint, den: bigint): number {
  return Number(roundHalfUp(num * 10n, den)) / 10;
}

/** The median of covers, rounded half-up to 0.1; `null` when there is none. */
export function medianCover(covers: Cover[]): number | null {
  if (covers.length === 0) return null;
  const sorted = [...covers].sort((a, b) => (lessThan(a, b) ? -1 : lessThan(b, a) ? 1 : 0));
  const mid = sorted.length >> 1;
  if (sorted.length % 2 === 1) return tenths(sorted[mid].num, sorted[mid].den);
  const a = sorted[mid - 1];
  const b = sorted[mid];
  return tenths(a.num * b.den + b.num * a.den, 2n * a.den * b.den);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `GET /v1/kpis/inventory` for `week` (its Monday). `unitsSold` maps SKUs to
 * units of revenue lines in the 28 days before the Monday; `nameOf` gives a
 * SKU's current catalog name (products are shown as they are named now).
 */
export function inventoryView(
  week: string,
  rows: SilverInventoryRow[],
  unitsSold: Map<string, number>,
  nameOf: (sku: string) => string,
): InventoryKpis {
  const onHand = new Map<string, number>();
  const view: InventoryKpis = {
    week,
    skus: 0,
    rows: rows.length,
    on_hand_units: 0,
    stockout_rows: 0,
    low_stock_rows: 0,
    stock_value_cents: 0,
    days_of_cover: null,
    at_risk_skus: [],
    stockouts: [],
    low_stock: [],
  };
  const sortedRows = [...rows].sort((a, b) => cmp(a.sku, b.sku) || cmp(a.warehouse, b.warehouse));
  for (const r of sortedRows) {
    const name = nameOf(r.sku);
    onHand.set(r.sku, (onHand.get(r.sku) ?? 0) + r.onHand);
    view.on_hand_units += r.onHand;
    if (r.unitCost !== undefined) view.stock_value_cents += stockValueCents(r.onHand, r.unitCost);
    if (r.onHand === 0) {
      view.stockout_rows++;
      view.stockouts.push({ sku: r.sku, warehouse: r.warehouse, name });
    } else if (r.onHand <= r.reorderPoint) {
      view.low_stock_rows++;
      view.low_stock.push({
        sku: r.sku,
        warehouse: r.warehouse,
        name,
        on_hand: r.onHand,
        reorder_point: r.reorderPoint,
      });
    }
  }
  view.skus = onHand.size;
  const covers: Cover[] = [];
  const risky: { sku: string; cover: Cover; onHand: number }[] = [];
  for (const [sku, oh] of [...onHand].sort((a, b) => cmp(a[0], b[0]))) {
    const units = unitsSold.get(sku) ?? 0;
    if (units <= 0) continue;
    const cover = { num: BigInt(oh) * 28n, den: BigInt(units) };
    covers.push(cover);
    // days of cover < 7  ⇔  on_hand × 28 < 7 × units  (an empty SKU that sold is 0 days)
    if (cover.num < 7n * cover.den) risky.push({ sku, cover, onHand: oh });
  }
  view.days_of_cover = medianCover(covers);
  view.at_risk_skus = risky
    .sort((a, b) =>
      lessThan(a.cover, b.cover) ? -1 : lessThan(b.cover, a.cover) ? 1 : cmp(a.sku, b.sku)
    )
    .map((r) => ({
      sku: r.sku,
      name: nameOf(r.sku),
      on_hand: r.onHand,
      days_of_cover: tenths(r.cover.num, r.cover.den),
    }));
  return view;
}
