/**
 * Header matching shared by the orders CSV and the inventory sheet: names
 * compared case-insensitively after trimming, column order free, unknown
 * columns ignored and reported.
 *
 * @module
 */

/** Known columns of a file: which are required and which optional. */
export interface ColumnSet {
  readonly required: readonly string[];
  readonly optional: readonly string[];
}

/** The result of matching a header row against a column set. */
export interface HeaderMatch {
  /** Known column name → 0-based position of its first occurrence. */
  index: Record<string, number>;
  /** Header names that are not known columns (as written, trimmed), and repeats of known ones. */
  unknown: string[];
  /** Required columns not in the header. */
  missing: string[];
  /** Known columns that appear more than once (the first occurrence is used). */
  duplicate: string[];
}

/**
 * Matches a header row. A BOM on the first cell is dropped; empty header cells
 * are skipped; non-text cells (spreadsheets) are read as their text.
 *
 * @example
 * ```ts
 * matchHeader(["\uFEFFSKU", " On_Hand ", "note"], { required: ["sku", "on_hand"], optional: [] });
 * // { index: { sku: 0, on_hand: 1 }, unknown: ["note"], missing: [], duplicate: [] }
 * ```
 */
export function matchHeader(header: readonly unknown[], columns: ColumnSet): HeaderMatch {
  const known = new Set([...columns.required, ...columns.optional]);
  const index: Record<string, number> = {};
  const unknown: string[] = [];
  const duplicate: string[] = [];
  header.forEach((cell, i) => {
    let name = cell === undefined || cell === null ? "" : String(cell);
    if (i === 0) name = name.replace(/^\uFEFF/, "");
    name = name.trim();
    if (name === "") return;
    const key = name.toLowerCase();
    if (!known.has(key)) {
      unknown.push(name);
    } else if (Object.hasOwn(index, key)) {
      duplicate.push(key);
      unknown.push(name);
    } else {
      index[key] = i;
    }
  });
  const missing = columns.required.filter((c) => !Object.hasOwn(index, c));
  return { index, unknown, missing, duplicate };
}

/**
 * Picks the known columns out of one data row by a header match; cells past
 * the row's end are `undefined`.
 *
 * @example
 * ```ts
 * pickColumns(["A-1", "3"], { sku: 0, on_hand: 1 }); // { sku: "A-1", on_hand: "3" }
 * ```
 */
export function pickColumns<T>(
  cells: readonly T[],
  index: Record<string, number>,
): Record<string, T | undefined> {
  const row: Record<string, T | undefined> = {};
  for (const [name, i] of Object.entries(index)) row[name] = cells[i];
  return row;
}
