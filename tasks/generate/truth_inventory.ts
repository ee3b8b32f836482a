/**
 * The answer key for inventory: per week, the accepted rows of the sheet that
 * is read (the last of repeated (sku, warehouse) rows wins, the others are
 * duplicates), and the catalog of sources.md — a SKU's name and category are
 * those of the latest week containing it; a category is matched
 * case-insensitively and shown as first seen.
 *
 * @module
 */

import { emptyQuality, type QualityFigures } from "./truth_events.ts";
import type { NormInvRow, Outcome } from "./records.ts";

/** Quality of one inventory workbook (keyed by its Monday in expected.json). */
export interface InventoryFileQuality extends QualityFigures {
  file: string;
}

/** One week's accepted snapshot. */
export interface WeekSnapshot {
  monday: number;
  rows: NormInvRow[];
}

/** The running inventory answer key. */
export interface InventoryTally {
  weeks: WeekSnapshot[];
  quality: Map<number, InventoryFileQuality>;
  /** Category key (lower case) → spelling first seen. */
  categoryShown: Map<string, string>;
}

/** A new inventory tally. */
export function createInventoryTally(): InventoryTally {
  return { weeks: [], quality: new Map(), categoryShown: new Map() };
}

/**
 * Reads one week's workbook (weeks arrive in order).
 *
 * @example
 * ```ts
 * tallyInventoryWeek(t, { monday, file: "inventory_2026-11-23.xlsx", outcomes });
 * ```
 */
export function tallyInventoryWeek(
  t: InventoryTally,
  week: { monday: number; file: string; outcomes: Outcome<NormInvRow>[] },
): void {
  const q: InventoryFileQuality = { file: week.file, ...emptyQuality() };
  const rows = new Map<string, NormInvRow>();
  for (const outcome of week.outcomes) {
    q.received++;
    if (outcome.ok === null) {
      q.quarantined++;
      q.quarantined_by_reason[outcome.reason] = (q.quarantined_by_reason[outcome.reason] ?? 0) +
        1;
      continue;
    }
    const row = outcome.ok;
    const key = row.category.toLowerCase();
    if (!t.categoryShown.has(key)) t.categoryShown.set(key, row.category);
    const rowKey = `${row.sku}\u0000${row.warehouse}`;
    if (rows.has(rowKey)) q.duplicates++;
    rows.set(rowKey, row);
  }
  q.accepted = rows.size;
  t.quality.set(week.monday, q);
  t.weeks.push({ monday: week.monday, rows: [...rows.values()] });
}

/** A SKU's catalog entry. */
export interface CatalogEntry {
  name: string;
  category: string;
}

/**
 * The catalog after every upload: per SKU, the name and (shown) category of
 * its first row in the latest week containing it.
 */
export function catalogOf(t: InventoryTally): Map<string, CatalogEntry> {
  const out = new Map<string, CatalogEntry>();
  const byAge = [...t.weeks].sort((a, b) => a.monday - b.monday);
  for (const week of byAge) {
    const named = new Set<string>();
    for (const row of week.rows) {
      // Within a week, a SKU is named by its first row.
      if (named.has(row.sku)) continue;
      named.add(row.sku);
      out.set(row.sku, {
        name: row.productName,
        category: t.categoryShown.get(row.category.toLowerCase())!,
      });
    }
  }
  return out;
}
