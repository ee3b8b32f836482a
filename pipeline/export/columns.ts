/**
 * Column types of the export tables and the accessors that pull a column's
 * raw value out of a KV entry. Tables are declared once in `tables.ts` with
 * these; every format (CSV, NDJSON, Parquet) derives its layout from them.
 *
 * @module
 */

/**
 * The type of an export column. Each format maps it once (docs/exports.md):
 *
 * | type        | cell in memory         | Parquet                         |
 * | ----------- | ---------------------- | ------------------------------- |
 * | `string`    | string                 | BYTE_ARRAY STRING               |
 * | `decimal`   | exact decimal text     | BYTE_ARRAY STRING               |
 * | `int32`     | number (integer)       | INT32                           |
 * | `int64`     | bigint                 | INT64                           |
 * | `double`    | number (finite)        | DOUBLE                          |
 * | `boolean`   | boolean                | BOOLEAN                         |
 * | `timestamp` | number, epoch ms (UTC) | INT64 TIMESTAMP(MILLIS, UTC)    |
 * | `date`      | `YYYY-MM-DD` text      | INT32 DATE                      |
 * | `json`      | any JSON value         | BYTE_ARRAY JSON                 |
 */
export type ColumnType =
  | "string"
  | "decimal"
  | "int32"
  | "int64"
  | "double"
  | "boolean"
  | "timestamp"
  | "date"
  | "json";

/**
 * Reads a column's raw value from a KV entry: `value` is the entry's value and
 * `key` the parts of its key after the table's prefix.
 */
export type Accessor = (value: unknown, key: readonly Deno.KvKeyPart[]) => unknown;

/** One declared column of an export table. Every column is nullable. */
export interface Column {
  /** snake_case name, as written in CSV headers, NDJSON keys and the Parquet schema. */
  name: string;
  type: ColumnType;
  /** Where the raw value comes from; a missing value becomes null. */
  get: Accessor;
}

/** A compiled reader of one dotted path (the common one- and two-part paths without a loop). */
function pathReader(path: string): (value: unknown) => unknown {
  const parts = path.split(".");
  if (parts.length === 1) {
    const [a] = parts;
    return (v) =>
      v !== null && typeof v === "object" ? (v as Record<string, unknown>)[a] : undefined;
  }
  return (v) => {
    let current = v;
    for (const part of parts) {
      if (current === null || typeof current !== "object") return undefined;
      current = (current as Record<string, unknown>)[part];
    }
    return current;
  };
}

/**
 * Reads the first present field among alternatives; each alternative is a
 * dotted path (`"version.date"`). Alternatives absorb naming differences of
 * producers (`valueCents` or `value_cents`) without changing the column.
 *
 * @example
 * ```ts
 * field("valueCents", "value_cents")({ value_cents: 5 }, []); // 5
 * field("version.date")({ version: { date: "2026-11-25" } }, []); // "2026-11-25"
 * ```
 */
export function field(...paths: string[]): Accessor {
  const readers = paths.map(pathReader);
  if (readers.length === 1) return readers[0];
  return (value) => {
    for (const read of readers) {
      const found = read(value);
      if (found !== undefined && found !== null) return found;
    }
    return undefined;
  };
}

/**
 * Reads a part of the entry's key after the table prefix (0 is the first part
 * after the prefix).
 *
 * @example
 * ```ts
 * keyPart(0)(null, ["2026-11-23", "SKU-1"]); // "2026-11-23"
 * ```
 */
export function keyPart(index: number): Accessor {
  return (_value, key) => key[index];
}

/**
 * Reads a field of the value, falling back to a key part when the value does
 * not carry it (keys always do).
 */
export function fieldOrKey(path: string, index: number): Accessor {
  const fromField = field(path);
  return (value, key) => fromField(value, key) ?? key[index];
}

/** Shorthand for a column declaration. */
export function column(name: string, type: ColumnType, get: Accessor): Column {
  return { name, type, get };
}
