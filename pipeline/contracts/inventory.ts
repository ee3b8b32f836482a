/**
 * The inventory workbook contract of shared/spec/sources.md §3: header
 * matching, `normaliseInventoryRow`, category keys and Excel date serials.
 * Cell values come from the XLSX reader as string, number, boolean, Date,
 * undefined, or `NO_CACHED_VALUE` for a formula without a cached value.
 *
 * @module
 */

import type { InventoryRow, Normalised } from "./types.ts";
import {
  type FieldResult,
  isAbsent,
  kindOf,
  parseDecimal,
  parseInteger,
  parseText,
  parseTimestamp,
  quote,
} from "./values.ts";
import { compareDecimals, multiplyDecimal } from "./money.ts";
import { type FieldFailure, firstRejection, reject } from "./rejection.ts";
import { type HeaderMatch, matchHeader } from "./header.ts";
import { MAX_LINE_GROSS, SKU_PATTERN } from "./orders.ts";
import { DAY_MS, formatDayNumber } from "./calendar.ts";

/** Columns of the inventory sheet. `snapshot_date` is read by the upload, not per row. */
export const INVENTORY_COLUMNS = {
  required: ["sku", "product_name", "category", "warehouse", "on_hand"],
  optional: ["reorder_point", "unit_cost", "snapshot_date"],
} as const;

/** Row fields in the spec's table order; ties between failures go to the earlier one. */
export const INVENTORY_FIELD_ORDER: readonly string[] = [
  "sku",
  "product_name",
  "category",
  "warehouse",
  "on_hand",
  "reorder_point",
  "unit_cost",
];

/** Largest accepted `on_hand × unit_cost` of one row, in USD (keeps cents exact). */
export const MAX_STOCK_VALUE = MAX_LINE_GROSS;

/**
 * Cell value the XLSX reader passes for a formula cell with no cached value;
 * the row is quarantined as `invalid_value` on that column.
 */
export const NO_CACHED_VALUE: unique symbol = Symbol("no cached value");

/** A cell value as the XLSX reader hands it over. */
export type InventoryCell = string | number | boolean | Date | undefined | typeof NO_CACHED_VALUE;

/**
 * Matches an inventory header row (case-insensitive after trimming, BOM dropped).
 *
 * @example
 * ```ts
 * matchInventoryHeader(["SKU", "Product_Name", "category", "warehouse", "on_hand"]).missing; // []
 * ```
 */
export function matchInventoryHeader(header: unknown[]): HeaderMatch {
  return matchHeader(header, INVENTORY_COLUMNS);
}

/** Text and integer parsers see spreadsheet booleans and dates as the wrong type. */
function wrongCellType(raw: unknown, field: string, expected: string): FieldFailure | null {
  if (typeof raw === "boolean" || raw instanceof Date) {
    return {
      field,
      reason: "invalid_type",
      message: `Field "${field}" must be ${expected}, got ${kindOf(raw)} ${quote(raw)}`,
    };
  }
  return null;
}

/**
 * Normalises one inventory row (keys are column names) under sources.md §3.
 * The first reason code wins (`missing_required`, `invalid_type`,
 * `invalid_value`), then the first field in `INVENTORY_FIELD_ORDER`. A formula
 * without a cached value counts as present and fails as `invalid_value`.
 *
 * @example
 * ```ts
 * const r = normaliseInventoryRow({ sku: "ab-1", product_name: "Mug", category: " Kitchen ",
 *   warehouse: "W1", on_hand: 12, unit_cost: 3.5 });
 * r.ok && r.value; // { sku: "AB-1", ..., category: "Kitchen", onHand: 12, reorderPoint: 0, unitCost: "3.5" }
 * ```
 */
export function normaliseInventoryRow(row: Record<string, unknown>): Normalised<InventoryRow> {
  const failures: FieldFailure[] = [];
  const cell = (field: string): unknown => (Object.hasOwn(row, field) ? row[field] : undefined);
  const fields = new Map<string, unknown>();
  for (const field of INVENTORY_FIELD_ORDER) {
    const raw = cell(field);
    if (raw === NO_CACHED_VALUE) {
      failures.push({
        field,
        reason: "invalid_value",
        message: `Field "${field}" is a formula with no cached value`,
      });
      continue;
    }
    if (isAbsent(raw)) {
      if ((INVENTORY_COLUMNS.required as readonly string[]).includes(field)) {
        failures.push({
          field,
          reason: "missing_required",
          message: `Column "${field}" is missing`,
        });
      }
      continue;
    }
    const wrong = wrongCellType(
      raw,
      field,
      field === "unit_cost"
        ? "a decimal"
        : field === "on_hand" || field === "reorder_point"
        ? "an integer"
        : "text",
    );
    if (wrong) {
      failures.push(wrong);
      continue;
    }
    fields.set(field, raw);
  }

  const ok = <T>(field: string, r: FieldResult<T>): T | undefined => {
    if (r.ok) return r.value;
    failures.push({ field, reason: r.reason, message: r.message });
    return undefined;
  };
  const text = (field: string, max: number) =>
    fields.has(field) ? ok(field, parseText(fields.get(field), { field, min: 1, max })) : undefined;
  const rawSku = text("sku", 1000);
  const sku = rawSku?.toUpperCase();
  if (sku !== undefined && !SKU_PATTERN.test(sku)) {
    failures.push({
      field: "sku",
      reason: "invalid_value",
      message: `SKU ${quote(sku)} does not match ^[A-Z0-9][A-Z0-9_-]{0,63}$`,
    });
  }
  const productName = text("product_name", 200);
  const category = text("category", 100);
  const warehouse = text("warehouse", 64);

  const count = (field: string) => {
    if (!fields.has(field)) return undefined;
    const value = ok(field, parseInteger(fields.get(field), field));
    if (value !== undefined && value < 0) {
      failures.push({
        field,
        reason: "invalid_value",
        message: `Field "${field}" must not be negative, got ${quote(fields.get(field))}`,
      });
      return undefined;
    }
    return value;
  };
  const onHand = count("on_hand");
  const reorderPoint = count("reorder_point") ?? 0;

  let unitCost: string | undefined;
  if (fields.has("unit_cost")) {
    unitCost = ok("unit_cost", parseDecimal(fields.get("unit_cost"), "unit_cost"));
    if (unitCost?.startsWith("-")) {
      failures.push({
        field: "unit_cost",
        reason: "invalid_value",
        message: `Field "unit_cost" must not be negative, got ${quote(fields.get("unit_cost"))}`,
      });
    } else if (unitCost !== undefined && onHand !== undefined) {
      const value = multiplyDecimal(onHand, unitCost);
      if (compareDecimals(value, MAX_STOCK_VALUE) > 0) {
        failures.push({
          field: "unit_cost",
          reason: "invalid_value",
          message: `Stock value ${quote(value)} exceeds the limit of ${quote(MAX_STOCK_VALUE)}`,
        });
      }
    }
  }

  const first = firstRejection(failures, INVENTORY_FIELD_ORDER);
  if (first) return reject(first);
  const value: InventoryRow = {
    sku: sku!,
    productName: productName!,
    category: category!,
    warehouse: warehouse!,
    onHand: onHand!,
    reorderPoint,
  };
  if (unitCost !== undefined) value.unitCost = unitCost;
  return { ok: true, value, warnings: [] };
}

/**
 * The key categories are matched by: trimmed and lower-cased.
 *
 * @example
 * ```ts
 * categoryKey("  Home & Kitchen "); // "home & kitchen"
 * ```
 */
export function categoryKey(category: string): string {
  return category.trim().toLowerCase();
}

/** Day number of 1899-12-31, serial 0 of Excel's 1900 date system. */
const EXCEL_1900_DAY0 = -25568;
/** Day number of 1904-01-01, serial 0 of Excel's 1904 date system. */
const EXCEL_1904_DAY0 = -24107;

/**
 * The day of an Excel date serial (the time of day is dropped). In the 1900
 * system serial 1 is 1900-01-01 and serial 60 is Excel's fictitious
 * 1900-02-29 (refused); in the 1904 system serial 0 is 1904-01-01.
 *
 * @example
 * ```ts
 * excelSerialToDay(46351, false); // "2026-11-25"
 * excelSerialToDay(44889, true); // "2026-11-25"
 * ```
 */
export function excelSerialToDay(serial: number, date1904: boolean): string {
  if (!Number.isFinite(serial)) throw new RangeError(`Excel serial "${serial}" is not finite`);
  const whole = Math.floor(serial);
  if (date1904) {
    if (whole < 0) throw new RangeError(`Excel serial "${serial}" is before 1904-01-01`);
    return formatDayNumber(EXCEL_1904_DAY0 + whole);
  }
  if (whole < 1) throw new RangeError(`Excel serial "${serial}" is before 1900-01-01`);
  if (whole === 60) throw new RangeError(`Excel serial "60" is the nonexistent 1900-02-29`);
  // Serials after the fictitious leap day are one ahead of the real calendar.
  return formatDayNumber(EXCEL_1900_DAY0 + whole - (whole > 60 ? 1 : 0));
}

/**
 * Reads a `snapshot_date` cell as a UTC day: a Date (its UTC day), an Excel
 * serial, or a timestamp text (its UTC day). Anything else is
 * `invalid_timestamp`.
 *
 * @example
 * ```ts
 * parseSnapshotDay("2026-11-23", false); // { ok: true, value: "2026-11-23" }
 * ```
 */
export function parseSnapshotDay(raw: unknown, date1904: boolean): FieldResult<string | undefined> {
  if (isAbsent(raw)) return { ok: true, value: undefined };
  const bad = {
    ok: false as const,
    reason: "invalid_timestamp" as const,
    message: `Field "snapshot_date" is not a date: ${quote(raw)}`,
  };
  if (raw instanceof Date) {
    const t = raw.getTime();
    return Number.isNaN(t) ? bad : { ok: true, value: formatDayNumber(Math.floor(t / DAY_MS)) };
  }
  if (typeof raw === "number") {
    try {
      return { ok: true, value: excelSerialToDay(raw, date1904) };
    } catch {
      return bad;
    }
  }
  const ts = parseTimestamp(raw, "snapshot_date");
  if (!ts.ok || ts.value === undefined) return ts.ok ? bad : ts;
  return { ok: true, value: formatDayNumber(Math.floor(ts.value / DAY_MS)) };
}
