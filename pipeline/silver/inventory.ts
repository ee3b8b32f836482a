/**
 * Silver inventory: snapshot rows, the weeks of each SKU, the catalog and the
 * category spellings, and the pure rules that derive them from a week's rows.
 *
 * - `silverInventoryRow(week, sku, warehouse)` = {@link SilverInventoryRow}
 * - `silverInventoryWeek(week)` = {@link InventoryWeek}: which upload is the
 *   week's snapshot
 * - `silverSkuWeek(sku, week)` = {@link SkuWeek}: the SKU's name and category
 *   in that week (its first row by row position)
 * - `silverCatalog(sku)` = {@link CatalogEntry}: the SKU's entry of the latest
 *   week that contains it
 * - `silverCategoryWeek(key, week)` = the spelling of the category in that
 *   week (its first row); a category is displayed with the spelling of the
 *   earliest week that has it
 *
 * @module
 */

import { categoryKey } from "../contracts/mod.ts";
import type { InventoryRow } from "../contracts/types.ts";

/** A row of a snapshot, with the upload and data row it came from. */
export interface SilverInventoryRow extends InventoryRow {
  upload: string;
  row: number;
}

/** The snapshot of an ISO week (`YYYY-MM-DD` Monday). */
export interface InventoryWeek {
  upload: string;
  seq: number;
}

/** A SKU's name and category in one week. */
export interface SkuWeek {
  name: string;
  category: string;
  row: number;
}

/** The catalog entry of a SKU. */
export interface CatalogEntry {
  name: string;
  /** The category as spelled in `week`. */
  category: string;
  /** `categoryKey(category)`. */
  categoryKey: string;
  /** The latest week whose snapshot contains the SKU. */
  week: string;
}

/** SKU weeks and category spellings of one week's rows (first row by position wins). */
export function summariseWeek(rows: Iterable<SilverInventoryRow>): {
  skus: Map<string, SkuWeek>;
  categories: Map<string, { spelling: string; row: number }>;
} {
  const skus = new Map<string, SkuWeek>();
  const categories = new Map<string, { spelling: string; row: number }>();
  for (const r of rows) {
    const s = skus.get(r.sku);
    if (!s || r.row < s.row) {
      skus.set(r.sku, { name: r.productName, category: r.category, row: r.row });
    }
    const key = categoryKey(r.category);
    const c = categories.get(key);
    if (!c || r.row < c.row) categories.set(key, { spelling: r.category.trim(), row: r.row });
  }
  return { skus, categories };
}

/** The catalog entry a SKU gets from its week `week`. */
export function catalogEntryOf(week: string, s: SkuWeek): CatalogEntry {
  return { name: s.name, category: s.category, categoryKey: categoryKey(s.category), week };
}

/** Whether two catalog entries are equal (absent included). */
export function sameCatalogEntry(a: CatalogEntry | null, b: CatalogEntry | null): boolean {
  if (!a || !b) return a === b;
  return a.name === b.name && a.category === b.category && a.week === b.week;
}
