/**
 * NDJSON encoding: one JSON object per row, keys in column order, each line
 * ending with LF.
 *
 * Types: null is `null`; `int64` is a JSON number with every digit (exact
 * beyond 2^53, where a plain `JSON.parse` would round: use a big-number aware
 * parser there); `timestamp` is ISO 8601 text in UTC with milliseconds;
 * `date` and `decimal` are text; `json` is the nested value.
 *
 * @module
 */

import type { Cell } from "./cells.ts";
import { jsonText } from "./cells.ts";
import type { Column, ColumnType } from "./columns.ts";

/**
 * The JSON text of one typed cell.
 *
 * @example
 * ```ts
 * ndjsonValue("int64", 9007199254740993n); // "9007199254740993"
 * ndjsonValue("timestamp", 0); // "\"1970-01-01T00:00:00.000Z\""
 * ```
 */
export function ndjsonValue(type: ColumnType, cell: Cell): string {
  if (cell === null) return "null";
  switch (type) {
    case "string":
    case "decimal":
      return PLAIN.test(cell as string) ? `"${cell}"` : JSON.stringify(cell);
    case "date":
      // `YYYY-MM-DD` (cells.ts checks it): nothing to escape.
      return `"${cell}"`;
    case "int32":
    case "int64":
    case "double":
    case "boolean":
      return String(cell);
    case "timestamp":
      return `"${new Date(cell as number).toISOString()}"`;
    case "json":
      return jsonText(cell);
  }
}

/** Text JSON writes as it is between quotes: printable ASCII without `"` and `\`. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** NDJSON lines of typed rows (cells in column order). */
export function ndjsonLines(columns: readonly Column[], rows: readonly Cell[][]): string {
  const keys = columns.map((c) => JSON.stringify(c.name) + ":");
  let out = "";
  for (const row of rows) {
    let line = "{";
    for (let i = 0; i < columns.length; i++) {
      if (i > 0) line += ",";
      line += keys[i] + ndjsonValue(columns[i].type, row[i]);
    }
    out += line + "}\n";
  }
  return out;
}
