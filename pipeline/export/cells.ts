/**
 * Turns raw KV values into typed cells, tolerantly: a value of the expected
 * kind is kept, a lossless conversion is made (`"42"` → 42n for `int64`), and
 * anything else becomes null rather than failing an export half-way through a
 * streamed response.
 *
 * @module
 */

import type { Column, ColumnType } from "./columns.ts";

/**
 * A typed cell. By column type: `string`, `decimal`, `date` → string;
 * `int32`, `double`, `timestamp` (epoch ms) → number; `int64` → bigint;
 * `boolean` → boolean; `json` → any JSON value; every type → null.
 */
export type Cell = string | number | bigint | boolean | null | object;

const TWO_63 = 1n << 63n;
const TWO_64 = 1n << 64n;
const INT64_MIN = -TWO_63;
const INT64_MAX = TWO_63 - 1n;
/** ECMAScript's Date range, so every timestamp cell has an ISO form. */
const MAX_TIME_MS = 8.64e15;

const INTEGER_TEXT = /^-?\d{1,19}$/;
const DATE_TEXT = /^\d{4}-\d{2}-\d{2}$/;

function int64Of(raw: unknown): bigint | null {
  let v: bigint;
  if (typeof raw === "bigint") v = raw;
  else if (raw instanceof Deno.KvU64) {
    // KV counters are signed by convention (kv/counters.ts): values ≥ 2^63 are negative.
    v = raw.value >= TWO_63 ? raw.value - TWO_64 : raw.value;
  } else if (typeof raw === "number" && Number.isSafeInteger(raw)) v = BigInt(raw);
  else if (typeof raw === "string" && INTEGER_TEXT.test(raw.trim())) v = BigInt(raw.trim());
  else return null;
  return v >= INT64_MIN && v <= INT64_MAX ? v : null;
}

function int32Of(raw: unknown): number | null {
  let v: number;
  if (typeof raw === "number") v = raw;
  else if (typeof raw === "bigint") v = Number(raw);
  else if (typeof raw === "string" && INTEGER_TEXT.test(raw.trim())) v = Number(raw.trim());
  else return null;
  return Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 ? v : null;
}

function doubleOf(raw: unknown): number | null {
  let v: number;
  if (typeof raw === "number") v = raw;
  else if (typeof raw === "bigint") v = Number(raw);
  else if (raw instanceof Deno.KvU64) v = Number(int64Of(raw));
  else if (typeof raw === "string" && raw.trim() !== "") v = Number(raw);
  else return null;
  return Number.isFinite(v) ? v : null;
}

function timestampOf(raw: unknown): number | null {
  let v: number;
  if (typeof raw === "number") v = raw;
  else if (raw instanceof Date) v = raw.getTime();
  else if (typeof raw === "bigint") v = Number(raw);
  else if (typeof raw === "string" && raw.trim() !== "") {
    const text = raw.trim();
    v = /^-?\d+$/.test(text) ? Number(text) : Date.parse(text);
  } else return null;
  if (!Number.isFinite(v)) return null;
  v = Math.trunc(v);
  return Math.abs(v) <= MAX_TIME_MS ? v : null;
}

/** The last valid date text: dates repeat row after row, so most cells skip the parse. */
let lastDate = "";

function dateOf(raw: unknown): string | null {
  if (typeof raw === "string") {
    if (raw === lastDate) return raw;
    const text = raw.trim();
    if (DATE_TEXT.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`))) {
      lastDate = text;
      return text;
    }
    return null;
  }
  const ms = timestampOf(raw);
  return ms === null ? null : new Date(ms).toISOString().slice(0, 10);
}

function stringOf(raw: unknown): string | null {
  if (typeof raw === "string") return raw;
  if (typeof raw === "number") return Number.isFinite(raw) ? String(raw) : null;
  if (typeof raw === "bigint" || typeof raw === "boolean") return String(raw);
  if (raw instanceof Deno.KvU64) return String(int64Of(raw));
  return null;
}

function booleanOf(raw: unknown): boolean | null {
  if (typeof raw === "boolean") return raw;
  if (raw === "true") return true;
  if (raw === "false") return false;
  return null;
}

function jsonOf(raw: unknown): Cell {
  if (raw === undefined || raw === null) return null;
  if (typeof raw === "number" && !Number.isFinite(raw)) return null;
  if (typeof raw === "function" || typeof raw === "symbol") return null;
  return raw as Cell;
}

/**
 * The typed cell of a raw value for a column type (see {@link Cell}).
 *
 * @example
 * ```ts
 * toCell("int64", "123456789012345678"); // 123456789012345678n
 * toCell("timestamp", "2026-11-25T10:00:00Z"); // 1795600800000
 * toCell("int32", "abc"); // null
 * ```
 */
export function toCell(type: ColumnType, raw: unknown): Cell {
  if (raw === undefined || raw === null) return null;
  switch (type) {
    case "string":
    case "decimal":
      return stringOf(raw);
    case "int32":
      return int32Of(raw);
    case "int64":
      return int64Of(raw);
    case "double":
      return doubleOf(raw);
    case "boolean":
      return booleanOf(raw);
    case "timestamp":
      return timestampOf(raw);
    case "date":
      return dateOf(raw);
    case "json":
      return jsonOf(raw);
  }
}

/** `JSON.rawJSON` (V8 11.4+, Deno ≥ 1.34): not yet in TypeScript's lib. */
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/**
 * JSON text of a `json` cell. Bigints inside it keep every digit (written as
 * raw JSON numbers), which `JSON.stringify` alone would refuse.
 */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") return rawJSON(v.toString());
    if (v instanceof Deno.KvU64) return rawJSON(String(int64Of(v)));
    return v;
  }) ?? "null";
}

/** The typed cells of one entry, in column order. */
export function rowOf(
  columns: readonly Column[],
  value: unknown,
  key: readonly Deno.KvKeyPart[],
): Cell[] {
  const row = new Array<Cell>(columns.length);
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i];
    row[i] = toCell(c.type, c.get(value, key));
  }
  return row;
}
