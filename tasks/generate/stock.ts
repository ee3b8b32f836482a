/**
 * Inventory simulation: stock per (product, warehouse) that sales deplete and
 * restocks refill after a lead time. Late restocks cause the stock-outs and
 * low-stock rows the weekly snapshots show.
 *
 * @module
 */

import type { Catalog } from "./vocab.ts";
import { isActive, productNameOn } from "./vocab.ts";
import type { SnapshotRow } from "./workbook.ts";
import type { Rng } from "./prng.ts";

/** One (product, warehouse) row. */
export interface StockRow {
  product: number;
  warehouse: number;
  onHand: number;
  reorderPoint: number;
  /** Expected units per day from this row. */
  demand: number;
  /** Day a pending restock arrives, or -1. */
  arrivalDay: number;
  arrivalQty: number;
}

/** Stock of the whole catalog. */
export interface Stock {
  rows: StockRow[];
  /** Row indices per product. */
  byProduct: number[][];
  /** Units on hand per product, all warehouses. */
  totals: Int32Array;
}

/**
 * Initial stock for a catalog, given the expected units sold per day overall.
 *
 * @example
 * ```ts
 * const stock = createStock(catalog, 80, new Rng("42/stock"));
 * ```
 */
export function createStock(catalog: Catalog, unitsPerDay: number, rng: Rng): Stock {
  const weightSum = catalog.products.reduce((s, p) => s + p.weight, 0);
  const rows: StockRow[] = [];
  const byProduct: number[][] = [];
  const nw = catalog.warehouses.length;
  for (const p of catalog.products) {
    const demand = (unitsPerDay * p.weight) / weightSum;
    const count = demand > 1 ? Math.min(nw, 2 + rng.int(0, 1)) : rng.chance(0.3) ? 2 : 1;
    const first = rng.int(0, nw - 1);
    const mine: number[] = [];
    for (let k = 0; k < count; k++) {
      const rowDemand = demand / count;
      const reorderPoint = rng.chance(0.05) ? 0 : Math.max(2, Math.ceil(rowDemand * 10));
      const onHand = rng.chance(0.03) ? 0 : Math.round(reorderPoint + rowDemand * rng.int(7, 45));
      mine.push(rows.length);
      rows.push({
        product: p.index,
        warehouse: (first + k) % nw,
        onHand,
        reorderPoint,
        demand: rowDemand,
        arrivalDay: -1,
        arrivalQty: 0,
      });
    }
    byProduct.push(mine);
  }
  const totals = new Int32Array(catalog.products.length);
  for (const r of rows) totals[r.product] += r.onHand;
  return { rows, byProduct, totals };
}

/** Takes `qty` units of a product from the fullest warehouses (never below 0). */
export function takeStock(stock: Stock, product: number, qty: number): void {
  let left = qty;
  const mine = stock.byProduct[product];
  while (left > 0) {
    let best = -1;
    for (const i of mine) if (best < 0 || stock.rows[i].onHand > stock.rows[best].onHand) best = i;
    const row = stock.rows[best];
    if (row.onHand === 0) break;
    const n = Math.min(left, row.onHand);
    row.onHand -= n;
    stock.totals[product] -= n;
    left -= n;
  }
}

/** Receives the restocks due on `day`. */
export function receiveRestocks(stock: Stock, day: number): void {
  for (const row of stock.rows) {
    if (row.arrivalDay === day) {
      row.onHand += row.arrivalQty;
      stock.totals[row.product] += row.arrivalQty;
      row.arrivalDay = -1;
      row.arrivalQty = 0;
    }
  }
}

/** Orders restocks for rows at or below their reorder point (some arrive late). */
export function planRestocks(stock: Stock, catalog: Catalog, day: number, rng: Rng): void {
  for (const row of stock.rows) {
    if (row.arrivalDay >= 0 || row.onHand > row.reorderPoint) continue;
    if (!isActive(catalog.products[row.product], day + 1)) continue;
    const late = rng.chance(0.12);
    row.arrivalDay = day + (late ? rng.int(10, 20) : rng.int(2, 7));
    row.arrivalQty = Math.max(3, Math.ceil(row.demand * rng.int(20, 40)) + row.reorderPoint);
  }
}

/**
 * The snapshot of the week starting `monday`: a row per (product, warehouse)
 * of the products stocked that week, with their name of that week.
 */
export function snapshotRows(stock: Stock, catalog: Catalog, monday: number): SnapshotRow[] {
  return stock.rows
    .filter((r) => isActive(catalog.products[r.product], monday))
    .map((r) => {
      const p = catalog.products[r.product];
      return {
        sku: p.sku,
        productName: productNameOn(p, monday),
        category: p.category,
        warehouse: catalog.warehouses[r.warehouse],
        onHand: r.onHand,
        reorderPoint: r.reorderPoint,
        costD4: p.costD4,
      };
    });
}
