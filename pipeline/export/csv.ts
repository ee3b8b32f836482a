/**
 * CSV encoding (RFC 4180) with formula-injection escaping.
 *
 * - Records end with CRLF; the first record is the header of column names.
 * - A field is quoted when it contains `"`, `,`, CR or LF; quotes inside are
 *   doubled.
 * - null is an empty, unquoted field; an empty string is `""`.
 * - A text cell (types `string` and `json`, and a `decimal` that is not plain
 *   decimal text) whose first character is `=`, `+`, `-`, `@`, tab or CR gets
 *   a single quote (`'`) in front, so spreadsheets show it as text instead of
 *   evaluating it. Numbers, booleans, timestamps and dates are produced by
 *   this module and can never start a formula, so they are not prefixed.
 *
 * @module
 */

import type { Cell } from "./cells.ts";
import { jsonText } from "./cells.ts";
import type { Column, ColumnType } from "./columns.ts";

/** First characters that make a spreadsheet evaluate a cell (OWASP list). */
const FORMULA_START = /^[=+\-@\t\r]/;
/** Characters that require quoting under RFC 4180. */
const NEEDS_QUOTES = /[",\r\n]/;
/** Exact decimal text as the contracts write it (`-12.5`): a number, not a formula. */
const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * Escapes a text value against formula injection, then quotes it as RFC 4180
 * requires.
 *
 * @example
 * ```ts
 * csvText("=HYPERLINK(\"x\")"); // "\"'=HYPERLINK(\"\"x\"\")\""
 * csvText("plain"); // "plain"
 * csvText(""); // "\"\""
 * ```
 */
export function csvText(text: string): string {
  if (text === "") return '""';
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * One CSV field of a typed cell.
 *
 * @example
 * ```ts
 * csvField("int64", 12n); // "12"
 * csvField("timestamp", 0); // "1970-01-01T00:00:00.000Z"
 * csvField("string", null); // ""
 * ```
 */
export function csvField(type: ColumnType, cell: Cell): string {
  if (cell === null) return "";
  switch (type) {
    case "string":
      return csvText(cell as string);
    case "decimal":
      return PLAIN_DECIMAL.test(cell as string) ? cell as string : csvText(cell as string);
    case "int32":
    case "int64":
    case "double":
    case "boolean":
      return String(cell);
    case "timestamp":
      return new Date(cell as number).toISOString();
    case "date":
      return cell as string;
    case "json":
      return csvText(jsonText(cell));
  }
}

/** The header record, CRLF-terminated. */
export function csvHeader(columns: readonly Column[]): string {
  return columns.map((c) => csvText(c.name)).join(",") + "\r\n";
}

/** CSV records of typed rows (cells in column order), each CRLF-terminated. */
export function csvRecords(columns: readonly Column[], rows: readonly Cell[][]): string {
  let out = "";
  for (const row of rows) {
    let line = "";
    for (let i = 0; i < columns.length; i++) {
      if (i > 0) line += ",";
      line += csvField(columns[i].type, row[i]);
    }
    out += line + "\r\n";
  }
  return out;
}
